"""KPI reporting: in-person sessions (開催報告), targets, population, and the tallies reports read.

Raw records are ``courses.Completion`` (online) and ``TrainingSession`` (in person). Reports never
count them on a request: they read the tallies below, which ``reports.tallies`` keeps in the same
transaction as every change to a raw record, and which ``rebuild_tallies`` can recompute.
"""

import datetime as dt
import hashlib

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel

from base.dates import fiscal_year_of, tokyo_date
from courses.models import SUPPORTER_AUDIENCES, CoursePage
from organizations.models import AttendeeType, Municipality, Prefecture

# The つながりサポーター養成講座 began in FY2024; cumulative totals count from here.
PROGRAMME_START = dt.date(2024, 4, 1)

# The most people one session can report, per count and in total. The course is a 90-minute
# lecture; the largest halls of Japanese cities seat a few thousand (and a live-online session
# of one organiser rarely more), so 10,000 is above any real session and still stops a typo
# of extra digits (99,999,999,999 attendees once made 大阪市's progress 108,695,652,338%).
# Above ``reports.effects.PLAUSIBLE_SESSION_ATTENDEES`` a report needs a confirmation.
MAX_SESSION_COUNT = 10_000
# A reason for returning a report: a few sentences to the organiser.
REVIEW_COMMENT_MAX_LENGTH = 1000

# The attendee-count field of a session for each attendee type, in the order of AttendeeType:
# the one list of counts. The model's fields, the admin form, the import columns, the exports,
# the tallies and the demo data are all derived from it, so a new AttendeeType only needs its
# migration (README, "Adding an attendee type"); ``reports.checks`` fails when a type has no field.
ATTENDEE_COUNT_FIELDS = {kind: f"attendees_{kind.value}" for kind in AttendeeType}
# The same pairs with the types as plain strings, for counting (tally keys, imports).
_ATTENDEE_COUNT_COLUMNS = [(str(kind), name) for kind, name in ATTENDEE_COUNT_FIELDS.items()]
AGE_BAND_FIELDS = {
    "age_under_20": _("10代以下"),
    "age_20s": _("20代"),
    "age_30s": _("30代"),
    "age_40s": _("40代"),
    "age_50s": _("50代"),
    "age_60s": _("60代"),
    "age_70_plus": _("70代以上"),
}
GENDER_FIELDS = {
    "gender_female": _("女性"),
    "gender_male": _("男性"),
    "gender_other": _("その他・無回答"),
}
# Fiscal-year months in order, April first: (field name, calendar month).
TARGET_MONTH_FIELDS = [(f"month_{m:02d}", m) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


class Channel(models.TextChoices):
    ONLINE = "online", _("オンライン（eラーニング）")
    IN_PERSON = "in_person", _("講座（対面・ライブ配信）")


def session_fingerprint(municipality_id, held_on, organiser_name: str, counts) -> str:
    """What makes two session reports the same report: municipality, date, organiser (spacing
    and case aside) and the attendee counts.

    ``counts`` maps attendee type names (``"general"``) to attendees. The counts are keyed by
    type name, sorted, and types with no attendee are left out (``"general=21,npo=3"``), so
    adding an attendee type (whose count is 0 in every existing report) changes no stored
    fingerprint. Migration ``0003_session_fingerprint_by_type_name`` moved the stored
    fingerprints to this scheme."""
    counted = sorted((str(kind), n) for kind, n in counts.items() if n)
    key = "|".join(
        [
            str(municipality_id),
            held_on.isoformat() if held_on else "",
            " ".join(organiser_name.split()).casefold(),
            ",".join(f"{kind}={n}" for kind, n in counted),
        ]
    )
    return hashlib.sha256(key.encode()).hexdigest()


def attendee_count_model_fields() -> dict[str, models.PositiveIntegerField]:
    """The model fields of the attendee counts, one per attendee type, labelled by the type."""
    return {
        name: models.PositiveIntegerField(kind.label, default=0)
        for kind, name in ATTENDEE_COUNT_FIELDS.items()
    }


class TrainingSession(models.Model):
    """An in-person or live-online つながりサポーター養成講座, as reported by its organiser (開催報告).

    Holds counts only: no attendee is named. Edited under KPI・開催報告 → 開催報告 in the Wagtail
    admin or imported from CSV/XLSX; every write goes through ``reports.services``.
    """

    class OrganiserType(models.TextChoices):
        MUNICIPALITY = "municipality", _("自治体")
        COMPANY = "company", _("企業")
        SCHOOL = "school", _("学校")
        NPO = "npo", _("NPO")
        OTHER = "other", _("その他")

    class Delivery(models.TextChoices):
        IN_PERSON = "in_person", _("対面")
        LIVE_ONLINE = "live_online", _("ライブ配信（オンライン）")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("申請中")
        APPROVED = "approved", _("承認済み")
        RETURNED = "returned", _("差し戻し")

    held_on = models.DateField(_("開催日"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), editable=False)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("開催市区町村"),
    )
    organiser_type = models.CharField(
        _("主催者の種別"), max_length=16, choices=OrganiserType.choices
    )
    organiser_name = models.CharField(_("主催者名"), max_length=100)
    course = models.ForeignKey(
        CoursePage,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"audience__in": SUPPORTER_AUDIENCES},
        verbose_name=_("講座の種類"),
        help_text=_("一般向けまたはこども向けのサポーター講座"),
    )
    instructor_name = models.CharField(_("講師名"), max_length=100)
    delivery = models.CharField(
        _("実施方法"), max_length=16, choices=Delivery.choices, default=Delivery.IN_PERSON
    )
    venue = models.CharField(_("会場"), max_length=200, blank=True)

    # One count per attendee type. Made here so that they keep their place among the fields
    # (a field's order is its creation order); attached to the model below the class.
    _attendee_count_fields = attendee_count_model_fields()

    age_under_20 = models.PositiveIntegerField(_("10代以下"), null=True, blank=True)
    age_20s = models.PositiveIntegerField(_("20代"), null=True, blank=True)
    age_30s = models.PositiveIntegerField(_("30代"), null=True, blank=True)
    age_40s = models.PositiveIntegerField(_("40代"), null=True, blank=True)
    age_50s = models.PositiveIntegerField(_("50代"), null=True, blank=True)
    age_60s = models.PositiveIntegerField(_("60代"), null=True, blank=True)
    age_70_plus = models.PositiveIntegerField(_("70代以上"), null=True, blank=True)
    gender_female = models.PositiveIntegerField(_("女性"), null=True, blank=True)
    gender_male = models.PositiveIntegerField(_("男性"), null=True, blank=True)
    gender_other = models.PositiveIntegerField(_("その他・無回答"), null=True, blank=True)

    questionnaire_responses = models.PositiveIntegerField(
        _("アンケート回答数"), null=True, blank=True
    )
    questionnaire_positive = models.PositiveIntegerField(
        _("「理解が深まった」等の肯定的回答数"), null=True, blank=True
    )
    questionnaire_summary = models.TextField(
        _("アンケートの主な意見"),
        max_length=2000,
        blank=True,
        help_text=_("個人が特定される内容は書かないでください。"),
    )

    # Only approved reports count (reports.tallies). A report an approver enters or imports is
    # approved as it is saved, unless it may repeat a report already there (``services``).
    status = models.CharField(
        _("承認の状況"),
        max_length=16,
        choices=Status.choices,
        default=Status.SUBMITTED,
        editable=False,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("承認・差し戻しをした人"),
    )
    reviewed_at = models.DateTimeField(_("承認・差し戻しの日時"), null=True, editable=False)
    review_comment = models.TextField(
        _("差し戻しの理由"), max_length=REVIEW_COMMENT_MAX_LENGTH, blank=True, editable=False
    )

    # Same municipality, date, organiser and counts: the same report entered twice.
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    panels = [
        FieldRowPanel([FieldPanel("held_on"), FieldPanel("municipality")]),
        FieldRowPanel([FieldPanel("organiser_type"), FieldPanel("organiser_name")]),
        # A plain list of the supporter courses, not the page chooser: there are only a few.
        FieldRowPanel([FieldPanel("course", widget=forms.Select), FieldPanel("delivery")]),
        FieldRowPanel([FieldPanel("instructor_name"), FieldPanel("venue")]),
        MultiFieldPanel(
            [
                HelpPanel(_("受講者の氏名は記録しません。区分ごとの人数を入力してください。")),
                FieldRowPanel(
                    [FieldPanel(name) for name in list(ATTENDEE_COUNT_FIELDS.values())[:4]]
                ),
                FieldRowPanel(
                    [FieldPanel(name) for name in list(ATTENDEE_COUNT_FIELDS.values())[4:]]
                ),
            ],
            heading=_("受講者数（区分別）"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel(name) for name in list(AGE_BAND_FIELDS)[:4]]),
                FieldRowPanel([FieldPanel(name) for name in list(AGE_BAND_FIELDS)[4:]]),
                FieldRowPanel([FieldPanel(name) for name in GENDER_FIELDS]),
            ],
            heading=_("年代別・性別（任意）"),
            classname="collapsed",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("questionnaire_responses"), FieldPanel("questionnaire_positive")]
                ),
                FieldPanel("questionnaire_summary"),
            ],
            heading=_("アンケート結果（任意）"),
            classname="collapsed",
        ),
    ]

    class Meta:
        verbose_name = _("開催報告")
        verbose_name_plural = _("開催報告")
        ordering = ["-held_on", "-pk"]
        permissions = [("approve_trainingsession", _("開催報告を承認・差し戻しできる"))]
        indexes = [
            models.Index(fields=["fiscal_year", "municipality"]),
            models.Index(fields=["status", "municipality"]),
            models.Index(fields=["held_on"]),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.organiser_name}（{self.total_attendees}人）"

    def save(self, *args, **kwargs):
        # Pure normalisation of this row's own derived columns (no query, no other row):
        # every way a report is written, admin form or service, must keep them in step with
        # ``held_on`` and the counts, so they stay here rather than in ``reports.services``.
        self.fiscal_year = fiscal_year_of(self.held_on)
        self.fingerprint = self.compute_fingerprint()
        super().save(*args, **kwargs)

    @property
    def is_counted(self) -> bool:
        """Whether this report's attendees are in the tallies: approved reports only."""
        return self.status == self.Status.APPROVED

    @property
    def total_attendees(self) -> int:
        return sum(getattr(self, name) or 0 for name in ATTENDEE_COUNT_FIELDS.values())

    def attendee_counts(self) -> dict[str, int]:
        """Attendees per attendee type (only types with attendees)."""
        counts = ((kind, getattr(self, name) or 0) for kind, name in _ATTENDEE_COUNT_COLUMNS)
        return {kind: n for kind, n in counts if n}

    def compute_fingerprint(self) -> str:
        return session_fingerprint(
            self.municipality_id,
            self.held_on,
            self.organiser_name,
            {kind: getattr(self, name) for kind, name in _ATTENDEE_COUNT_COLUMNS},
        )

    def clean(self):
        errors = {}
        if self.held_on and self.held_on > tokyo_date():
            errors["held_on"] = _("開催日が未来の日付です。開催後に報告してください。")
        if self.held_on and self.held_on < PROGRAMME_START:
            errors["held_on"] = _("2024年4月（養成講座の開始）より前の開催は登録できません。")
        for name in [
            *ATTENDEE_COUNT_FIELDS.values(),
            *AGE_BAND_FIELDS,
            *GENDER_FIELDS,
            "questionnaire_responses",
            "questionnaire_positive",
        ]:
            value = getattr(self, name)
            if value is not None and value > MAX_SESSION_COUNT:
                errors[name] = _(
                    "1回の講座の人数は %(max)s 人までです（入力：%(value)s）。"
                    "桁を間違えていないか確かめてください。"
                ) % {"max": f"{MAX_SESSION_COUNT:,}", "value": f"{value:,}"}
        total = self.total_attendees
        general = ATTENDEE_COUNT_FIELDS[AttendeeType.GENERAL]
        if total > MAX_SESSION_COUNT and not errors:
            errors[general] = _(
                "1回の講座の受講者数の合計は %(max)s 人までです（合計：%(total)s 人）。"
            ) % {"max": f"{MAX_SESSION_COUNT:,}", "total": f"{total:,}"}
        if errors:
            # Sums of absurd counts say nothing more; the other checks read the counts.
            raise ValidationError(errors)
        if total == 0:
            errors[ATTENDEE_COUNT_FIELDS[AttendeeType.GENERAL]] = _(
                "受講者数を1人以上入力してください。"
            )
        for fields, label in ((AGE_BAND_FIELDS, _("年代別")), (GENDER_FIELDS, _("性別"))):
            given = [value for name in fields if (value := getattr(self, name)) is not None]
            if given and sum(given) > total:
                errors[next(iter(fields))] = _(
                    "%(label)sの人数の合計（%(sum)s人）が受講者数（%(total)s人）を超えています。"
                ) % {"label": label, "sum": sum(given), "total": total}
        if (
            self.questionnaire_positive is not None
            and (self.questionnaire_responses or 0) < self.questionnaire_positive
        ):
            errors["questionnaire_positive"] = _("肯定的回答数が回答数を超えています。")
        if errors:
            raise ValidationError(errors)


# Fields named by data (``ATTENDEE_COUNT_FIELDS``) cannot be written as class attributes.
for _name, _field in TrainingSession._attendee_count_fields.items():
    TrainingSession.add_to_class(_name, _field)
del TrainingSession._attendee_count_fields, _name, _field


class KpiTarget(models.Model):
    """How many supporters an area means to train in a fiscal year, optionally split by month.

    Edited under KPI・開催報告 → 目標 (or imported). The nation's target is set by the national
    office, a prefecture's or municipality's by its own administrators.
    """

    class Level(models.TextChoices):
        NATION = "nation", _("全国")
        PREFECTURE = "prefecture", _("都道府県")
        MUNICIPALITY = "municipality", _("市区町村")

    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("区分"), max_length=16, choices=Level.choices)
    prefecture = models.ForeignKey(
        Prefecture,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("都道府県"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("市区町村"),
    )
    target = models.PositiveIntegerField(_("年間目標（人）"))
    month_04 = models.PositiveIntegerField(_("4月"), null=True, blank=True)
    month_05 = models.PositiveIntegerField(_("5月"), null=True, blank=True)
    month_06 = models.PositiveIntegerField(_("6月"), null=True, blank=True)
    month_07 = models.PositiveIntegerField(_("7月"), null=True, blank=True)
    month_08 = models.PositiveIntegerField(_("8月"), null=True, blank=True)
    month_09 = models.PositiveIntegerField(_("9月"), null=True, blank=True)
    month_10 = models.PositiveIntegerField(_("10月"), null=True, blank=True)
    month_11 = models.PositiveIntegerField(_("11月"), null=True, blank=True)
    month_12 = models.PositiveIntegerField(_("12月"), null=True, blank=True)
    month_01 = models.PositiveIntegerField(_("1月"), null=True, blank=True)
    month_02 = models.PositiveIntegerField(_("2月"), null=True, blank=True)
    month_03 = models.PositiveIntegerField(_("3月"), null=True, blank=True)
    note = models.CharField(_("備考"), max_length=200, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("fiscal_year"), FieldPanel("level")]),
        FieldRowPanel([FieldPanel("prefecture"), FieldPanel("municipality")]),
        FieldPanel("target"),
        MultiFieldPanel(
            [
                HelpPanel(
                    _(
                        "月別の内訳は任意です。入力する場合は12か月すべてを入力し、合計を年間目標と"
                        "同じにしてください（例：強化月間の5月を多めにする）。空欄のときは日数に応じて"
                        "均等に配分したものとして進捗を計算します。"
                    )
                ),
                FieldRowPanel([FieldPanel(name) for name, _m in TARGET_MONTH_FIELDS[:6]]),
                FieldRowPanel([FieldPanel(name) for name, _m in TARGET_MONTH_FIELDS[6:]]),
            ],
            heading=_("月別の内訳（任意）"),
        ),
        FieldPanel("note"),
    ]

    class Meta:
        verbose_name = _("KPI目標")
        verbose_name_plural = _("KPI目標")
        ordering = ["-fiscal_year", "level", "prefecture", "municipality"]
        constraints = [
            models.CheckConstraint(
                name="kpi_target_area_matches_level",
                condition=(
                    Q(level="nation", prefecture__isnull=True, municipality__isnull=True)
                    | Q(level="prefecture", prefecture__isnull=False, municipality__isnull=True)
                    | Q(level="municipality", prefecture__isnull=True, municipality__isnull=False)
                ),
            ),
            models.UniqueConstraint(
                fields=["fiscal_year"],
                condition=Q(level="nation"),
                name="kpi_target_one_per_nation_year",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "prefecture"],
                condition=Q(level="prefecture"),
                name="kpi_target_one_per_prefecture_year",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "municipality"],
                condition=Q(level="municipality"),
                name="kpi_target_one_per_municipality_year",
            ),
        ]

    def __str__(self):
        return f"{self.fiscal_year}年度 {self.area_name}: {self.target:,}人"

    @property
    def area_code(self) -> str:
        """The key imports match targets by: "nation", a prefecture code or a municipality's."""
        if self.level == self.Level.PREFECTURE:
            return self.prefecture_id or ""
        if self.level == self.Level.MUNICIPALITY:
            return self.municipality.code if self.municipality_id else ""
        return "nation"

    @property
    def area_name(self) -> str:
        if self.level == self.Level.PREFECTURE and self.prefecture_id:
            return self.prefecture.name
        if self.level == self.Level.MUNICIPALITY and self.municipality_id:
            return self.municipality.full_name
        return str(_("全国"))

    def monthly_split(self) -> list[int] | None:
        """The 12 monthly targets from April, or None when no split is set."""
        values = [getattr(self, name) for name, _m in TARGET_MONTH_FIELDS]
        if all(value is None for value in values):
            return None
        return [value or 0 for value in values]

    def clean(self):
        errors = {}
        if self.level == self.Level.NATION:
            self.prefecture = None
            self.municipality = None
        elif self.level == self.Level.PREFECTURE:
            self.municipality = None
            if not self.prefecture_id:
                errors["prefecture"] = _("都道府県を選んでください。")
        elif self.level == self.Level.MUNICIPALITY:
            self.prefecture = None
            if not self.municipality_id:
                errors["municipality"] = _("市区町村を選んでください。")
        values = [getattr(self, name) for name, _m in TARGET_MONTH_FIELDS]
        given = [value for value in values if value is not None]
        if given and len(given) < 12:
            errors["month_04"] = _(
                "月別の内訳は12か月すべてを入力するか、すべて空欄にしてください。"
            )
        elif given and self.target is not None and sum(given) != self.target:
            errors["month_04"] = _(
                "月別の内訳の合計（%(sum)s人）が年間目標（%(target)s人）と一致しません。"
            ) % {"sum": f"{sum(given):,}", "target": f"{self.target:,}"}
        if errors:
            raise ValidationError(errors)


class Population(models.Model):
    """Residents of a municipality (住民基本台帳人口, 1 January) used for a fiscal year's
    training rate (養成率). Imported by the national administrator."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("市区町村")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    population = models.PositiveIntegerField(_("人口"))
    as_of = models.DateField(_("基準日"), help_text=_("住民基本台帳人口の基準日（1月1日）"))

    panels = [
        FieldPanel("municipality"),
        FieldRowPanel([FieldPanel("fiscal_year"), FieldPanel("as_of")]),
        FieldPanel("population"),
    ]

    class Meta:
        verbose_name = _("人口")
        verbose_name_plural = _("人口")
        ordering = ["-fiscal_year", "municipality"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "fiscal_year"], name="population_one_per_year"
            )
        ]

    def __str__(self):
        return f"{self.fiscal_year}年度 {self.municipality}: {self.population:,}人"

    @property
    def municipality_code(self) -> str:
        return self.municipality.code if self.municipality_id else ""


class TallyBase(models.Model):
    """Columns shared by every tally: a supporter count for one combination of keys.

    Areas are plain columns rather than foreign keys: ``municipality_id`` 0 and
    ``prefecture_code`` "" stand for "area not given", so that each tally has one plain unique
    key that ``INSERT … ON CONFLICT`` can use on SQLite and PostgreSQL alike.
    """

    fiscal_year = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    attendee_type = models.CharField(max_length=16, blank=True)
    supporters = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.fiscal_year} {self.channel} {self.attendee_type}: {self.supporters}"


class DailyTally(TallyBase):
    """Supporters per day × municipality × course × channel × attendee type."""

    day = models.DateField()
    prefecture_code = models.CharField(max_length=2, blank=True)
    municipality_id = models.IntegerField()
    course_id = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "municipality_id", "course_id", "channel", "attendee_type"],
                name="daily_tally_key",
            )
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "prefecture_code"]),
            models.Index(fields=["fiscal_year", "municipality_id"]),
        ]


class MonthlyTally(TallyBase):
    """Supporters per month × municipality × channel × attendee type: prefecture and
    municipality views read this."""

    month = models.DateField(help_text="first day of the month")
    prefecture_code = models.CharField(max_length=2, blank=True)
    municipality_id = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "municipality_id", "channel", "attendee_type"],
                name="monthly_tally_key",
            )
        ]
        indexes = [
            # Serves a prefecture's rows grouped by municipality without a sort.
            models.Index(fields=["fiscal_year", "prefecture_code", "municipality_id", "channel"]),
            models.Index(fields=["fiscal_year", "municipality_id"]),
        ]


class PrefectureMonthlyTally(TallyBase):
    """Supporters per month × prefecture × channel × attendee type: the national view reads
    this, at most 47 × 12 × 2 × 7 rows a year."""

    month = models.DateField(help_text="first day of the month")
    prefecture_code = models.CharField(max_length=2, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "prefecture_code", "channel", "attendee_type"],
                name="prefecture_monthly_tally_key",
            )
        ]
        indexes = [models.Index(fields=["fiscal_year"])]
