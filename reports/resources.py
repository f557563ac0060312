"""Imports of the reports app (django-import-export, through ``base.imports``):
in-person session reports (開催報告), KPI targets and population.

Each file is checked as a whole and written in one transaction, tallies included; any invalid
row means nothing is written. Lookups (municipalities, courses, existing reports) are read once
per file, not per row.
"""

import datetime as dt
from collections import Counter
from functools import partial

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from import_export.fields import Field

from base.dates import fiscal_year_of, tokyo_date
from base.imports import SpreadsheetResource, normalise_code, normalise_text
from courses.models import SUPPORTER_AUDIENCES, Audience, CoursePage
from organizations.models import AttendeeType, Municipality, Prefecture
from organizations.scopes import AreaScope

from . import tallies
from .effects import PLAUSIBLE_SESSION_ATTENDEES, kpi_effects
from .models import (
    AGE_BAND_FIELDS,
    ATTENDEE_COUNT_FIELDS,
    GENDER_FIELDS,
    MAX_SESSION_COUNT,
    PROGRAMME_START,
    TARGET_MONTH_FIELDS,
    KpiTarget,
    Population,
    TrainingSession,
)
from .permissions import scope_allows_target
from .services import may_approve
from .session_duplicates import duplicate_keys

# --- shared cell parsing -------------------------------------------------------------------------


def parse_count(value, *, required=False, limit=100_000) -> int | None:
    """A head count from a cell: full-width digits, "12.0" and "1,200" accepted."""
    if type(value) is str and value.isascii() and value.isdigit():
        text = value  # the usual cell: plain digits, nothing to normalise
    else:
        text = normalise_code(value).replace(",", "").removesuffix("人")
    if text == "":
        if required:
            raise ValueError(_("人数を入力してください。"))
        return None
    if not text.isdigit():
        raise ValueError(_("人数は0以上の整数で書いてください：%(value)s") % {"value": value})
    number = int(text)
    if number > limit:
        raise ValueError(
            _("人数が大きすぎます（上限 %(limit)s）：%(value)s")
            % {"limit": f"{limit:,}", "value": value}
        )
    return number


def parse_date(value) -> dt.date:
    """A date from a cell: 2025-05-12, 2025/5/12, 2025年5月12日, or an Excel date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = normalise_code(value)
    text = text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-")
    text = text.replace(".", "-")
    parts = text.split("-")
    try:
        year, month, day = (int(p) for p in parts)
        return dt.date(year, month, day)
    except (TypeError, ValueError):
        raise ValueError(
            _("日付は 2025-05-12 または 2025/5/12 の形で書いてください：%(value)s")
            % {"value": value}
        ) from None


class Words:
    """The words accepted for each choice of a column (case-insensitive, spaces folded).

    ``options`` maps each choice to its words, the usual word first, in the order the error
    message lists them (a tuple: the message is the same every time)."""

    def __init__(self, options: dict[str, tuple[str, ...]], label):
        self.options = options
        self.label = label
        self.lookup = {}
        for choice, words in options.items():
            for word in words:
                # Plain strings: what the database stores and compares.
                self.lookup.setdefault(word.lower(), str(choice))

    def allowed(self) -> str:
        """Every accepted word, choice by choice in a fixed order: 「対面（会場・集合・空欄）、…」."""
        parts = []
        for words in self.options.values():
            shown = [word or _("空欄") for word in words]
            first, rest = shown[0], shown[1:]
            parts.append(f"{first}（{'・'.join(rest)}）" if rest else first)
        return "、".join(parts)

    def parse(self, value) -> str:
        """The choice ``value`` names; ``ValueError`` (a Japanese message) when none."""
        choice = self.lookup.get(normalise_text(value).lower())
        if choice is None:
            raise ValueError(
                _("%(label)sは次のいずれかで書いてください：%(options)s（入力：%(value)s）")
                % {
                    "label": self.label,
                    "options": self.allowed(),
                    "value": value,
                }
            )
        return choice


def memoised(parse):
    """``parse`` remembering its result for each distinct cell value, for one import: a file
    repeats its dates, codes, choices and counts. Errors are not remembered (each bad cell gets
    its own message), so ``parse`` must be a pure function of the value."""
    results = {}

    def parse_once(value):
        try:
            return results[value]
        except KeyError:
            result = results[value] = parse(value)
            return result
        except TypeError:  # an unhashable cell value
            return parse(value)

    return parse_once


class ReportsResource(SpreadsheetResource):
    """Resources that need a scope or year to run still describe their columns without one."""

    @classmethod
    def template_headers(cls) -> list[str]:
        return [cls.fields[name].column_name for name in cls._meta.fields]

    class Meta:
        abstract = True


def _municipalities_by_code() -> dict[str, Municipality]:
    found = {}
    for municipality in Municipality.objects.select_related("prefecture"):
        found[municipality.code] = municipality
        found[municipality.code[:5]] = municipality
    return found


# --- in-person sessions --------------------------------------------------------------------------

# How many municipalities the preview names in the KPI effect (a national file has hundreds).
EFFECT_LINES = 50

HELD_ON = "開催日"
MUNICIPALITY = "市区町村コード"
ORGANISER_TYPE = "主催者の種別"
ORGANISER = "主催者名"
COURSE = "講座の種類"
INSTRUCTOR = "講師名"
DELIVERY = "実施方法"
VENUE = "会場"
RESPONSES = "アンケート回答数"
POSITIVE = "肯定的回答数"
SUMMARY = "主な意見"

ORGANISER_WORDS = Words(
    {
        TrainingSession.OrganiserType.MUNICIPALITY: ("自治体", "市区町村", "都道府県", "行政"),
        TrainingSession.OrganiserType.COMPANY: ("企業", "会社", "事業所"),
        TrainingSession.OrganiserType.SCHOOL: ("学校", "大学", "教育機関"),
        TrainingSession.OrganiserType.NPO: ("NPO", "NPO法人", "社会福祉協議会", "社協"),
        TrainingSession.OrganiserType.OTHER: ("その他",),
    },
    gettext_lazy("主催者の種別"),
)
DELIVERY_WORDS = Words(
    {
        TrainingSession.Delivery.IN_PERSON: ("対面", "会場", "集合", ""),
        TrainingSession.Delivery.LIVE_ONLINE: ("ライブ配信", "オンライン", "Web", "ウェブ", "Zoom"),
    },
    gettext_lazy("実施方法"),
)
COURSE_WORDS = Words(
    {
        Audience.CITIZEN: ("一般向け", "一般", "市民向け", "大人向け"),
        Audience.CHILDREN: ("こども向け", "子ども向け", "子供向け", "こども", "子ども"),
    },
    gettext_lazy("講座の種類"),
)


def attendee_count_columns() -> dict[str, Field]:
    """One column per attendee type (``ATTENDEE_COUNT_FIELDS``), headed by the type's name.

    The header is the name as written in the code (Japanese), whatever language the admin is
    in: a municipality's file reads the same in every session."""
    with override(None):
        return {
            name: Field(attribute=name, column_name=str(kind.label))
            for kind, name in ATTENDEE_COUNT_FIELDS.items()
        }


ATTENDEE_COUNT_COLUMNS = attendee_count_columns()
# Other headers organisers write for an attendee type's column (a type may have none).
ATTENDEE_HEADER_ALIASES = {
    AttendeeType.WORKPLACE: ["企業", "職域"],
    AttendeeType.SCHOOL: ["学校", "学生"],
    AttendeeType.NPO: ["NPO", "支援者"],
    AttendeeType.CHILD: ["子ども", "子供"],
}


class TrainingSessionResource(ReportsResource):
    """One row per session: date, municipality code, organiser, course, instructor, delivery,
    venue, attendees per attendee type, and optionally by age band and gender, and the
    questionnaire summary. Rows are always new reports; a row that repeats a report already
    registered (or another row of the file) is refused as a duplicate."""

    held_on = Field(attribute="held_on", column_name=HELD_ON)
    municipality = Field(attribute="municipality", column_name=MUNICIPALITY)
    organiser_type = Field(attribute="organiser_type", column_name=ORGANISER_TYPE)
    organiser_name = Field(attribute="organiser_name", column_name=ORGANISER)
    course = Field(attribute="course", column_name=COURSE)
    instructor_name = Field(attribute="instructor_name", column_name=INSTRUCTOR)
    delivery = Field(attribute="delivery", column_name=DELIVERY)
    venue = Field(attribute="venue", column_name=VENUE)
    age_under_20 = Field(attribute="age_under_20", column_name="10代以下")
    age_20s = Field(attribute="age_20s", column_name="20代")
    age_30s = Field(attribute="age_30s", column_name="30代")
    age_40s = Field(attribute="age_40s", column_name="40代")
    age_50s = Field(attribute="age_50s", column_name="50代")
    age_60s = Field(attribute="age_60s", column_name="60代")
    age_70_plus = Field(attribute="age_70_plus", column_name="70代以上")
    gender_female = Field(attribute="gender_female", column_name="女性")
    gender_male = Field(attribute="gender_male", column_name="男性")
    gender_other = Field(attribute="gender_other", column_name="その他・無回答")
    questionnaire_responses = Field(attribute="questionnaire_responses", column_name=RESPONSES)
    questionnaire_positive = Field(attribute="questionnaire_positive", column_name=POSITIVE)
    questionnaire_summary = Field(attribute="questionnaire_summary", column_name=SUMMARY)

    header_aliases = {
        HELD_ON: ["開催年月日", "実施日", "日付"],
        MUNICIPALITY: [
            "団体コード",
            "全国地方公共団体コード",
            "自治体コード",
            "開催市区町村コード",
        ],
        ORGANISER_TYPE: ["主催者区分", "主催区分", "主催者種別"],
        ORGANISER: ["主催者", "主催団体", "主催団体名"],
        COURSE: ["講座", "講座種別", "対象"],
        INSTRUCTOR: ["講師", "講師氏名"],
        DELIVERY: ["開催方法", "実施形態", "形式"],
        VENUE: ["会場名", "開催場所"],
        **{
            ATTENDEE_COUNT_COLUMNS[ATTENDEE_COUNT_FIELDS[kind]].column_name: aliases
            for kind, aliases in ATTENDEE_HEADER_ALIASES.items()
        },
        RESPONSES: ["回答数"],
        POSITIVE: ["肯定的な回答数", "参考になった"],
        SUMMARY: ["アンケートの主な意見", "意見", "感想"],
    }
    required_columns = [HELD_ON, MUNICIPALITY, ORGANISER_TYPE, ORGANISER, COURSE, INSTRUCTOR]
    extra_labels = {"attendees": gettext_lazy("受講者数の合計")}

    class Meta:
        model = TrainingSession
        fields = (
            "held_on",
            "municipality",
            "organiser_type",
            "organiser_name",
            "course",
            "instructor_name",
            "delivery",
            "venue",
            *ATTENDEE_COUNT_FIELDS.values(),
            *AGE_BAND_FIELDS,
            *GENDER_FIELDS,
            "questionnaire_responses",
            "questionnaire_positive",
            "questionnaire_summary",
        )
        import_id_fields = ("held_on",)  # never matched: every row is a new report
        use_bulk = True
        batch_size = 1000
        force_init_instance = True

    def __init__(self, *, scope: AreaScope, user=None, **kwargs):
        super().__init__(**kwargs)
        self.scope = scope
        self.user = user
        count_or_zero = memoised(lambda value: parse_count(value, limit=MAX_SESSION_COUNT) or 0)
        count = memoised(partial(parse_count, limit=MAX_SESSION_COUNT))
        # (attribute, column, parser) for every cell of a row, built once per import: the
        # parsers remember the values they have read (dates, codes, counts repeat).
        self.parsers = [
            ("held_on", HELD_ON, memoised(parse_date)),
            ("municipality", MUNICIPALITY, memoised(self._municipality)),
            ("organiser_type", ORGANISER_TYPE, memoised(ORGANISER_WORDS.parse)),
            ("organiser_name", ORGANISER, partial(self._text, limit=100, required=True)),
            ("course", COURSE, memoised(self._course)),
            ("instructor_name", INSTRUCTOR, partial(self._text, limit=100, required=True)),
            ("delivery", DELIVERY, memoised(DELIVERY_WORDS.parse)),
            ("venue", VENUE, memoised(partial(self._text, limit=200))),
            # The columns' own headers: the models' verbose names would be translated (and
            # cost a gettext call per cell).
            *(
                (name, self.fields[name].column_name, count_or_zero)
                for name in ATTENDEE_COUNT_FIELDS.values()
            ),
            *(
                (name, self.fields[name].column_name, count)
                for name in [*AGE_BAND_FIELDS, *GENDER_FIELDS, "questionnaire_responses"]
            ),
            ("questionnaire_positive", POSITIVE, count),
            ("questionnaire_summary", SUMMARY, partial(self._text, limit=2000)),
        ]

    def get_queryset(self):
        return TrainingSession.objects.none()

    def before_import(self, dataset, **kwargs):
        self.municipalities = _municipalities_by_code()
        live = CoursePage.objects.live().filter(audience__in=SUPPORTER_AUDIENCES)
        self.courses = {}
        for course in live.order_by("path"):
            self.courses.setdefault(course.audience, course)
            self.courses.setdefault(course.course_code.lower(), course)
        # Fingerprints of reports already registered in the years of this file.
        years = set()
        if HELD_ON in (dataset.headers or []):
            for value in set(dataset[HELD_ON]):
                try:
                    years.add(fiscal_year_of(parse_date(value)))
                except (TypeError, ValueError):
                    continue
        self.known = set(
            TrainingSession.objects.filter(fiscal_year__in=years).values_list(
                "fingerprint", flat=True
            )
        )
        self.in_file = {}
        # (municipality, day, course) of reports already there: a row that meets one waits as
        # 申請中 for an approver's look (reports.session_duplicates). Rows of one file are not
        # compared with each other: one source lists a city's several courses of a day, and
        # repeats inside it are refused by their fingerprint.
        self.same_course_day = duplicate_keys(years)
        self.approves = may_approve(self.user)
        self.held_for_review = []
        self.created = []
        self.created_by = (
            self.user if self.user is not None and self.user.is_authenticated else None
        )
        self.extra["attendees"] = 0
        self.large = []
        self.imported_at = timezone.now()

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        for name, column, parse in self.parsers:
            try:
                value = parse(row.get(column))
            except ValueError as error:
                errors[name] = str(error)
            else:
                setattr(instance, name, value)
        if errors:
            raise ValidationError(errors)
        try:
            instance.clean()
        except ValidationError as error:
            raise ValidationError(error.message_dict) from None
        instance.fiscal_year = fiscal_year_of(instance.held_on)
        instance.fingerprint = instance.compute_fingerprint()
        number = kwargs.get("row_number")
        if instance.fingerprint in self.known:
            raise ValidationError(
                _("同じ市区町村・開催日・主催者・人数の開催報告がすでに登録されています。")
            )
        if instance.fingerprint in self.in_file:
            raise ValidationError(
                _("%(row)s行目と同じ開催報告です（重複）。")
                % {"row": self.in_file[instance.fingerprint]}
            )
        self.in_file[instance.fingerprint] = (number or 0) + 1
        if instance.total_attendees > PLAUSIBLE_SESSION_ATTENDEES:
            self.large.append(((number or 0) + 1, instance.total_attendees))
        if self.created_by is not None:
            instance.created_by = self.created_by
        key = (instance.municipality_id, instance.held_on, instance.course_id)
        if not self.approves:
            instance.status = TrainingSession.Status.SUBMITTED
        elif key in self.same_course_day:
            instance.status = TrainingSession.Status.SUBMITTED
            self.held_for_review.append((number or 0) + 1)
        else:
            instance.status = TrainingSession.Status.APPROVED
            instance.reviewed_by = self.created_by
            instance.reviewed_at = self.imported_at
        self.created.append(instance)
        self.extra["attendees"] += instance.total_attendees

    def _municipality(self, value) -> Municipality:
        code = normalise_code(value)
        municipality = self.municipalities.get(code)
        if municipality is None:
            raise ValueError(_("市区町村コード %(code)s は見つかりません。") % {"code": code})
        if not self.scope.allows_municipality(municipality):
            raise ValueError(
                _("%(name)s の開催報告を登録する権限がありません。")
                % {"name": municipality.full_name}
            )
        return municipality

    def _course(self, value) -> CoursePage:
        text = normalise_text(value)
        course = self.courses.get(text.lower())
        if course is None:
            course = self.courses.get(COURSE_WORDS.parse(text))
        if course is None:
            raise ValueError(_("この種類の講座が公開されていません：%(value)s") % {"value": value})
        return course

    @staticmethod
    def _text(value, limit: int, *, required=False) -> str:
        text = normalise_text(value)
        if required and not text:
            raise ValueError(_("入力してください。"))
        if len(text) > limit:
            raise ValueError(_("%(limit)s文字以内にしてください。") % {"limit": limit})
        return text

    def after_import(self, dataset, result, **kwargs):
        if result.has_errors() or result.has_validation_errors():
            return
        dry_run = bool(kwargs.get("dry_run"))
        if dry_run:
            self._describe_effect()
        if self.large:
            rows = "、".join(f"{row} 行目（{n:,} 人）" for row, n in self.large[:20])
            if len(self.large) > 20:
                rows += _(" ほか %(count)s 件") % {"count": len(self.large) - 20}
            self.require_confirmation(
                "large_sessions",
                _(
                    "受講者が %(limit)s 人を超える開催報告 %(count)s 件の人数に間違いがないことを"
                    "確認しました：%(rows)s"
                )
                % {"limit": PLAUSIBLE_SESSION_ATTENDEES, "count": len(self.large), "rows": rows},
                dry_run=dry_run,
            )
        self._describe_review()
        # Counted once for the whole file (approved rows only); in a dry run this is rolled
        # back with the sessions.
        tallies.apply(tallies.sessions_counts(self.created))

    def _describe_review(self) -> None:
        """What the preview and the result say about approval: which rows count at once and
        which wait as 申請中."""
        if not self.created:
            return
        if not self.approves:
            self.details.append(
                (
                    _("承認"),
                    [
                        _(
                            "取り込んだ %(count)s 件は申請中になります。承認されるまで集計には"
                            "含まれません。"
                        )
                        % {"count": len(self.created)}
                    ],
                )
            )
            return
        if self.held_for_review:
            rows = "、".join(f"{row} 行目" for row in self.held_for_review[:20])
            if len(self.held_for_review) > 20:
                rows += _(" ほか %(count)s 件") % {"count": len(self.held_for_review) - 20}
            self.details.append(
                (
                    _("重複の可能性（申請中として取り込みます）"),
                    [
                        _(
                            "同じ日・同じ市区町村・同じ講座の開催報告がすでにあります。"
                            "開催報告の一覧で確かめてから承認してください："
                            "%(rows)s"
                        )
                        % {"rows": rows}
                    ],
                )
            )

    def _describe_effect(self) -> None:
        """The file's effect on each municipality's KPI figures (before → after), for the
        preview; read before the file's sessions are counted."""
        deltas = Counter()
        for session in self.created:
            if session.is_counted:
                deltas[(session.municipality_id, session.fiscal_year)] += session.total_attendees
        effects = kpi_effects(deltas)
        lines = [str(effect) for effect in effects[:EFFECT_LINES]]
        if len(effects) > EFFECT_LINES:
            lines.append(_("ほか %(count)s 市区町村") % {"count": len(effects) - EFFECT_LINES})
        if lines:
            self.details.append((_("KPI への影響（取り込む前 → 取り込んだ後）"), lines))


# The count columns, named by data, cannot be class attributes: they replace the columns
# django-import-export made from the model fields listed in ``Meta.fields`` (same place). A
# base class holding them would lose the Meta options of ``SpreadsheetResource``
# (django-import-export inherits Meta from one level of bases only).
TrainingSessionResource.fields.update(ATTENDEE_COUNT_COLUMNS)


# --- KPI targets ---------------------------------------------------------------------------------

AREA_CODE = "地域コード"
AREA_NAME = "地域名"
TARGET = "年間目標"
MONTH_COLUMNS = {name: f"{month}月" for name, month in TARGET_MONTH_FIELDS}
NATION_CODES = {"", "0", "00", "000000", "全国"}


class KpiTargetResource(ReportsResource):
    """Targets of one fiscal year: 地域コード (空欄・「全国」= 全国, 2 digits = prefecture,
    6 digits = municipality), 年間目標, and optionally 4月 … 3月. Existing targets of the same
    area and year are updated."""

    area_code = Field(attribute="area_code", column_name=AREA_CODE)
    area_name = Field(column_name=AREA_NAME, readonly=True)
    target = Field(attribute="target", column_name=TARGET)
    month_04 = Field(attribute="month_04", column_name="4月")
    month_05 = Field(attribute="month_05", column_name="5月")
    month_06 = Field(attribute="month_06", column_name="6月")
    month_07 = Field(attribute="month_07", column_name="7月")
    month_08 = Field(attribute="month_08", column_name="8月")
    month_09 = Field(attribute="month_09", column_name="9月")
    month_10 = Field(attribute="month_10", column_name="10月")
    month_11 = Field(attribute="month_11", column_name="11月")
    month_12 = Field(attribute="month_12", column_name="12月")
    month_01 = Field(attribute="month_01", column_name="1月")
    month_02 = Field(attribute="month_02", column_name="2月")
    month_03 = Field(attribute="month_03", column_name="3月")

    header_aliases = {
        AREA_CODE: ["団体コード", "市区町村コード", "都道府県コード", "コード"],
        AREA_NAME: ["地域", "団体名", "市区町村名", "名称"],
        TARGET: ["目標", "目標人数", "年間目標人数", "養成目標"],
    }
    required_columns = [AREA_CODE, TARGET]

    class Meta:
        model = KpiTarget
        fields = ("area_code", "area_name", "target", *(n for n, _m in TARGET_MONTH_FIELDS))
        import_id_fields = ("area_code",)

    def __init__(self, *, scope: AreaScope, fiscal_year: int, **kwargs):
        super().__init__(**kwargs)
        self.scope = scope
        self.fiscal_year = int(fiscal_year)

    def get_queryset(self):
        return KpiTarget.objects.filter(fiscal_year=self.fiscal_year).select_related("municipality")

    def before_import(self, dataset, **kwargs):
        self.municipalities = _municipalities_by_code()
        self.prefectures = set(Prefecture.objects.values_list("code", flat=True))
        self.seen = {}
        if AREA_CODE in (dataset.headers or []):
            codes = [self._normalise_area(v) for v in dataset[AREA_CODE]]
            dataset.append_col(codes, header="_area")
            del dataset[AREA_CODE]
            dataset.headers = [AREA_CODE if h == "_area" else h for h in dataset.headers]

    def _normalise_area(self, value) -> str:
        code = normalise_code(value)
        if code in NATION_CODES:
            return "nation"
        if code.isdigit() and len(code) <= 2:
            return f"{int(code):02d}"
        municipality = self.municipalities.get(code)
        return municipality.code if municipality else code

    def import_instance(self, instance, row, **kwargs):
        code = row.get(AREA_CODE)
        errors = {}
        if code in self.seen:
            errors["area_code"] = _("%(row)s行目と同じ地域です。") % {"row": self.seen[code]}
        self.seen.setdefault(code, (kwargs.get("row_number") or 0) + 1)
        instance.fiscal_year = self.fiscal_year
        instance.prefecture = instance.municipality = None
        if code == "nation":
            instance.level = KpiTarget.Level.NATION
        elif len(code) == 2 and code in self.prefectures:
            instance.level = KpiTarget.Level.PREFECTURE
            instance.prefecture_id = code
        elif code in self.municipalities:
            instance.level = KpiTarget.Level.MUNICIPALITY
            instance.municipality = self.municipalities[code]
        else:
            errors["area_code"] = _("地域コード %(code)s は見つかりません。") % {"code": code}
        try:
            instance.target = parse_count(row.get(TARGET), required=True, limit=200_000_000)
        except ValueError as error:
            errors["target"] = str(error)
        for name, _month in TARGET_MONTH_FIELDS:
            try:
                setattr(
                    instance, name, parse_count(row.get(MONTH_COLUMNS[name]), limit=200_000_000)
                )
            except ValueError as error:
                errors[name] = str(error)
        if not errors and not scope_allows_target(self.scope, instance):
            errors["area_code"] = _("この地域の目標を登録する権限がありません。")
        if errors:
            raise ValidationError(errors)
        try:
            instance.clean()
        except ValidationError as error:
            raise ValidationError(error.message_dict) from None


# --- population ----------------------------------------------------------------------------------

POPULATION = "人口"


class PopulationResource(ReportsResource):
    """Residents (住民基本台帳人口, 1 January) of one fiscal year: 団体コード, 人口. Existing figures
    of the same municipality and year are updated."""

    municipality_code = Field(attribute="municipality_code", column_name="団体コード")
    municipality_name = Field(column_name="市区町村名", readonly=True)
    population = Field(attribute="population", column_name=POPULATION)

    header_aliases = {
        "団体コード": ["市区町村コード", "全国地方公共団体コード", "コード"],
        "市区町村名": ["団体名", "名称", "市区町村"],
        POPULATION: ["総数", "人口総数", "住民基本台帳人口", "計"],
    }
    required_columns = ["団体コード", POPULATION]

    class Meta:
        model = Population
        fields = ("municipality_code", "municipality_name", "population")
        import_id_fields = ("municipality_code",)
        use_bulk = True
        batch_size = 1000

    def __init__(self, *, fiscal_year: int, **kwargs):
        super().__init__(**kwargs)
        self.fiscal_year = int(fiscal_year)

    def get_queryset(self):
        return Population.objects.filter(fiscal_year=self.fiscal_year).select_related(
            "municipality"
        )

    def before_import(self, dataset, **kwargs):
        self.municipalities = _municipalities_by_code()
        if "団体コード" in (dataset.headers or []):
            codes = []
            for value in dataset["団体コード"]:
                found = self.municipalities.get(normalise_code(value))
                codes.append(found.code if found else normalise_code(value))
            dataset.append_col(codes, header="_code")
            del dataset["団体コード"]
            dataset.headers = ["団体コード" if h == "_code" else h for h in dataset.headers]
        self.seen = {}

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        code = row.get("団体コード")
        municipality = self.municipalities.get(code)
        if municipality is None:
            errors["municipality_code"] = _("団体コード %(code)s は見つかりません。") % {
                "code": code
            }
        elif code in self.seen:
            errors["municipality_code"] = _("%(row)s行目と同じ市区町村です。") % {
                "row": self.seen[code]
            }
        self.seen.setdefault(code, (kwargs.get("row_number") or 0) + 1)
        try:
            instance.population = parse_count(row.get(POPULATION), required=True, limit=50_000_000)
        except ValueError as error:
            errors["population"] = str(error)
        if errors:
            raise ValidationError(errors)
        instance.municipality = municipality
        instance.fiscal_year = self.fiscal_year
        instance.as_of = dt.date(self.fiscal_year, 1, 1)


def valid_fiscal_years() -> list[int]:
    """Fiscal years that may be imported (from the programme's start to next year)."""
    return list(range(PROGRAMME_START.year, fiscal_year_of(tokyo_date()) + 2))
