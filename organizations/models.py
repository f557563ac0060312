"""Areas (prefectures, municipalities, departments), learners, and administrators' scopes."""

import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index


class Prefecture(models.Model):
    """One of Japan's 47 prefectures. Loaded by ``import_municipalities``; not edited by hand."""

    code = models.CharField(_("都道府県コード"), max_length=2, primary_key=True)
    lgcode = models.CharField(_("全国地方公共団体コード"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=10)
    name_kana = models.CharField(_("よみがな"), max_length=20, blank=True)
    name_en = models.CharField(_("英語名"), max_length=20, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("都道府県")
        verbose_name_plural = _("都道府県")

    def __str__(self):
        return self.name


class Municipality(index.Indexed, models.Model):
    """A local government (市区町村) or a ward of a designated city, by its official code.

    Loaded by ``import_municipalities``. Wards of designated cities (政令指定都市の区) point to
    their city through ``parent``: an administrator of the city sees its wards too.
    """

    class Kind(models.TextChoices):
        CITY = "city", _("市")
        WARD = "ward", _("政令指定都市の区")
        SPECIAL_WARD = "special_ward", _("特別区")
        TOWN = "town", _("町")
        VILLAGE = "village", _("村")

    code = models.CharField(_("全国地方公共団体コード"), max_length=6, unique=True)
    prefecture = models.ForeignKey(
        Prefecture,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("都道府県"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wards",
        verbose_name=_("政令指定都市"),
    )
    name = models.CharField(_("名称"), max_length=40)
    name_kana = models.CharField(_("よみがな"), max_length=80, blank=True)
    kind = models.CharField(_("種別"), max_length=16, choices=Kind.choices)

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("name_kana"),
        index.FilterField("prefecture_id"),
    ]

    class Meta:
        ordering = ["code"]
        verbose_name = _("市区町村")
        verbose_name_plural = _("市区町村")

    def __str__(self):
        return self.name

    @property
    def full_name(self) -> str:
        """Prefecture and municipality, as written on letters: 大阪府大阪市."""
        return f"{self.prefecture.name}{self.name}"

    @property
    def is_ward(self) -> bool:
        return self.kind == self.Kind.WARD


# 局 → 部 → 課 → 係 is four; offices with more levels still fit, runaway paths do not.
DEPARTMENT_MAX_DEPTH = 10


class Department(models.Model):
    """A unit (所属) of a municipality: 局・部, 課, 係 … nested to any depth through ``parent``.

    Each municipality has its own forest: roots have no parent, and a parent is always of the
    same municipality. ``path`` is the materialised path of ids from the root ("/3/17/42/"),
    kept by ``organizations.services.department_keep_path`` after every save (a receiver), so
    a unit's whole subtree is one ``path__startswith`` query. Created by administrators or roster imports.
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="departments",
        verbose_name=_("市区町村"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上位の所属"),
        help_text=_("空欄なら最上位（局・部など）になります。"),
    )
    name = models.CharField(_("所属名"), max_length=100)
    code = models.CharField(_("所属コード"), max_length=30, blank=True)
    path = models.CharField(_("経路"), max_length=400, editable=False, default="", db_index=True)

    class Meta:
        ordering = ["municipality__code", "path", "name"]
        verbose_name = _("所属")
        verbose_name_plural = _("所属")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"],
                condition=Q(parent__isnull=True),
                name="department_unique_root_name_per_municipality",
                violation_error_message=_("同じ名前の最上位の所属がすでにあります。"),
            ),
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=Q(parent__isnull=False),
                name="department_unique_name_per_parent",
                violation_error_message=_("同じ上位の所属の下に、同じ名前の所属がすでにあります。"),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def depth(self) -> int:
        """1 for a root, 2 for its children, and so on."""
        return max(self.path.count("/") - 1, 1)

    def ancestor_ids(self) -> list[int]:
        """The ids from the root down to this unit (itself included)."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def tree_errors(self, parent) -> dict:
        """Why ``parent`` cannot be this unit's parent (``{}`` when it can): another
        municipality's unit, the unit itself or one below it (a cycle), or too deep."""
        if parent is None:
            return {}
        if parent.municipality_id != self.municipality_id:
            return {"parent": _("上位の所属には、同じ市区町村の所属を選んでください。")}
        if self.pk and (parent.pk == self.pk or f"/{self.pk}/" in parent.path):
            return {
                "parent": _(
                    "所属を、それ自身やその下の所属の下に移すことはできません（循環します）。"
                )
            }
        if parent.depth >= DEPARTMENT_MAX_DEPTH:
            return {
                "parent": _("所属の階層は %(depth)s 段までです。") % {"depth": DEPARTMENT_MAX_DEPTH}
            }
        return {}

    def subtree(self):
        """This unit and every unit below it."""
        return Department.objects.filter(
            municipality_id=self.municipality_id, path__startswith=self.path
        )


class EmploymentType(models.TextChoices):
    """雇用形態 on the roster (``organizations.resources``); assignments can target them."""

    FULL_TIME = "full_time", _("常勤")
    FISCAL_YEAR = "fiscal_year", _("会計年度任用職員")
    REAPPOINTED = "reappointed", _("再任用")
    FIXED_TERM = "fixed_term", _("任期付")
    OTHER = "other", _("その他")


class AttendeeType(models.TextChoices):
    """Attendee types used in every statistic (DESIGN.md, "Definitions")."""

    GENERAL = "general", _("一般")
    WORKPLACE = "workplace", _("企業・職域")
    SCHOOL = "school", _("学校・学生")
    GOVERNMENT = "government", _("行政職員")
    NPO = "npo", _("NPO・支援者")
    CHILD = "child", _("こども")
    OTHER = "other", _("その他")


def hash_learner_token(token: str) -> str:
    """The form in which an anonymous learner's cookie token is stored (never the token itself)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class Learner(models.Model):
    """Someone who takes courses: an anonymous visitor (recognised by a cookie) or an account.

    Holds only what statistics and certificates need: the chosen municipality and attendee type,
    and a display name only when the learner wants one on their certificate. Created on the
    first saved progress; edited by the learner on ``/my/profile/``.
    """

    public_id = models.UUIDField(_("受講者ID"), default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="learner",
        verbose_name=_("アカウント"),
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    display_name = models.CharField(
        _("修了証に印字する氏名"),
        max_length=60,
        blank=True,
        help_text=_("空欄でも構いません。ニックネームでも構いません。"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="learners",
        verbose_name=_("お住まい・お勤めの市区町村"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="learners",
        verbose_name=_("所属"),
    )
    attendee_type = models.CharField(
        _("受講者区分"), max_length=16, choices=AttendeeType.choices, blank=True
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("最終利用日時"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("受講者")
        verbose_name_plural = _("受講者")

    def __str__(self):
        if self.user_id:
            return self.user.get_username()
        return _("匿名の受講者 %(id)s") % {"id": str(self.public_id)[:8]}

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


class AdminScope(models.Model):
    """Which areas an administrator may see: the nation, one prefecture, one municipality, or one
    department of a municipality (for department managers, 管理監督者).

    Every report, import and export filters through ``organizations.scopes``, which reads this.
    Edited in the Wagtail admin under 設定 → 管理者の範囲.
    """

    class Level(models.TextChoices):
        NATION = "nation", _("全国")
        PREFECTURE = "prefecture", _("都道府県")
        MUNICIPALITY = "municipality", _("市区町村")
        DEPARTMENT = "department", _("所属（管理監督者）")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="admin_scope",
        verbose_name=_("ユーザー"),
    )
    level = models.CharField(_("範囲"), max_length=16, choices=Level.choices)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("都道府県")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("市区町村")
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("所属")
    )

    panels = [
        FieldPanel("user"),
        FieldPanel("level"),
        FieldPanel("prefecture"),
        FieldPanel("municipality"),
        FieldPanel("department"),
    ]

    class Meta:
        verbose_name = _("管理者の範囲")
        verbose_name_plural = _("管理者の範囲")
        constraints = [
            # The area named must match the level, so a scope can never be ambiguous.
            models.CheckConstraint(
                name="admin_scope_area_matches_level",
                condition=(
                    Q(
                        level="nation",
                        prefecture__isnull=True,
                        municipality__isnull=True,
                        department__isnull=True,
                    )
                    | Q(
                        level="prefecture",
                        prefecture__isnull=False,
                        municipality__isnull=True,
                        department__isnull=True,
                    )
                    | Q(
                        level="municipality",
                        prefecture__isnull=True,
                        municipality__isnull=False,
                        department__isnull=True,
                    )
                    | Q(
                        level="department",
                        prefecture__isnull=True,
                        municipality__isnull=False,
                        department__isnull=False,
                    )
                ),
            )
        ]

    def __str__(self):
        area = self.department or self.municipality or self.prefecture or _("全国")
        return f"{self.user} — {area}"

    def clean(self):
        errors = {}
        if self.level == self.Level.PREFECTURE and not self.prefecture_id:
            errors["prefecture"] = _("都道府県を選んでください。")
        if self.level in (self.Level.MUNICIPALITY, self.Level.DEPARTMENT) and not (
            self.municipality_id
        ):
            errors["municipality"] = _("市区町村を選んでください。")
        if self.level == self.Level.DEPARTMENT:
            if not self.department_id:
                errors["department"] = _("所属を選んでください。")
            elif self.municipality_id and self.department.municipality_id != self.municipality_id:
                errors["department"] = _("選んだ市区町村の所属ではありません。")
        if errors:
            raise ValidationError(errors)
        # Clear the fields the level does not use, so the check constraint holds.
        if self.level == self.Level.NATION:
            self.prefecture = self.municipality = self.department = None
        elif self.level == self.Level.PREFECTURE:
            self.municipality = self.department = None
        elif self.level == self.Level.MUNICIPALITY:
            self.prefecture = self.department = None
        elif self.level == self.Level.DEPARTMENT:
            self.prefecture = None


class StaffMember(models.Model):
    """One member of a municipality's staff roster (職員名簿), with their learning account.

    Written only by the roster import (``organizations.roster``): matched by staff number,
    updated on re-import, marked as leaving (never deleted) when missing from a new roster.
    Holds the minimum needed to assign training and remind people; deleting a staff member
    (admin, 職員名簿) deletes their account and personal learning data too.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("在職")
        LEAVING = "leaving", _("退職・異動")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="staff_members",
        verbose_name=_("市区町村"),
    )
    staff_number = models.CharField(_("職員番号"), max_length=30)
    name = models.CharField(_("氏名"), max_length=60)
    name_kana = models.CharField(_("ふりがな"), max_length=80, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_members",
        verbose_name=_("所属"),
    )
    position = models.CharField(_("役職"), max_length=60, blank=True)
    employment_type = models.CharField(
        _("雇用形態"), max_length=16, choices=EmploymentType.choices, blank=True
    )
    email = models.EmailField(_("メールアドレス"), blank=True)
    status = models.CharField(
        _("在職区分"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    learner = models.OneToOneField(
        Learner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_member",
        verbose_name=_("受講者"),
    )
    invited_at = models.DateTimeField(_("パスワード設定の案内日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        ordering = ["municipality__code", "staff_number"]
        verbose_name = _("職員")
        verbose_name_plural = _("職員名簿")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "staff_number"], name="staff_member_unique_number"
            )
        ]
        indexes = [models.Index(fields=["municipality", "status", "department"])]

    def __str__(self):
        return f"{self.name}（{self.staff_number}）"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class RosterSyncRun(models.Model):
    """One run of the roster folder sync (``import_roster --from DIR``) for one municipality.

    Written only by ``organizations.roster_sync``. The row in state ``running`` is the lock:
    at most one per municipality (a unique constraint), so two cron runs never overlap. A file
    whose content hash has an ``imported`` run is not imported again.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("実行中")
        IMPORTED = "imported", _("取り込み済み")
        FAILED = "failed", _("エラー（何も変更せず）")
        REFUSED = "refused", _("大量退職のため中止（何も変更せず）")
        SKIPPED = "skipped", _("取り込み済みのファイル（スキップ）")
        ABANDONED = "abandoned", _("中断")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="roster_sync_runs",
        verbose_name=_("市区町村"),
    )
    file_name = models.CharField(_("ファイル名"), max_length=255, blank=True)
    archived_as = models.CharField(_("保管ファイル名"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    # The values of ``organizations.resources.RosterMode``.
    mode = models.CharField(
        _("取り込み方法"),
        max_length=16,
        choices=[("whole", _("全員分（名簿にいない人は退職・異動）")), ("changes", _("差分のみ"))],
    )
    status = models.CharField(
        _("結果"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(_("開始日時"), auto_now_add=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("行数"), default=0)
    new = models.PositiveIntegerField(_("新規"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("変更なし"), default=0)
    leaving = models.PositiveIntegerField(_("退職・異動にした人"), default=0)
    error_count = models.PositiveIntegerField(_("エラー数"), default=0)
    result = models.TextField(_("結果の詳細"), blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("名簿の自動取り込み")
        verbose_name_plural = _("名簿の自動取り込み")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"],
                condition=Q(status="running"),
                name="roster_sync_one_running_per_municipality",
            )
        ]

    def __str__(self):
        return f"{self.municipality} {self.file_name or '-'}（{self.get_status_display()}）"


class StaffTransfer(models.Model):
    """One move of a staff member between units (異動), as the roster or an administrator
    made it. Their learning records stay theirs (they belong to the learner, not the unit);
    this is the history of where they were. Names are copied so the history reads the same
    after a unit is renamed or deleted. Written only by ``organizations.services``."""

    class Source(models.TextChoices):
        ROSTER = "roster", _("名簿の取り込み")
        ADMIN = "admin", _("管理画面での修正")

    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.CASCADE,
        related_name="transfers",
        verbose_name=_("職員"),
    )
    from_department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("異動前の所属"),
    )
    to_department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("異動後の所属"),
    )
    from_name = models.CharField(_("異動前の所属名"), max_length=400, blank=True)
    to_name = models.CharField(_("異動後の所属名"), max_length=400, blank=True)
    moved_on = models.DateField(_("異動日"))
    source = models.CharField(_("記録元"), max_length=16, choices=Source.choices)
    created_at = models.DateTimeField(_("記録日時"), auto_now_add=True)

    class Meta:
        ordering = ["-moved_on", "-pk"]
        verbose_name = _("異動履歴")
        verbose_name_plural = _("異動履歴")

    def __str__(self):
        return f"{self.staff_member} {self.from_name} → {self.to_name}（{self.moved_on}）"


class ManagerDelegation(models.Model):
    """A deputy (代理) who sees a unit's subtree as its manager (管理監督者) does, for a period.

    In force from ``starts_on`` to ``ends_on`` (both included, Tokyo dates) and not after:
    ``organizations.scopes`` reads only delegations in force, so it expires by itself.
    ``delegated_by`` is who gave it. Written only by ``organizations.services``.
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="manager_delegations",
        verbose_name=_("市区町村"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        related_name="delegations",
        verbose_name=_("所属"),
        help_text=_("この所属と、その下のすべての所属が見えるようになります。"),
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="manager_delegations",
        verbose_name=_("代理の人"),
    )
    starts_on = models.DateField(_("開始日"))
    ends_on = models.DateField(_("終了日"))
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("委任した人"),
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("管理監督者の代理")
        verbose_name_plural = _("管理監督者の代理")
        constraints = [
            models.CheckConstraint(
                name="manager_delegation_ends_after_start",
                condition=Q(ends_on__gte=models.F("starts_on")),
            )
        ]

    def __str__(self):
        return f"{self.deputy} — {self.department}（{self.starts_on}〜{self.ends_on}）"
