"""The courses app's records: consultation windows, learning records and staff training.

The pages (``CoursePage``, ``LessonPage``) are in ``courses.models``, which imports this module
and re-exports these models; the records name the pages by their labels, so nothing here
imports the pages and the modules below the pages (progress, services, queries) read and write
the records without an import cycle.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from base.dates import fiscal_year_bounds
from organizations.models import AttendeeType, Learner, Municipality

from .audiences import Audience
from .ruby import strip_ruby


class ConsultationWindow(index.Indexed, models.Model):
    """A place to consult (相談窓口): national, or run by one municipality.

    Edited in the Wagtail admin under スニペット → 相談窓口; each municipality keeps its own.
    Lessons and the site footer show the national ones and those of the learner's municipality,
    active and with a phone number or website only: a window nobody can reach helps nobody.
    Every number carries the page it was taken from and the day it was checked, so that an
    operator can re-check it.
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consultation_windows",
        verbose_name=_("市区町村"),
        help_text=_("空欄なら全国の窓口として、すべての受講者に表示します。"),
    )
    name = models.CharField(_("窓口の名称"), max_length=120)
    topics = models.CharField(
        _("相談できること"), max_length=200, blank=True, help_text=_("例: 高齢者の介護に関すること")
    )
    phone = models.CharField(_("電話番号"), max_length=40, blank=True)
    hours = models.CharField(_("受付時間"), max_length=200, blank=True)
    url = models.URLField(_("ウェブサイト"), blank=True)
    description = models.TextField(_("説明"), max_length=600, blank=True)
    source_url = models.URLField(
        _("出典（確認したページ）"),
        max_length=500,
        blank=True,
        help_text=_("電話番号や受付時間を確かめた公式のページのアドレスです。"),
    )
    checked_on = models.DateField(
        _("確認した日"),
        null=True,
        blank=True,
        help_text=_("出典のページで電話番号や受付時間を最後に確かめた日です。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=100)
    is_active = models.BooleanField(
        _("表示する"), default=True, help_text=_("受付を休止しているときは外してください。")
    )

    panels = [
        FieldPanel("municipality"),
        FieldPanel("name"),
        FieldPanel("topics"),
        FieldPanel("phone"),
        FieldPanel("hours"),
        FieldPanel("url"),
        FieldPanel("description"),
        FieldPanel("source_url"),
        FieldPanel("checked_on"),
        FieldPanel("sort_order"),
        FieldPanel("is_active"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("topics"),
    ]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("相談窓口")
        verbose_name_plural = _("相談窓口")
        indexes = [models.Index(fields=["municipality", "is_active", "sort_order"])]

    def __str__(self):
        return self.name

    @property
    def has_contact(self) -> bool:
        """Whether a learner can reach this window: a phone number or a website."""
        return bool(self.phone.strip() or self.url.strip())


class Enrollment(models.Model):
    """A learner taking one course: created when they start it, completed once."""

    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("受講者")
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("コース"),
    )
    started_at = models.DateTimeField(_("開始日時"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("最終学習日時"), auto_now=True)
    last_lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最後に開いたレッスン"),
    )
    completed_at = models.DateTimeField(_("修了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("受講")
        verbose_name_plural = _("受講")
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="enrollment_unique_course")
        ]
        indexes = [models.Index(fields=["course", "completed_at"])]

    def __str__(self):
        return f"{self.learner} — {self.course}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class LessonProgress(models.Model):
    """How far a learner got in one lesson: started, completed, and time spent reading."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(_("開始日時"), auto_now_add=True)
    completed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(_("学習時間（秒）"), default=0)

    class Meta:
        verbose_name = _("レッスンの進み具合")
        verbose_name_plural = _("レッスンの進み具合")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "lesson"], name="lesson_progress_unique_lesson"
            )
        ]

    def __str__(self):
        return f"{self.enrollment} — {self.lesson}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class Completion(models.Model):
    """The record that a course was completed: made once per enrollment, kept for statistics.

    Carries the date and area that KPI reports count by, copied from the learner's profile at
    the moment of completion, so later profile changes or deletion of the learner's personal
    data do not change past figures.
    """

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.SET_NULL, null=True, blank=True, related_name="completion"
    )
    learner = models.ForeignKey(
        Learner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="completions",
        verbose_name=_("受講者"),
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.PROTECT,
        related_name="completions",
        verbose_name=_("コース"),
    )
    completed_at = models.DateTimeField(_("修了日時"))
    completed_on = models.DateField(_("修了日"), help_text=_("日本時間の日付"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("市区町村"),
    )
    attendee_type = models.CharField(
        _("受講者区分"), max_length=16, choices=AttendeeType.choices, blank=True
    )
    is_supporter = models.BooleanField(_("サポーターとして数える"))

    class Meta:
        verbose_name = _("修了")
        verbose_name_plural = _("修了")
        indexes = [
            models.Index(fields=["fiscal_year", "municipality"]),
            models.Index(fields=["completed_on"]),
            models.Index(fields=["course", "completed_on"]),
        ]

    def __str__(self):
        return f"{self.course} — {self.completed_on}"


class ReflectionNote(models.Model):
    """What a learner wrote for a 個人ワーク, stored only because they chose to save it."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="reflections")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    text = models.TextField(_("回答"), max_length=4000)
    updated_at = models.DateTimeField(_("保存日時"), auto_now=True)

    class Meta:
        verbose_name = _("個人ワークの回答")
        verbose_name_plural = _("個人ワークの回答")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "lesson", "block_id"], name="reflection_unique_block"
            )
        ]

    def __str__(self):
        return f"{self.learner} — {self.lesson}"


class StaffAssignment(models.Model):
    """A staff course a municipality requires its staff to complete by a due date (期限).

    Targets all active staff of the municipality, some departments, or named people; expanded
    into one ``StaffAssignee`` per person by ``courses.services.assignments`` (also for people who join a
    targeted department later, until the due date). Edited in the Wagtail admin under
    職員研修 → 研修の割り当て.
    """

    class Target(models.TextChoices):
        ALL = "all", _("全職員")
        DEPARTMENTS = "departments", _("所属を指定")
        PEOPLE = "people", _("職員を指定")

    class Validity(models.TextChoices):
        NONE = "none", _("なし（一度修了すればよい）")
        PERIOD = "period", _("修了から一定期間")
        ANNUAL = "annual", _("毎年決まった日")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="staff_assignments",
        verbose_name=_("市区町村"),
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.PROTECT,
        related_name="staff_assignments",
        verbose_name=_("コース"),
        limit_choices_to={"audience": Audience.STAFF},
    )
    target = models.CharField(_("対象"), max_length=16, choices=Target.choices, default=Target.ALL)
    departments = models.ManyToManyField(
        "organizations.Department", blank=True, related_name="+", verbose_name=_("対象の所属")
    )
    staff_members = models.ManyToManyField(
        "organizations.StaffMember", blank=True, related_name="+", verbose_name=_("対象の職員")
    )
    include_subunits = models.BooleanField(
        _("下位の所属も対象にする"),
        default=True,
        help_text=_("入れると、選んだ所属の下にある課・係の職員も対象になります。"),
    )
    # Narrow the target above (empty: no narrowing). Positions as written on the roster (役職).
    positions = models.JSONField(_("対象の役職"), default=list, blank=True)
    employment_types = models.JSONField(_("対象の雇用形態"), default=list, blank=True)
    starts_on = models.DateField(_("開始日"))
    due_on = models.DateField(_("期限"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), editable=False)
    retrain = models.BooleanField(
        _("今年度すでに修了した人にも受講させる（再受講）"),
        default=False,
        help_text=_(
            "外すと、この年度にすでに修了した人は対象から外れます。"
            "入れると、開始日より前の修了は数えず、全員にもう一度受講してもらいます。"
        ),
    )
    note = models.CharField(_("メモ"), max_length=200, blank=True)
    # The validity rule (courses.validity): the municipality's policy, so it sits on the
    # assignment, beside the due date, and not on the course page every municipality shares.
    validity = models.CharField(
        _("修了の有効期限"),
        max_length=8,
        choices=Validity.choices,
        default=Validity.NONE,
        help_text=_(
            "期限を設けると、修了が期限に近づいた人に自動で更新の研修を割り当て、"
            "期限を過ぎた修了は受講率に数えません。"
        ),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("有効期間（か月）"),
        null=True,
        blank=True,
        help_text=_("「修了から一定期間」のとき。例: 12"),
    )
    annual_month = models.PositiveSmallIntegerField(
        _("毎年の期限日（月）"),
        null=True,
        blank=True,
        help_text=_("「毎年決まった日」のとき。例: 4"),
    )
    annual_day = models.PositiveSmallIntegerField(
        _("毎年の期限日（日）"),
        null=True,
        blank=True,
        help_text=_("例: 1（毎年4月1日に、それより前の修了が期限切れになります）"),
    )
    renewal_window_months = models.PositiveSmallIntegerField(
        _("更新の受講期間（期限前のか月）"),
        default=0,
        help_text=_("期限の何か月前から更新の研修を割り当てるか。例: 2"),
    )
    renewal_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("更新元の割り当て"),
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作成者"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        ordering = ["-due_on", "pk"]
        verbose_name = _("研修の割り当て")
        verbose_name_plural = _("研修の割り当て")
        indexes = [models.Index(fields=["municipality", "due_on"])]

    def __str__(self):
        renewal = _("更新・") if self.renewal_of_id else ""
        return f"{strip_ruby(self.course.title)}（{renewal}{self.due_on:%Y-%m-%d}まで）"

    @property
    def window_start(self):
        """The first day a completion counts from (see ``courses.services.assignments``)."""
        return self.starts_on if self.retrain else fiscal_year_bounds(self.fiscal_year)[0]

    @property
    def window_end(self):
        """The last day a completion counts on: the end of the fiscal year, or the due date."""
        return max(fiscal_year_bounds(self.fiscal_year)[1], self.due_on)


class StaffAssignee(models.Model):
    """One person who must complete one assignment, with when they completed it.

    Made only by ``courses.services.assignments``; ``completed_at`` is kept in the completing
    transaction (receiver of ``course_completed``) so reports count it without joins to
    completions.
    """

    assignment = models.ForeignKey(
        StaffAssignment,
        on_delete=models.CASCADE,
        related_name="assignees",
        verbose_name=_("研修の割り当て"),
    )
    staff_member = models.ForeignKey(
        "organizations.StaffMember",
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("職員"),
    )
    assigned_on = models.DateField(_("割り当て日"))
    completed_at = models.DateTimeField(_("修了日時"), null=True, blank=True)
    # The completion that completed this assignment, and until when it is valid under the
    # assignment's rule (kept in the completing transaction; recomputed when the rule changes).
    completion = models.ForeignKey(
        Completion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_assignees",
        verbose_name=_("修了"),
    )
    valid_until = models.DateField(_("有効期限"), null=True, blank=True)
    # The renewal this completion led to (``courses.services.recertification``): set once,
    # which is what makes the daily run idempotent.
    renewal = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renews",
        verbose_name=_("更新の割り当て"),
    )

    class Meta:
        verbose_name = _("研修の対象者")
        verbose_name_plural = _("研修の対象者")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "staff_member"], name="staff_assignee_unique_person"
            )
        ]
        indexes = [
            models.Index(fields=["assignment", "completed_at"]),
            models.Index(fields=["valid_until"]),
        ]

    def __str__(self):
        return f"{self.staff_member} — {self.assignment}"


class TrainingReminder(models.Model):
    """The log of reminder emails: one row per person and kind (or manager and week), claimed
    before the email is sent and marked sent after it (``courses.services.reminders``), so a
    re-run after a crash neither sends a reminder twice nor loses one."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("期限前のお知らせ")
        OVERDUE = "overdue", _("期限超過のお知らせ")
        MANAGER_OVERDUE = "manager_overdue", _("管理監督者への期限超過のお知らせ")
        WEEKLY_SUMMARY = "weekly_summary", _("管理監督者への週次のまとめ")

    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    assignee = models.ForeignKey(
        StaffAssignee,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("研修の対象者"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("宛先の管理監督者"),
    )
    week_of = models.DateField(_("週（月曜日）"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("記録日時"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("送信を試みた回数"), default=1)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("研修のお知らせ")
        verbose_name_plural = _("研修のお知らせ")
        constraints = [
            models.UniqueConstraint(
                fields=["assignee", "kind"],
                condition=models.Q(assignee__isnull=False),
                name="training_reminder_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["recipient", "week_of", "kind"],
                condition=models.Q(assignee__isnull=True),
                name="training_reminder_once_per_week",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.assignee or self.recipient}"
