"""In-person and live-online courses (講座): organisers, their course plans (開催計画) and the
sign-ups of the public course finder (近くの講座を探す).

A ``PlannedCourse`` is what attendees check in to and what its 実施報告 (a
``reports.TrainingSession``, with its approval) is linked to once it has been held.
Every write goes through ``events.services``.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from base.dates import TOKYO, tokyo_date
from courses.models import SUPPORTER_AUDIENCES, CoursePage
from courses.records import Completion
from organizations.models import AttendeeType, Municipality
from reports.models import AGE_BAND_FIELDS, GENDER_FIELDS, TrainingSession

# A nickname is what an organiser calls out or writes on a name tag, nothing more.
NICKNAME_MAX_LENGTH = 30
# The most seats one course may offer (the largest halls of Japanese cities seat a few
# thousand); beyond it a typo of extra digits, not a course.
MAX_CAPACITY = 10_000


class Organiser(models.Model):
    """A person who holds courses (主催者・講師) for an organisation in one municipality.

    Invited by a municipal administrator, or registered on the public form and approved by
    one (``events.services``); signs in to the Wagtail admin and sees only their own course
    plans. Listed under 講座 → 主催者・講師 in the admin, scoped to the administrator's area.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("承認待ち")
        ACTIVE = "active", _("有効")
        SUSPENDED = "suspended", _("停止")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="organiser",
        editable=False,
        verbose_name=_("ユーザー"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("開催する市区町村"),
    )
    organisation_type = models.CharField(
        _("団体の種別"), max_length=16, choices=TrainingSession.OrganiserType.choices
    )
    organisation_name = models.CharField(_("団体名"), max_length=100)
    name = models.CharField(_("担当者の氏名"), max_length=100)
    email = models.EmailField(_("メールアドレス"))
    status = models.CharField(
        _("状態"), max_length=16, choices=Status.choices, default=Status.PENDING, editable=False
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("承認した人"),
    )
    approved_at = models.DateTimeField(_("承認の日時"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    panels = [
        FieldPanel("municipality"),
        FieldPanel("organisation_type"),
        FieldPanel("organisation_name"),
        FieldPanel("name"),
        FieldPanel("email"),
    ]

    class Meta:
        verbose_name = _("主催者・講師")
        verbose_name_plural = _("主催者・講師")
        ordering = ["organisation_name", "name"]
        indexes = [models.Index(fields=["municipality", "status"])]

    def __str__(self):
        return f"{self.organisation_name}（{self.name}）"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class PlannedCourseQuerySet(models.QuerySet):
    def listed(self):
        """What the public finder lists: public, not cancelled, not yet over."""
        return self.filter(
            is_public=True, status=PlannedCourse.Status.SCHEDULED, ends_at__gt=timezone.now()
        )

    def ended(self, *, now: dt.datetime | None = None):
        """Courses whose end has passed."""
        return self.filter(ends_at__lte=now or timezone.now())


class PlannedCourse(models.Model):
    """One planned course (開催計画): a つながりサポーター養成講座 on a date, in person or live online.

    Planned by its organiser (or the municipality's administrator) under 講座 → 開催計画 in the
    admin; public ones appear in the course finder (``events.views``), with their own page,
    iCalendar file and optional sign-up. Attendees later check in to it, and its 実施報告 is
    ``report``.
    """

    class Delivery(models.TextChoices):
        IN_PERSON = TrainingSession.Delivery.IN_PERSON.value, _("対面")
        LIVE_ONLINE = TrainingSession.Delivery.LIVE_ONLINE.value, _("ライブ配信（オンライン）")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("開催予定")
        CANCELLED = "cancelled", _("中止")

    organiser = models.ForeignKey(
        Organiser, on_delete=models.PROTECT, related_name="courses", verbose_name=_("主催者")
    )
    # The organiser's municipality, copied when saved: the finder filters and the area scope
    # of administrators read it without a join.
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("開催市区町村"),
    )
    course = models.ForeignKey(
        CoursePage,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"audience__in": SUPPORTER_AUDIENCES},
        verbose_name=_("講座の種類"),
        help_text=_("一般向けまたはこども向けのサポーター講座"),
    )
    held_on = models.DateField(_("開催日"))
    start_time = models.TimeField(_("開始時刻"))
    end_time = models.TimeField(_("終了時刻"))
    # held_on + the times in Asia/Tokyo, kept by the service: for ordering, "upcoming" and
    # "ended" in the database, and for the check-in window.
    starts_at = models.DateTimeField(_("開始日時"), editable=False, db_index=True)
    ends_at = models.DateTimeField(_("終了日時"), editable=False, db_index=True)
    delivery = models.CharField(
        _("実施方法"), max_length=16, choices=Delivery.choices, default=Delivery.IN_PERSON
    )
    venue_name = models.CharField(_("会場名"), max_length=100, blank=True)
    venue_address = models.CharField(
        _("会場の住所"), max_length=200, blank=True, help_text=_("対面の講座では必須です。")
    )
    online_url = models.URLField(
        _("配信の URL"),
        max_length=500,
        blank=True,
        help_text=_("ライブ配信の講座では必須です（https:// で始まるもの）。"),
    )
    instructor_name = models.CharField(_("講師名"), max_length=100)
    capacity = models.PositiveIntegerField(_("定員"))
    is_public = models.BooleanField(
        _("公開する"),
        default=True,
        help_text=_(
            "「近くの講座を探す」に載せます。社内研修など、参加者が決まっている講座は外してください。"
        ),
    )
    signup_enabled = models.BooleanField(
        _("申し込みを受け付ける"),
        default=False,
        help_text=_("公開した講座で、定員までの申し込みとキャンセル待ちを受け付けます。"),
    )
    notes = models.TextField(_("参加者へのお知らせ"), max_length=1000, blank=True)
    status = models.CharField(
        _("状態"), max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    # The 実施報告 of this course once it has been held (filed from its check-ins).
    report = models.OneToOneField(
        TrainingSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="planned_course",
        verbose_name=_("実施報告"),
    )
    # RFC 5545 SEQUENCE: raised on every change, so calendars replace their copy.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlannedCourseQuerySet.as_manager()

    panels = [
        FieldPanel("organiser"),
        # A plain list of the supporter courses (as on 開催報告), not the page chooser: an
        # organiser has no business browsing the page tree, and there are only a few.
        FieldPanel("course", widget=forms.Select),
        FieldRowPanel(
            [FieldPanel("held_on"), FieldPanel("start_time"), FieldPanel("end_time")],
            heading=_("日時"),
        ),
        FieldPanel("delivery"),
        MultiFieldPanel(
            [FieldPanel("venue_name"), FieldPanel("venue_address"), FieldPanel("online_url")],
            heading=_("会場・配信"),
        ),
        FieldPanel("instructor_name"),
        FieldPanel("capacity"),
        FieldPanel("is_public"),
        FieldPanel("signup_enabled"),
        FieldPanel("notes"),
        FieldPanel("status"),
    ]

    class Meta:
        verbose_name = _("開催計画")
        verbose_name_plural = _("開催計画")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["municipality", "starts_at"]),
            models.Index(fields=["is_public", "status", "ends_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="planned_course_capacity_positive", condition=Q(capacity__gte=1)
            ),
            models.CheckConstraint(
                name="planned_course_ends_after_start",
                condition=Q(ends_at__gt=models.F("starts_at")),
            ),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.course.plain_title} — {self.organiser.organisation_name}"

    def get_absolute_url(self):
        return reverse("course-event", args=[self.pk])

    def clean(self):
        """The rules of a plan, with the Japanese message next to the field concerned."""
        errors = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("終了時刻は開始時刻より後にしてください。")
        if self.capacity is not None and self.capacity < 1:
            errors["capacity"] = _("定員は 1 人以上にしてください。")
        elif self.capacity is not None and self.capacity > MAX_CAPACITY:
            errors["capacity"] = _("定員は %(max)s 人以下にしてください。") % {
                "max": f"{MAX_CAPACITY:,}"
            }
        if self.delivery == self.Delivery.IN_PERSON and not self.venue_address.strip():
            errors["venue_address"] = _("対面の講座では会場の住所を入力してください。")
        if self.delivery == self.Delivery.LIVE_ONLINE:
            if not self.online_url:
                errors["online_url"] = _("ライブ配信の講座では配信の URL を入力してください。")
            elif not self.online_url.lower().startswith("https://"):
                errors["online_url"] = _("配信の URL は https:// で始まるものにしてください。")
        if self.pk is None and self.held_on and self.held_on < tokyo_date():
            errors["held_on"] = _("過ぎた日付の講座は計画できません。")
        if self.signup_enabled and not self.is_public:
            errors["signup_enabled"] = _("申し込みは公開した講座でのみ受け付けられます。")
        if errors:
            raise ValidationError(errors)

    def compute_times(self):
        """Set ``starts_at``/``ends_at`` from the date and times (Asia/Tokyo)."""
        self.starts_at = dt.datetime.combine(self.held_on, self.start_time, tzinfo=TOKYO)
        self.ends_at = dt.datetime.combine(self.held_on, self.end_time, tzinfo=TOKYO)

    @property
    def is_online(self) -> bool:
        return self.delivery == self.Delivery.LIVE_ONLINE

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def place(self) -> str:
        """Where it is held, as one line (the iCalendar LOCATION)."""
        if self.is_online:
            return str(_("オンライン（ライブ配信）"))
        return "　".join(part for part in (self.venue_name, self.venue_address) if part)

    @admin.display(description=_("実施報告"))
    def report_status(self) -> str:
        """The state of the course's 実施報告 as its organiser sees it in the listing."""
        if self.report_id is None:
            return str(_("未提出")) if self.has_ended and not self.is_cancelled else "-"
        return self.report.get_status_display()

    def accepts_signups(self) -> bool:
        """Whether the public may sign up now (the service checks it again under the lock)."""
        return (
            self.is_public and self.signup_enabled and not self.is_cancelled and not self.has_ended
        )


class CourseSignup(models.Model):
    """A place (or a place on the waiting list) someone took for a public course.

    Holds a nickname and, only for a reminder, an email, which ``purge_course_signups``
    deletes after the course (docs/data-protection.md). Made and cancelled on the public
    pages through ``events.services``; the organiser sees the list in the admin.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("参加予定")
        WAITING = "waiting", _("キャンセル待ち")
        CANCELLED = "cancelled", _("取り消し")

    course = models.ForeignKey(
        PlannedCourse, on_delete=models.CASCADE, related_name="signups", verbose_name=_("講座")
    )
    nickname = models.CharField(_("ニックネーム"), max_length=NICKNAME_MAX_LENGTH)
    email = models.EmailField(_("メールアドレス（お知らせを希望する人のみ）"), blank=True)
    status = models.CharField(_("状態"), max_length=16, choices=Status.choices)
    created_at = models.DateTimeField(_("申し込み日時"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("取り消しの日時"), null=True, blank=True)
    # When the day-before reminder went (``send_course_reminders``): a re-run sends none again.
    reminded_at = models.DateTimeField(
        _("前日のお知らせの送信日時"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("講座の申し込み")
        verbose_name_plural = _("講座の申し込み")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["course", "status", "created_at"])]

    def __str__(self):
        return f"{self.nickname}（{self.get_status_display()}）"

    def get_absolute_url(self):
        return reverse("course-signup", args=[self.token])

    @property
    def token(self) -> str:
        """The signed token of this sign-up's own page (its confirmation and cancel link): the
        same every time (no timestamp), so the link in the mail is the page's address."""
        return signing.Signer(salt=SIGNUP_LINK_SALT).sign(str(self.pk))


SIGNUP_LINK_SALT = "events.signup"


def signup_from_token(token: str) -> CourseSignup | None:
    """The sign-up a token names, or ``None`` for a token this site did not sign."""
    try:
        value = signing.Signer(salt=SIGNUP_LINK_SALT).unsign(token)
    except signing.BadSignature:
        return None
    if not value.isdigit():
        return None
    pk = int(value)
    return CourseSignup.objects.select_related("course").filter(pk=pk).first()


class CheckIn(models.Model):
    """One attendee counted at a course (受付): made from the attendee's own phone, with no
    account and no name, on the check-in page the organiser's screen or poster leads to.

    What the course's 実施報告 is prefilled from: the attendee type and, when the attendee chose
    to say, an age band and a gender — the same columns as ``TrainingSession``. ``browser`` is
    a hash of a random token kept in the attendee's cookie: one check-in per browser and course.
    ``completion`` is the record behind the attendee's supporter card, once they take one; it
    never counts in the tallies by itself (``is_supporter`` is false): the attendee is counted
    once, through the course's approved report.
    """

    course = models.ForeignKey(
        PlannedCourse, on_delete=models.PROTECT, related_name="check_ins", verbose_name=_("講座")
    )
    attendee_type = models.CharField(_("受講者区分"), max_length=16, choices=AttendeeType.choices)
    age_band = models.CharField(
        _("年代"),
        max_length=16,
        blank=True,
        choices=list(AGE_BAND_FIELDS.items()),
    )
    gender = models.CharField(
        _("性別"), max_length=16, blank=True, choices=list(GENDER_FIELDS.items())
    )
    browser = models.CharField(max_length=64, editable=False)
    checked_in_at = models.DateTimeField(_("受付の日時"), default=timezone.now)
    completion = models.OneToOneField(
        Completion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="check_in",
        verbose_name=_("サポーターカード"),
    )

    class Meta:
        verbose_name = _("受付")
        verbose_name_plural = _("受付")
        ordering = ["checked_in_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["course", "browser"], name="check_in_one_per_browser")
        ]

    def __str__(self):
        return f"{self.course_id}: {self.get_attendee_type_display()}"


class PaperAttendance(models.Model):
    """Attendees without a phone (紙で受付), counted by the organiser per attendee type on the
    course's 当日の受付・実施報告 screen. ``course_attendance`` adds them to the check-ins.
    No names: a count and who last changed it."""

    course = models.ForeignKey(
        PlannedCourse,
        on_delete=models.CASCADE,
        related_name="paper_counts",
        verbose_name=_("講座"),
    )
    attendee_type = models.CharField(_("受講者区分"), max_length=16, choices=AttendeeType.choices)
    count = models.PositiveIntegerField(_("人数"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("紙での受付")
        verbose_name_plural = _("紙での受付")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "attendee_type"], name="paper_attendance_one_per_type"
            )
        ]

    def __str__(self):
        return f"{self.course_id}: {self.get_attendee_type_display()} {self.count}"


class PaperCard(models.Model):
    """A supporter card printed for an attendee counted on paper: a real certificate (its
    ``completion`` has no learner and ``is_supporter`` false — the attendee is counted once,
    through the course's approved report), verifiable like any other.

    ``batch`` is the token of the print form that issued it: the same form sent twice (a
    double click) gets the same cards back instead of new ones."""

    course = models.ForeignKey(
        PlannedCourse, on_delete=models.PROTECT, related_name="paper_cards", verbose_name=_("講座")
    )
    attendee_type = models.CharField(_("受講者区分"), max_length=16, choices=AttendeeType.choices)
    batch = models.UUIDField(_("印刷の単位"), db_index=True, editable=False)
    completion = models.OneToOneField(
        Completion,
        on_delete=models.PROTECT,
        related_name="paper_card",
        editable=False,
        verbose_name=_("サポーターカード"),
    )
    issued_at = models.DateTimeField(_("発行日時"), default=timezone.now)

    class Meta:
        verbose_name = _("紙の受講者のサポーターカード")
        verbose_name_plural = _("紙の受講者のサポーターカード")
        ordering = ["issued_at", "pk"]
        indexes = [models.Index(fields=["course", "attendee_type"])]

    def __str__(self):
        return f"{self.course_id}: {self.get_attendee_type_display()}"


# The free-text comment of a course questionnaire: a few sentences on a phone, not an essay
# (and the less room, the less an attendee writes about someone by name).
QUESTIONNAIRE_COMMENT_MAX_LENGTH = 400


class QuestionnaireAnswer(models.Model):
    """An attendee's answer to the short questionnaire of the course they checked in to
    (アンケート): three choices and an optional comment, one per check-in, no name.

    Answered on the attendee's own page (only in the browser that checked in), through
    ``services.questionnaire_answer``; read only through ``events.questionnaire_summary``.
    The comment is blanked by ``purge_course_signups`` after the report window
    (docs/data-protection.md); the choices stay, as counts of the course.
    """

    class Understanding(models.TextChoices):
        WELL = "well", _("よく分かった")
        MOSTLY = "mostly", _("だいたい分かった")
        LITTLE = "little", _("あまり分からなかった")
        NOT = "not", _("分からなかった")

    class Satisfaction(models.TextChoices):
        VERY = "very", _("とても満足")
        SATISFIED = "satisfied", _("満足")
        LITTLE = "little", _("あまり満足していない")
        NOT = "not", _("満足していない")

    class ReachOut(models.TextChoices):
        YES = "yes", _("声をかけてみようと思う")
        MAYBE = "maybe", _("機会があれば声をかけたい")
        NOT_YET = "not_yet", _("まだ自信がない")

    check_in = models.OneToOneField(
        CheckIn,
        on_delete=models.CASCADE,
        related_name="questionnaire_answer",
        editable=False,
        verbose_name=_("受付"),
    )
    # The check-in's course, copied: the summary and the purge filter on it without a join.
    course = models.ForeignKey(
        PlannedCourse,
        on_delete=models.CASCADE,
        related_name="questionnaire_answers",
        editable=False,
        verbose_name=_("講座"),
    )
    understanding = models.CharField(_("理解度"), max_length=16, choices=Understanding.choices)
    satisfaction = models.CharField(_("満足度"), max_length=16, choices=Satisfaction.choices)
    reach_out = models.CharField(
        _("つながりサポーターとして声をかけてみようと思うか"),
        max_length=16,
        choices=ReachOut.choices,
    )
    comment = models.TextField(
        _("感想・意見（任意）"), max_length=QUESTIONNAIRE_COMMENT_MAX_LENGTH, blank=True
    )

    class Meta:
        verbose_name = _("講座のアンケートの回答")
        verbose_name_plural = _("講座のアンケートの回答")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.course_id}: {self.get_understanding_display()}"
