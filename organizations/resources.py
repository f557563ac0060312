"""The staff roster (職員名簿) import: one row per staff member of one municipality.

Matched by staff number within the municipality; departments are created when new; accounts
are created for new staff without passwords (they set one through a one-time link,
``organizations.invitations``). Run through ``base.imports.run_import`` by the admin view
and ``import_roster``.

Who is not in the file depends on what the file is, which the uploader must say (``mode``):

- ``whole`` (「この名簿が全員分」): people missing from the file are marked as leaving (never
  deleted; their accounts are switched off). When that is more than
  ``settings.ROSTER_MAX_LEAVING_SHARE`` of the active staff, the import needs the confirmation
  ``allow_mass_leaving`` (a partial file uploaded as the whole roster).
- ``changes`` (「この人たちだけ更新」): only the people in the file change.

Staff numbers are matched the way offices write them (README, "Staff numbers"): exactly as
written first (after NFKC and without spaces); then, for numbers of digits only, numerically
(Excel stores 00123 as 123: that 123 is the existing 00123, when exactly one existing number
has that value); a new number of digits shorter than the municipality's established width
(every existing number of digits has the same length and some start with 0) is zero-padded
to it. Each such match or padding is listed as a warning in the preview.
"""

import re
from collections import Counter

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from base.imports import RowError, SpreadsheetResource, normalise_code, normalise_text, run_import

from . import services
from .models import DEPARTMENT_MAX_DEPTH, AdminScope, EmploymentType, Municipality, StaffMember
from .signals import roster_imported
from .units import PATH_SEPARATOR

STAFF_NUMBER = "職員番号"
NAME = "氏名"
NAME_KANA = "ふりがな"
DEPARTMENT = "所属"
EMAIL = "メールアドレス"
STATUS = "在職区分"
MUNICIPALITY_CODE = "団体コード"
# An HR system's explicit leaving column (changes-only files list who left this way): a mark
# means the person left; empty means nothing about leaving.
RETIRED = "退職"
POSITION = "役職"
EMPLOYMENT_TYPE = "雇用形態"
# The unit as separate columns, from the top (an alternative to a 所属 path).
LEVELS = ["局", "部", "課", "係"]
# Between the levels of a 所属 path: "/" or ">", half- or full-width (／, ＞). Spaces are not
# separators: many offices' flat unit names contain them (「市民局　区政支援室」).
PATH_SEPARATORS = re.compile(r"\s*[/／>＞]\s*")

EMPLOYMENT_WORDS = {
    EmploymentType.FULL_TIME: {"常勤", "常勤職員", "正職員", "正規", "正規職員", "一般職"},
    EmploymentType.FISCAL_YEAR: {
        "会計年度任用職員",
        "会計年度任用",
        "会計年度",
        "会計年度職員",
        "会計年度任用職員(パートタイム)",
        "会計年度任用職員(フルタイム)",
    },
    EmploymentType.REAPPOINTED: {"再任用", "再任用職員", "再任用短時間", "再任用(短時間)"},
    EmploymentType.FIXED_TERM: {"任期付", "任期付き", "任期付職員", "任期付き職員"},
    EmploymentType.OTHER: {"その他"},
}


def _employment_type_from(text: str) -> str | None:
    """The ``EmploymentType`` the roster wrote (empty: ""), ``None`` for an unknown word."""
    key = normalise_text(text).replace(" ", "")
    if not key:
        return ""
    for value, words in EMPLOYMENT_WORDS.items():
        if key in words or key == value:
            return value
    return None


def split_department_path(text: str) -> tuple[str, ...]:
    """The levels of a 所属 path ("総務局/人事部/人事課", "総務局＞人事部"), empty ones left out."""
    return tuple(part for part in PATH_SEPARATORS.split(normalise_text(text)) if part)


RETIRED_WORDS = {"退職", "退職済", "済", "1", "○", "〇", "yes", "true", "はい"}
NOT_RETIRED_WORDS = {"", "0", "×", "no", "false", "いいえ", "在職"}

STATUS_WORDS = {
    StaffMember.Status.ACTIVE: {"", "在職", "在籍", "active", "現職", "1", "○"},
    StaffMember.Status.LEAVING: {"退職", "離職", "異動", "転出", "休職", "leaving", "0", "×"},
}


def _status_from(text: str) -> str | None:
    key = normalise_text(text).lower()
    for status, words in STATUS_WORDS.items():
        if key in words:
            return status
    return None


class RosterMode:
    """What the uploaded file is (the uploader's explicit choice)."""

    WHOLE = "whole"
    CHANGES = "changes"
    CHOICES = [
        (WHOLE, gettext_lazy("この名簿が全員分（名簿にいない人を「退職・異動」にする）")),
        (CHANGES, gettext_lazy("この人たちだけ更新する（名簿にいない人は変えない）")),
    ]


MASS_LEAVING = "allow_mass_leaving"
# How many leavers (or normalised numbers) the preview names; the count is always complete.
LIST_LIMIT = 200


def max_leaving_share() -> float:
    return float(getattr(settings, "ROSTER_MAX_LEAVING_SHARE", 0.2))


def _same_municipality(code: str, municipality: Municipality) -> bool:
    # The 5-digit code without its check digit is also in common use.
    return code in (municipality.code, municipality.code[:5])


class StaffRosterResource(SpreadsheetResource):
    """Rows of 職員番号, 氏名, ふりがな, 所属, メールアドレス, 在職区分 (and optionally 団体コード,
    which must then be this municipality's code, and an HR system's 退職 column: marked for the
    people who left, empty otherwise)."""

    staff_number = Field(attribute="staff_number", column_name=STAFF_NUMBER)
    name = Field(attribute="name", column_name=NAME)
    name_kana = Field(attribute="name_kana", column_name=NAME_KANA)
    department = Field(attribute="department", column_name=DEPARTMENT)
    email = Field(attribute="email", column_name=EMAIL)
    status = Field(attribute="status", column_name=STATUS)
    position = Field(attribute="position", column_name=POSITION)
    employment_type = Field(attribute="employment_type", column_name=EMPLOYMENT_TYPE)
    municipality_code = Field(column_name=MUNICIPALITY_CODE, readonly=True)
    retired = Field(column_name=RETIRED, readonly=True)
    level_1 = Field(column_name=LEVELS[0], readonly=True)
    level_2 = Field(column_name=LEVELS[1], readonly=True)
    level_3 = Field(column_name=LEVELS[2], readonly=True)
    level_4 = Field(column_name=LEVELS[3], readonly=True)

    header_aliases = {
        STAFF_NUMBER: ["職員コード", "職員No", "職員NO.", "職員ID"],
        NAME: ["名前", "職員名", "氏 名"],
        # Brackets that change the meaning are listed (others are ignored when matching).
        NAME_KANA: [
            "フリガナ",
            "カナ",
            "よみがな",
            "読み仮名",
            "氏名カナ",
            "カナ氏名",
            "氏名（カナ）",
            "氏名（フリガナ）",
            "氏名（ふりがな）",
            "氏名（よみがな）",
            "ふりがな（カナ）",
        ],
        DEPARTMENT: ["所属名", "部署", "部署名", "所属部署", "所属(階層)", "所属パス"],
        LEVELS[0]: ["局名", "部局", "部局名"],
        LEVELS[1]: ["部名"],
        LEVELS[2]: ["課名", "所属課", "課・室", "課室"],
        LEVELS[3]: ["係名", "係・担当", "担当", "グループ"],
        POSITION: ["職名", "職位", "役職名"],
        EMPLOYMENT_TYPE: ["任用形態", "雇用区分", "任用区分", "職員区分", "雇用形態区分"],
        EMAIL: [
            "メール",
            "E-mail",
            "Email",
            "e-mail",
            "電子メール",
            "メールアドレス（公用）",
            "公用メールアドレス",
            "公用メール",
        ],
        STATUS: ["状態", "在職状況", "在籍区分", "在籍状況", "在籍", "在職", "状況", "区分"],
        MUNICIPALITY_CODE: ["市区町村コード", "全国地方公共団体コード", "自治体コード"],
        RETIRED: ["退職フラグ", "退職者", "退職区分", "退職者フラグ"],
    }
    # 所属, or the 局/部/課/係 columns (``normalise_headers``).
    required_columns = [STAFF_NUMBER, NAME]
    extra_labels = {
        "leaving": gettext_lazy("退職・異動にする人"),
        "departments": gettext_lazy("新しい所属"),
        "moved": gettext_lazy("所属が変わる人（異動）"),
    }

    class Meta:
        model = StaffMember
        fields = (
            "staff_number",
            "name",
            "name_kana",
            "department",
            "email",
            "status",
            "position",
            "employment_type",
            "municipality_code",
            "retired",
            "level_1",
            "level_2",
            "level_3",
            "level_4",
        )
        import_id_fields = ("staff_number",)
        use_bulk = True
        batch_size = 1000

    def __init__(self, *, municipality: Municipality, mode: str, **kwargs):
        super().__init__(**kwargs)
        if mode not in (RosterMode.WHOLE, RosterMode.CHANGES):
            raise ValueError(f"unknown roster mode {mode!r}")
        self.municipality = municipality
        self.mode = mode

    @classmethod
    def template_headers(cls) -> list[str]:
        return [STAFF_NUMBER, NAME, NAME_KANA, DEPARTMENT, POSITION, EMPLOYMENT_TYPE, EMAIL, STATUS]

    def normalise_headers(self, dataset):
        errors = super().normalise_headers(dataset)
        levels = [h for h in LEVELS if h in dataset.headers]
        if DEPARTMENT in dataset.headers and levels:
            errors.append(
                RowError(
                    1,
                    DEPARTMENT,
                    _("所属は「所属」の列か「局・部・課・係」の列のどちらか一方で書いてください。"),
                )
            )
        elif DEPARTMENT not in dataset.headers and not levels:
            errors.append(
                RowError(1, DEPARTMENT, _("この列（または「局・部・課・係」の列）がありません。"))
            )
        return errors

    def get_queryset(self):
        return StaffMember.objects.filter(municipality=self.municipality)

    def before_import(self, dataset, **kwargs):
        # First thing in the import's transaction: another import of the municipality (the
        # admin screen, ``import_roster``, the folder sync) or a unit saved in the admin
        # finishes before this one reads its staff and units, so both never create the same
        # unit or person (the lock is held until this import commits or rolls back).
        services.municipality_units_lock(municipality=self.municipality)
        headers = dataset.headers
        self.active_before = self.get_queryset().filter(status=StaffMember.Status.ACTIVE).count()
        # Staff numbers and departments of the whole file are needed up front (duplicates, new
        # departments); the other cells are normalised row by row in ``before_import_row``.
        self.numbers = self._match_numbers(_column(dataset, STAFF_NUMBER, normalise_code))
        paths = _paths(dataset)
        self.normalisers = [
            (column, normalise)
            for column, normalise in (
                (MUNICIPALITY_CODE, normalise_code),
                (NAME, normalise_text),
                (NAME_KANA, normalise_text),
                (EMAIL, normalise_text),
                (STATUS, normalise_text),
                (RETIRED, normalise_text),
                (POSITION, normalise_text),
                (EMPLOYMENT_TYPE, normalise_text),
            )
            if column in headers
        ]

        counts = Counter(self.numbers)
        self.duplicates = {n for n, count in counts.items() if n and count > 1}
        self.row_of = {}
        for number, staff_number in enumerate(self.numbers, start=2):
            if staff_number in self.duplicates:
                self.row_of.setdefault(staff_number, []).append(number)
        self.seen = set(counts)

        # Units: the file's paths, the missing units created under their parents (rolled
        # back with everything else when the file is invalid or this is a dry run). Paths a
        # row error refuses (``_path_error``) create nothing.
        self.paths_of_rows = paths
        self.department_ids, created = services.departments_ensure_paths(
            municipality=self.municipality,
            paths={path for path in paths if path and _path_error(path) is None},
        )
        self.extra["departments"] = created
        self.moves = []

    def _match_numbers(self, numbers: list[str]) -> list[str]:
        """The file's staff numbers as the municipality writes them (the module's rule);
        numbers that match only after normalisation are reported in ``self.warnings``, and
        those that could be more than one person in ``self.ambiguous``."""
        existing = set(self.get_queryset().values_list("staff_number", flat=True))
        by_value: dict[int, list[str]] = {}
        for number in existing:
            if number.isascii() and number.isdigit():
                by_value.setdefault(int(number), []).append(number)
        digit_lengths = {len(n) for values in by_value.values() for n in values}
        padded_width = None
        if len(digit_lengths) == 1 and any(n.startswith("0") for n in existing if n.isdigit()):
            padded_width = digit_lengths.pop()
        self.ambiguous = {}
        matched, padded = [], []
        result = []
        for number in numbers:
            if number in existing or not (number.isascii() and number.isdigit()):
                result.append(number)
                continue
            candidates = sorted(by_value.get(int(number), []), key=lambda n: (len(n), n))
            if len(candidates) == 1:
                matched.append((number, candidates[0]))
                result.append(candidates[0])
            elif len(candidates) > 1:
                self.ambiguous[number] = candidates
                result.append(number)
            elif padded_width and len(number) < padded_width:
                padded.append((number, number.zfill(padded_width)))
                result.append(number.zfill(padded_width))
            else:
                result.append(number)
        if matched:
            self.warnings.append(
                _(
                    "%(count)s 人の職員番号は、先頭の 0 などを補って既存の職員と照合しました"
                    "（Excel が 00123 を 123 として保存することがあります）：%(examples)s"
                )
                % {"count": len(matched), "examples": _pairs(matched)}
            )
        if padded:
            self.warnings.append(
                _(
                    "%(count)s 人の新しい職員番号を、この市区町村の桁数（%(width)s 桁）に"
                    "そろえて先頭に 0 を補いました：%(examples)s"
                )
                % {"count": len(padded), "width": padded_width, "examples": _pairs(padded)}
            )
        return result

    def before_import_row(self, row, **kwargs):
        # Normalised in place: the preview shows the row as it is imported.
        index = kwargs["row_number"] - 1
        if STAFF_NUMBER in row:
            row[STAFF_NUMBER] = self.numbers[index]
        path = self.paths_of_rows[index]
        if DEPARTMENT in row:
            row[DEPARTMENT] = PATH_SEPARATOR.join(path)
        for column, normalise in self.normalisers:
            row[column] = normalise(row[column])
        errors = {}
        number = row.get(STAFF_NUMBER) or ""
        if not number:
            errors["staff_number"] = _("職員番号がありません。")
        elif len(number) > 30:
            errors["staff_number"] = _("職員番号は 30 文字以内にしてください。")
        elif number in self.ambiguous:
            errors["staff_number"] = _(
                "職員番号 %(number)s は %(candidates)s のどの人か決められません。"
                "名簿どおりの桁数（先頭の 0 を含めて）で書いてください。"
            ) % {"number": number, "candidates": "、".join(self.ambiguous[number])}
        elif number in self.duplicates:
            others = ", ".join(str(n) for n in self.row_of[number])
            errors["staff_number"] = _(
                "職員番号 %(number)s がファイルの中で重複しています（%(rows)s 行目）。"
            ) % {"number": number, "rows": others}
        if not row.get(NAME):
            errors["name"] = _("氏名がありません。")
        elif len(row[NAME]) > 60:
            errors["name"] = _("氏名は 60 文字以内にしてください。")
        if len(row.get(NAME_KANA) or "") > 80:
            errors["name_kana"] = _("ふりがなは 80 文字以内にしてください。")
        if not path:
            errors["department"] = _("所属がありません。")
        elif _path_error(path):
            errors["department"] = _path_error(path)
        if len(row.get(POSITION) or "") > 60:
            errors["position"] = _("役職は 60 文字以内にしてください。")
        if _employment_type_from(row.get(EMPLOYMENT_TYPE) or "") is None:
            errors["employment_type"] = _(
                "雇用形態「%(value)s」は使えません。%(choices)s のどれかで書いてください。"
            ) % {
                "value": row.get(EMPLOYMENT_TYPE),
                "choices": "、".join(str(label) for label in EmploymentType.labels),
            }
        email = row.get(EMAIL) or ""
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = _("メールアドレスの形式が正しくありません：%(value)s") % {
                    "value": email
                }
        status = _status_from(row.get(STATUS) or "")
        if status is None:
            errors["status"] = _(
                "在職区分は「在職」か「退職」（または「異動」）で書いてください：%(value)s"
            ) % {"value": row.get(STATUS)}
        retired = (row.get(RETIRED) or "").lower()
        if retired not in RETIRED_WORDS | NOT_RETIRED_WORDS:
            errors["retired"] = _(
                "退職の列は、退職した人に「退職」か「1」を、それ以外は空欄にしてください：%(value)s"
            ) % {"value": row.get(RETIRED)}
        elif (
            retired in RETIRED_WORDS
            and status == StaffMember.Status.ACTIVE
            and normalise_text(row.get(STATUS) or "")
        ):
            errors["retired"] = _(
                "在職区分は「%(status)s」ですが、退職の列に印があります。どちらかに直してください。"
            ) % {"status": row.get(STATUS)}
        code = row.get(MUNICIPALITY_CODE) or ""
        if code and not _same_municipality(code, self.municipality):
            errors["municipality_code"] = _(
                "%(code)s は %(name)s の団体コードではありません。"
                "別の市区町村の名簿は取り込めません。"
            ) % {"code": code, "name": self.municipality.name}
        if errors:
            raise ValidationError(errors)

    def import_instance(self, instance, row, **kwargs):
        path = self.paths_of_rows[kwargs["row_number"] - 1]
        values = {
            "staff_number": row[STAFF_NUMBER],
            "name": row[NAME],
            "name_kana": row.get(NAME_KANA) or "",
            # Compared by id: reading ``instance.department`` would be one query per row.
            "department_id": self.department_ids[path],
            "email": (row.get(EMAIL) or "").lower(),
            "status": _row_status(row),
        }
        # Columns the file does not have leave what the office keeps unchanged.
        if POSITION in row:
            values["position"] = row[POSITION]
        if EMPLOYMENT_TYPE in row:
            values["employment_type"] = _employment_type_from(row[EMPLOYMENT_TYPE])
        if instance.pk is not None and instance.department_id != values["department_id"]:
            self.moves.append((instance.pk, instance.department_id, values["department_id"]))
        changed = instance.pk is None
        for attribute, value in values.items():
            current = getattr(instance, attribute)
            if current != value:
                setattr(instance, attribute, value)
                changed = True
        instance.municipality_id = self.municipality.pk
        instance._unchanged = not changed

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return bool(getattr(instance, "_unchanged", False)) and not import_validation_errors

    def get_bulk_update_fields(self):
        return [
            "name",
            "name_kana",
            "department",
            "position",
            "employment_type",
            "email",
            "status",
            "updated_at",
        ]

    def after_import(self, dataset, result, **kwargs):
        if result.has_errors() or result.has_validation_errors():
            return
        dry_run = bool(kwargs.get("dry_run"))
        self.extra["moved"] = len(self.moves)
        if self.mode == RosterMode.WHOLE:
            self._mark_leavers(dry_run=dry_run)
        else:
            self.extra["leaving"] = 0
        if dry_run:
            return
        # 異動: the history records the move; the learner (and their completions) stay.
        services.staff_transfers_record(moves=self.moves, source="roster")
        services.roster_sync_accounts(municipality=self.municipality)
        roster_imported.send(sender=StaffMember, municipality=self.municipality)

    def _mark_leavers(self, *, dry_run: bool) -> None:
        """Mark the active staff missing from the file as leaving; say who, prominently, and
        ask for a second confirmation when they are more than the allowed share."""
        active = self.get_queryset().filter(status=StaffMember.Status.ACTIVE)
        leavers = [
            row
            for row in active.order_by("staff_number").values_list(
                "pk", "staff_number", "name", "department__name"
            )
            if row[1] not in self.seen
        ]
        services.staff_mark_leaving(staff_ids=[row[0] for row in leavers])
        self.extra["leaving"] = len(leavers)
        if not leavers:
            return
        # The share of the staff who were active before this import (``before_import``).
        share = len(leavers) / self.active_before if self.active_before else 1.0
        self.warnings.insert(
            0,
            _(
                "この名簿にいない %(count)s 人（在職者の %(share)s%%）を「退職・異動」にします。"
                "この人たちのアカウントは使えなくなります。一部の人だけのファイルなら、"
                "「この人たちだけ更新する」を選んでください。"
            )
            % {"count": len(leavers), "share": f"{share * 100:.0f}"},
        )
        lines = [f"{number} {name}（{department}）" for _pk, number, name, department in leavers]
        if len(lines) > LIST_LIMIT:
            rest = len(lines) - LIST_LIMIT
            lines = lines[:LIST_LIMIT] + [_("ほか %(count)s 人") % {"count": rest}]
        self.details.append(
            (_("「退職・異動」になる人（%(count)s 人）") % {"count": len(leavers)}, lines)
        )
        if share > max_leaving_share():
            self.require_confirmation(
                MASS_LEAVING,
                _("在職者の %(share)s%%（%(count)s 人）を「退職・異動」にすることを確認しました")
                % {"share": f"{share * 100:.0f}", "count": len(leavers)},
                dry_run=dry_run,
            )


def _row_status(row) -> str:
    """The row's status: 在職区分, or leaving when the 退職 column is marked."""
    if (row.get(RETIRED) or "").lower() in RETIRED_WORDS:
        return StaffMember.Status.LEAVING
    return _status_from(row.get(STATUS) or "")


def _pairs(pairs: list[tuple[str, str]]) -> str:
    shown = "、".join(f"{given} → {used}" for given, used in pairs[:10])
    if len(pairs) > 10:
        shown += _(" ほか %(count)s 件") % {"count": len(pairs) - 10}
    return shown


def _path_error(path: tuple[str, ...]) -> str | None:
    """Why a unit path cannot be imported, or ``None``."""
    if len(path) > DEPARTMENT_MAX_DEPTH:
        return _("所属の階層は %(depth)s 段までです。") % {"depth": DEPARTMENT_MAX_DEPTH}
    if any(len(name) > 100 for name in path):
        return _("所属名は 1 段につき 100 文字以内にしてください。")
    return None


def _paths(dataset) -> list[tuple[str, ...]]:
    """Each row's unit as a path from the top: the 所属 column split at its separators, or
    the 局/部/課/係 columns (empty ones left out)."""
    if DEPARTMENT in dataset.headers:
        return [split_department_path(value) for value in dataset[DEPARTMENT]]
    columns = [_column(dataset, header, normalise_text) for header in LEVELS]
    return [tuple(value for value in values if value) for values in zip(*columns, strict=True)]


def _column(dataset, header: str, normalise) -> list[str]:
    """One column of the file, normalised (empty strings when the column is missing)."""
    if header not in dataset.headers:
        return [""] * len(dataset)
    return [normalise(value) for value in dataset[header]]


def roster_import(
    *,
    municipality: Municipality,
    dataset,
    dry_run: bool,
    scope,
    mode: str,
    allow_mass_leaving: bool = False,
):
    """Import a municipality's staff roster (``StaffRosterResource``, whose writes are the
    services of ``organizations.services``):
    one transaction, nothing written when any row is invalid or on a dry run.

    ``mode`` is what the file is (``RosterMode``: the whole roster, whose absentees leave, or
    only changes). With ``mode="whole"``, marking more than ``ROSTER_MAX_LEAVING_SHARE`` of
    the active staff as leaving is refused unless ``allow_mass_leaving``.

    Refused (PermissionDenied) unless ``scope`` covers the whole municipality: department
    managers see their staff but do not keep the roster.
    """
    if (
        scope is None
        or scope.level == AdminScope.Level.DEPARTMENT
        or not scope.allows_municipality(municipality)
    ):
        raise PermissionDenied
    resource = StaffRosterResource(
        municipality=municipality,
        mode=mode,
        confirmed={MASS_LEAVING} if allow_mass_leaving else (),
    )
    return run_import(resource, dataset, dry_run=dry_run)
