"""Every write of the events app: organisers, course plans, sign-ups, check-ins, paper counts
and cards, and the 実施報告 filed from a course.

Each function is one transaction; mail leaves after the commit (``transaction.on_commit``), so
nobody is told of a change that was rolled back. Sign-ups for one course serialise on the
course's row (``select_for_update``): the last place cannot be given twice. Check-ins to one
course serialise too (an advisory lock on PostgreSQL, the write lock on SQLite), so a course
never counts more check-ins than its capacity (docs/checkin.md).
"""

import datetime as dt
import hashlib
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from base.dates import tokyo_date
from base.db.batch import client_binding_cursor
from certificates.models import Certificate
from organizations.invitations import invitation_tokens, one_time_url
from organizations.models import AdminScope, AttendeeType
from organizations.scopes import AreaScope, scope_for_user
from reports import services as report_services
from reports.models import (
    AGE_BAND_FIELDS,
    ATTENDEE_COUNT_FIELDS,
    GENDER_FIELDS,
    TrainingSession,
)

from .cards import issue_card
from .models import (
    MAX_CAPACITY,
    QUESTIONNAIRE_COMMENT_MAX_LENGTH,
    CheckIn,
    CourseSignup,
    Organiser,
    PaperAttendance,
    PaperCard,
    PlannedCourse,
    QuestionnaireAnswer,
)

ORGANISER_GROUP = "主催者・講師"
# What an organiser may do in the admin: plan their own courses (the permission policy keeps
# them to their own) and read who signed up for them.
ORGANISER_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("events", "add_plannedcourse"),
    ("events", "change_plannedcourse"),
    ("events", "delete_plannedcourse"),
    ("events", "view_plannedcourse"),
]
# Nicknames (and the rest of a sign-up) are kept this many days after the course, while the
# organiser writes the 実施報告 (due within two weeks); emails go as soon as the course is over.
SIGNUP_RETENTION_DAYS = 30


# --- Organisers --------------------------------------------------------------------------------


def organiser_group() -> Group:
    """The 主催者・講師 group, with exactly ``ORGANISER_PERMISSIONS`` (made when first needed)."""
    group, _created = Group.objects.get_or_create(name=ORGANISER_GROUP)
    wanted = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in ORGANISER_PERMISSIONS
    ]
    group.permissions.set(wanted)
    return group


def _require_area(user, municipality) -> None:
    scope = scope_for_user(user)
    if scope is None or not scope.allows_municipality(municipality):
        raise PermissionDenied


def _new_account(email: str, *, active: bool):
    user_model = get_user_model()
    username = email.strip().lower()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {
                "email": _(
                    "このメールアドレスのアカウントは既にあります。別のアドレスにしてください。"
                )
            }
        )
    user = user_model(username=username, email=username, is_active=active)
    # Nobody chooses a password for someone else: the organiser sets theirs from the link.
    user.set_unusable_password()
    user.save()
    return user


def organiser_invitation_url(organiser: Organiser) -> str:
    """The one-time link with which the organiser sets their password (as staff do)."""
    return one_time_url("organiser-set-password", organiser.user, invitation_tokens)


def _send_invitation(organiser: Organiser) -> None:
    context = {
        "organiser": organiser,
        "username": organiser.user.get_username(),
        "url": organiser_invitation_url(organiser),
        "days": int(getattr(settings, "STAFF_INVITATION_DAYS", 14)),
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    subject = render_to_string("events/email/organiser_invitation_subject.txt", context).strip()
    body = render_to_string("events/email/organiser_invitation.txt", context)
    send_mail(subject, body, None, [organiser.email])


def _activate(organiser: Organiser, *, by) -> None:
    organiser.status = Organiser.Status.ACTIVE
    organiser.approved_by = by
    organiser.approved_at = timezone.now()
    organiser.save()
    user = organiser.user
    user.is_active = True
    user.save(update_fields=["is_active"])
    user.groups.add(organiser_group())
    transaction.on_commit(lambda: _send_invitation(organiser))


@transaction.atomic
def organiser_invite(*, organiser: Organiser, invited_by) -> Organiser:
    """Make ``organiser`` (an unsaved instance from the admin form) an active organiser of a
    municipality in ``invited_by``'s area, and mail them a one-time link to set a password."""
    _require_area(invited_by, organiser.municipality)
    organiser.user = _new_account(organiser.email, active=True)
    organiser.email = organiser.user.email
    _activate(organiser, by=invited_by)
    return organiser


def _send_registration_refused(email: str, municipality) -> None:
    context = {"municipality": municipality, "site_name": settings.WAGTAIL_SITE_NAME}
    subject = render_to_string(
        "events/email/organiser_already_registered_subject.txt", context
    ).strip()
    body = render_to_string("events/email/organiser_already_registered.txt", context)
    send_mail(subject, body, None, [email])


@transaction.atomic
def organiser_register(
    *, municipality, organisation_type: str, organisation_name: str, name: str, email: str
) -> Organiser | None:
    """Someone asks, on the public form, to hold courses: a pending organiser whose account
    cannot sign in until the municipality's administrator approves it (``organiser_approve``).

    An address that already has an account gets None and a mail to that address saying so:
    the public form answers the same either way, so it cannot be used to learn who has an
    account here."""
    address = email.strip().lower()
    if get_user_model().objects.filter(username__iexact=address).exists():
        transaction.on_commit(lambda: _send_registration_refused(address, municipality))
        return None
    user = _new_account(address, active=False)
    organiser = Organiser(
        user=user,
        municipality=municipality,
        organisation_type=organisation_type,
        organisation_name=organisation_name,
        name=name,
        email=user.email,
        status=Organiser.Status.PENDING,
    )
    organiser.full_clean(exclude=["user"])
    organiser.save()
    return organiser


@transaction.atomic
def organiser_approve(*, organiser: Organiser, approved_by) -> Organiser:
    """Approve a self-registered organiser of ``approved_by``'s area: the account is switched
    on and the organiser is mailed the one-time link to set their password."""
    organiser = Organiser.objects.select_for_update().select_related("user").get(pk=organiser.pk)
    _require_area(approved_by, organiser.municipality)
    if organiser.status != Organiser.Status.PENDING:
        raise ValidationError(_("この主催者は承認待ちではありません。"))
    _activate(organiser, by=approved_by)
    return organiser


@transaction.atomic
def organiser_resend_invitation(*, organiser: Organiser, user) -> None:
    """Send an active organiser who has not set a password yet a fresh one-time link."""
    _require_area(user, organiser.municipality)
    if not organiser.is_active:
        raise ValidationError(_("有効な主催者にだけ案内を送れます。"))
    transaction.on_commit(lambda: _send_invitation(organiser))


@transaction.atomic
def organiser_save(*, organiser: Organiser, user) -> Organiser:
    """Save an administrator's correction of an organiser in their area."""
    _require_area(user, organiser.municipality)
    organiser.save()
    # The organiser's courses follow them to their municipality.
    PlannedCourse.objects.filter(organiser=organiser).exclude(
        municipality=organiser.municipality
    ).update(municipality=organiser.municipality)
    account = organiser.user
    if account.email != organiser.email:
        account.email = organiser.email
        account.save(update_fields=["email"])
    return organiser


@transaction.atomic
def organiser_delete(*, organiser: Organiser, user) -> None:
    """Delete an organiser without courses, and their account."""
    _require_area(user, organiser.municipality)
    if organiser.courses.exists():
        raise ValidationError(_("講座を計画した主催者は削除できません。"))
    account = organiser.user
    organiser.delete()
    account.delete()


@transaction.atomic
def organiser_suspend(*, organiser: Organiser, user) -> Organiser:
    """Suspend (停止) an active organiser of ``user``'s area: their account can no longer sign
    in, and their plans and reports stay as they are for the administrators."""
    organiser = Organiser.objects.select_for_update().select_related("user").get(pk=organiser.pk)
    _require_area(user, organiser.municipality)
    if organiser.status != Organiser.Status.ACTIVE:
        raise ValidationError(_("有効な主催者だけを停止できます。"))
    organiser.status = Organiser.Status.SUSPENDED
    organiser.save(update_fields=["status"])
    account = organiser.user
    account.is_active = False
    account.save(update_fields=["is_active"])
    return organiser


@transaction.atomic
def organiser_reactivate(*, organiser: Organiser, user) -> Organiser:
    """Let a suspended organiser of ``user``'s area sign in and plan again."""
    organiser = Organiser.objects.select_for_update().select_related("user").get(pk=organiser.pk)
    _require_area(user, organiser.municipality)
    if organiser.status != Organiser.Status.SUSPENDED:
        raise ValidationError(_("停止中の主催者だけを再開できます。"))
    organiser.status = Organiser.Status.ACTIVE
    organiser.save(update_fields=["status"])
    account = organiser.user
    account.is_active = True
    account.save(update_fields=["is_active"])
    return organiser


def organiser_of(user) -> Organiser | None:
    """The active organiser ``user`` is, if any (read, for views and the permission policy)."""
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_organiser_cache", False)
    if cached is not False:
        return cached
    organiser = (
        Organiser.objects.filter(user=user, status=Organiser.Status.ACTIVE)
        .select_related("municipality")
        .first()
    )
    user._organiser_cache = organiser
    return organiser


# --- Course plans --------------------------------------------------------------------------------


def _require_course_access(user, organiser: Organiser) -> None:
    own = organiser_of(user)
    if own is not None and scope_for_user(user) is None:
        if organiser.pk != own.pk:
            raise PermissionDenied
        return
    _require_area(user, organiser.municipality)


@transaction.atomic
def planned_course_save(*, course: PlannedCourse, user) -> PlannedCourse:
    """Save a plan made or corrected by its organiser or by an administrator of its area.

    Raising the capacity moves people up from the waiting list; cancelling the course tells
    everyone who left an email.
    """
    _require_course_access(user, course.organiser)
    course.municipality = course.organiser.municipality
    course.compute_times()
    previous = None
    if course.pk:
        previous = PlannedCourse.objects.select_for_update().get(pk=course.pk)
        course.sequence = previous.sequence + 1
    else:
        course.created_by = user
    course.save()
    if previous is not None:
        if course.is_cancelled and not previous.is_cancelled:
            _tell_cancelled(course)
        elif not course.is_cancelled:
            _fill_places(course)
    return course


@transaction.atomic
def planned_course_delete(*, course: PlannedCourse, user) -> None:
    """Delete a plan that has no 実施報告 yet (its sign-ups go with it)."""
    _require_course_access(user, course.organiser)
    if course.report_id:
        raise ValidationError(_("実施報告のある講座は削除できません。"))
    course.delete()


# --- Sign-ups ------------------------------------------------------------------------------------


def _base_url() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def _mail_signup(signup: CourseSignup, template: str) -> None:
    """Mail ``signup`` (which left an email) after the commit."""
    if not signup.email:
        return
    email = signup.email
    context = {
        "signup": signup,
        "course": signup.course,
        "manage_url": _base_url() + signup.get_absolute_url(),
        "course_url": _base_url() + signup.course.get_absolute_url(),
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    subject = render_to_string(f"events/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"events/email/{template}.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))


def _lock(course: PlannedCourse) -> PlannedCourse:
    return (
        PlannedCourse.objects.select_for_update()
        .select_related("course", "organiser")
        .get(pk=course.pk)
    )


def _fill_places(course: PlannedCourse) -> list[CourseSignup]:
    """Move people up from the waiting list, first come first served, while places are free
    (the caller holds the course's row lock)."""
    confirmed = course.signups.filter(status=CourseSignup.Status.CONFIRMED).count()
    free = course.capacity - confirmed
    if free <= 0:
        return []
    promoted = list(
        course.signups.filter(status=CourseSignup.Status.WAITING).order_by("created_at", "pk")[
            :free
        ]
    )
    for signup in promoted:
        signup.status = CourseSignup.Status.CONFIRMED
        signup.save(update_fields=["status"])
        signup.course = course
        _mail_signup(signup, "signup_promoted")
    return promoted


def _tell_cancelled(course: PlannedCourse) -> None:
    for signup in course.signups.exclude(status=CourseSignup.Status.CANCELLED).exclude(email=""):
        signup.course = course
        _mail_signup(signup, "course_cancelled")


@transaction.atomic
def course_signup_create(*, course: PlannedCourse, nickname: str, email: str = "") -> CourseSignup:
    """Take a place (or, when the course is full, a place on the waiting list) for a public
    course that takes sign-ups. The course's row is locked, so two people can never both get
    the last place. The email, when given, receives the confirmation with the cancel link."""
    course = _lock(course)
    if not course.accepts_signups():
        raise ValidationError(_("この講座は申し込みを受け付けていません。"))
    nickname = nickname.strip()
    if not nickname:
        raise ValidationError({"nickname": _("ニックネームを入力してください。")})
    confirmed = course.signups.filter(status=CourseSignup.Status.CONFIRMED).count()
    status = (
        CourseSignup.Status.CONFIRMED
        if confirmed < course.capacity
        else CourseSignup.Status.WAITING
    )
    signup = CourseSignup(course=course, nickname=nickname, email=email.strip(), status=status)
    signup.full_clean()
    signup.save()
    _mail_signup(signup, "signup_confirmed")
    return signup


@transaction.atomic
def course_signup_cancel(*, signup: CourseSignup) -> list[CourseSignup]:
    """Cancel a sign-up (from the link in its confirmation). A freed place goes to the first
    on the waiting list, who is mailed if they left an email. Returns those moved up."""
    course = _lock(signup.course)
    signup = CourseSignup.objects.select_for_update().get(pk=signup.pk)
    if signup.status == CourseSignup.Status.CANCELLED:
        return []
    if course.has_ended:
        raise ValidationError(_("終わった講座の申し込みは取り消せません。"))
    was_confirmed = signup.status == CourseSignup.Status.CONFIRMED
    signup.status = CourseSignup.Status.CANCELLED
    signup.cancelled_at = timezone.now()
    # A cancelled sign-up is told nothing more: its email is not needed any longer.
    signup.email = ""
    signup.save(update_fields=["status", "cancelled_at", "email"])
    if was_confirmed and not course.is_cancelled:
        return _fill_places(course)
    return []


@transaction.atomic
def course_signups_purge(
    *, now: dt.datetime | None = None, retention_days: int = SIGNUP_RETENTION_DAYS
) -> tuple[int, int]:
    """Delete the emails of sign-ups for courses that are over, and the sign-ups themselves
    ``retention_days`` after their course. Returns (emails deleted, sign-ups deleted)."""
    now = now or timezone.now()
    emails = (
        CourseSignup.objects.filter(course__ends_at__lte=now).exclude(email="").update(email="")
    )
    old = CourseSignup.objects.filter(course__ends_at__lte=now - dt.timedelta(days=retention_days))
    deleted, _per_model = old.delete()
    return emails, deleted


# --- Check-ins -----------------------------------------------------------------------------------

# Check-in opens this long before the course starts (people arrive early and the organiser
# starts the screen while they find a seat) and closes this long after it ends (latecomers,
# a course that overran, the queue at the door). Outside it no code is accepted, so a code
# that leaked does nothing the next day.
CHECK_IN_OPENS_BEFORE = dt.timedelta(minutes=30)
CHECK_IN_CLOSES_AFTER = dt.timedelta(minutes=30)
# The most a typed name on a card may be (the certificate's own column holds 60).
CARD_NAME_MAX_LENGTH = 40
PURGED_BROWSER_PREFIX = "purged:"


def check_in_window(course: PlannedCourse) -> tuple[dt.datetime, dt.datetime]:
    """When check-in to ``course`` opens and closes."""
    return course.starts_at - CHECK_IN_OPENS_BEFORE, course.ends_at + CHECK_IN_CLOSES_AFTER


def check_in_is_open(course: PlannedCourse, now: dt.datetime | None = None) -> bool:
    """Whether attendees may check in to ``course`` now (not cancelled, inside the window)."""
    if course.is_cancelled:
        return False
    opens, closes = check_in_window(course)
    return opens <= (now or timezone.now()) <= closes


def browser_hash(course_pk: int, browser_token: str) -> str:
    """What ``CheckIn.browser`` stores for a browser's cookie token at one course: the hash
    includes the course, so one browser's check-ins at two courses cannot be linked."""
    return hashlib.sha256(f"{course_pk}:{browser_token}".encode()).hexdigest()


def check_in_of(course_pk: int, browser_token: str | None) -> CheckIn | None:
    """The check-in this browser already made at the course, if any (read)."""
    if not browser_token:
        return None
    return CheckIn.objects.filter(
        course_id=course_pk, browser=browser_hash(course_pk, browser_token)
    ).first()


def _clean_check_in(attendee_type: str, age_band: str, gender: str) -> None:
    errors = {}
    if attendee_type not in AttendeeType.values:
        errors["attendee_type"] = _("受講者区分を選んでください。")
    if age_band and age_band not in AGE_BAND_FIELDS:
        errors["age_band"] = _("年代は一覧から選んでください。")
    if gender and gender not in GENDER_FIELDS:
        errors["gender"] = _("性別は一覧から選んでください。")
    if errors:
        raise ValidationError(errors)


# Namespace of the check-in advisory locks (the first key of ``pg_advisory_xact_lock(int,
# int)``, the course the second): any fixed number no other lock of the product uses.
CHECK_IN_LOCK_NAMESPACE = 1_701_170_001


def _check_in_insert_sql(columns: list[str]) -> str:
    """The one statement of a check-in: insert the row unless the course does not exist, is
    cancelled, is outside its check-in window, already has this browser's check-in, or
    already has ``capacity`` check-ins. Parameters: the row's values, then course, cancelled
    status, window bounds, course and browser, course."""
    quote = connection.ops.quote_name
    table = quote(CheckIn._meta.db_table)
    names = ", ".join(quote(CheckIn._meta.get_field(name).column) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    course_column = quote(CheckIn._meta.get_field("course").column)
    browser_column = quote(CheckIn._meta.get_field("browser").column)
    planned = PlannedCourse._meta
    course_table = quote(planned.db_table)

    def field(name: str) -> str:
        return f"{course_table}.{quote(planned.get_field(name).column)}"

    # Identifiers come from the models, never from input; values are parameters.
    return (
        f"INSERT INTO {table} ({names}) SELECT {placeholders} FROM {course_table} "  # noqa: S608
        f"WHERE {field('id')} = %s AND {field('status')} <> %s "
        f"AND {field('starts_at')} <= %s AND {field('ends_at')} >= %s "
        f"AND NOT EXISTS (SELECT 1 FROM {table} "
        f"WHERE {course_column} = %s AND {browser_column} = %s) "
        f"AND (SELECT COUNT(*) FROM {table} WHERE {course_column} = %s) < {field('capacity')} "
        f"RETURNING {quote(CheckIn._meta.pk.column)}"
    )


def _insert_check_in(row: dict, now: dt.datetime) -> int | None:
    """Insert the check-in ``row`` if every condition of ``_check_in_insert_sql`` holds, as
    one transaction; the new row's id, or None.

    The count in the statement is exact only if check-ins to one course run one at a time
    and the statement's snapshot is taken after the previous one committed
    (docs/checkin.md, "The capacity"). SQLite: ``BEGIN IMMEDIATE`` takes the database's
    write lock before the statement. PostgreSQL: ``pg_advisory_xact_lock`` on the course,
    sent with the INSERT as one batch of two statements (one round trip, one transaction:
    the batch is committed at its end, which releases the lock); the INSERT, a statement of
    its own, takes its snapshot after the lock is held. Nothing locks the course's row, so
    an organiser's edit of the course is not held up either."""
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        *row.values(),
        row["course_id"],
        PlannedCourse.Status.CANCELLED,
        adapt(now + CHECK_IN_OPENS_BEFORE),
        adapt(now - CHECK_IN_CLOSES_AFTER),
        row["course_id"],
        row["browser"],
        row["course_id"],
    ]
    insert = _check_in_insert_sql(list(row))
    if connection.vendor != "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(insert, params)
            found = cursor.fetchone()
        return found[0] if found else None
    # Collisions of the 31-bit key only make two courses wait for each other.
    lock = [CHECK_IN_LOCK_NAMESPACE, row["course_id"] & 0x7FFFFFFF]
    lock_sql = "SELECT pg_advisory_xact_lock(%s, %s)"
    if connection.in_atomic_block:
        # Inside a caller's transaction the lock is held until that transaction ends.
        with connection.cursor() as cursor:
            cursor.execute(lock_sql, lock)
            cursor.execute(insert, params)
            found = cursor.fetchone()
        return found[0] if found else None
    with client_binding_cursor() as cursor:
        # Bound client-side (even with prepared statements on), both go as one simple query,
        # which PostgreSQL runs as one implicit transaction (autocommit is on: no atomic
        # block is open).
        cursor.execute(f"{lock_sql}; {insert}", [*lock, *params])
        cursor.nextset()
        found = cursor.fetchone()
    return found[0] if found else None


def check_in_create(
    *,
    course: PlannedCourse | int,
    browser_token: str,
    attendee_type: str,
    age_band: str = "",
    gender: str = "",
    new_browser: bool = False,
    now: dt.datetime | None = None,
) -> tuple[CheckIn, bool]:
    """Count one attendee at ``course`` (or the course of that id) from their browser:
    (the check-in, whether it is new). One transaction.

    The caller (the public check-in page) has checked the rotating code and the pass; this
    checks, in the one conditional INSERT that counts (``_insert_check_in``), what must hold
    at the moment of counting: the course exists, is not cancelled and is inside its check-in
    window, this browser has not checked in yet, and the check-ins stay within the capacity.
    Only when nothing was inserted is the course read, to say why: the course does not
    exist (``PlannedCourse.DoesNotExist``), check-in is closed or the course is full
    (``ValidationError`` with code ``closed`` or ``full``), or this browser's existing
    check-in is returned, counted once. ``new_browser`` (the token was made for this
    request) is accepted for callers; the statement checks the browser either way.
    """
    _clean_check_in(attendee_type, age_band, gender)
    now = now or timezone.now()
    pk = course.pk if isinstance(course, PlannedCourse) else int(course)
    browser = browser_hash(pk, browser_token)
    row = {
        "course_id": pk,
        "attendee_type": attendee_type,
        "age_band": age_band,
        "gender": gender,
        "browser": browser,
        "checked_in_at": connection.ops.adapt_datetimefield_value(now),
    }
    new_pk = _insert_check_in(row, now)
    if new_pk is not None:
        row["checked_in_at"] = now
        return CheckIn(pk=new_pk, **row), True
    # Nothing was counted: read why (reads only, after the transaction).
    found = PlannedCourse.objects.only("pk", "capacity", "status", "starts_at", "ends_at")
    found = found.filter(pk=pk).first()
    if found is None:
        raise PlannedCourse.DoesNotExist
    if not check_in_is_open(found, now):
        raise ValidationError(_("この講座の受付は、いまは行っていません。"), code="closed")
    existing = CheckIn.objects.filter(course_id=pk, browser=browser).first()
    if existing is not None:
        return existing, False
    raise ValidationError(
        _(
            "定員に達したため、スマートフォンでの受付はここまでです。主催者に声をかけてください"
            "（主催者が紙での参加者として数えるか、定員を増やします）。"
        ),
        code="full",
    )


@transaction.atomic
def check_in_take_card(*, check_in: CheckIn, name: str = "") -> Certificate:
    """Issue the supporter card of a check-in, with ``name`` printed (or none): once; a second
    call returns the same card.

    The card is a certificate like any other (serial, verification page, credential), made
    from a ``Completion`` without a learner or enrollment. That completion is not counted
    (``is_supporter=False``): the attendee is counted once, through the course's approved
    実施報告, and ``reports.tallies`` counts only supporter completions.
    """
    check_in = (
        CheckIn.objects.select_for_update()
        .select_related("course__course", "course__municipality__prefecture")
        .get(pk=check_in.pk)
    )
    if check_in.completion_id is not None:
        return Certificate.objects.get(completion_id=check_in.completion_id)
    name = " ".join(name.split())
    if len(name) > CARD_NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("名前は %(max)s 文字以内にしてください。") % {"max": CARD_NAME_MAX_LENGTH}}
        )
    certificate = issue_card(
        course=check_in.course, attendee_type=check_in.attendee_type, name=name
    )
    check_in.completion_id = certificate.completion_id
    check_in.save(update_fields=["completion"])
    return certificate


@transaction.atomic
def check_in_browsers_purge(
    *, now: dt.datetime | None = None, retention_days: int = SIGNUP_RETENTION_DAYS
) -> int:
    """Forget which browser made each check-in, ``retention_days`` after the course (when the
    実施報告 is in): the hash is replaced by a value no cookie can match. The counts, attendee
    types and cards stay. Returns the number of check-ins forgotten."""
    now = now or timezone.now()
    return (
        CheckIn.objects.filter(course__ends_at__lte=now - dt.timedelta(days=retention_days))
        .exclude(browser__startswith=PURGED_BROWSER_PREFIX)
        .update(browser=Concat(Value(PURGED_BROWSER_PREFIX), Cast("pk", CharField())))
    )


# --- The course's questionnaire (アンケート) ----------------------------------------------------

# The questionnaire of a held course opens with the attendee's check-in and closes this long
# after the course ends: people answer on the way home or in the next days, and a week still
# leaves the organiser a week of the two they have for the 実施報告 with a summary that no
# longer moves (docs/checkin.md).
QUESTIONNAIRE_CLOSES_AFTER = dt.timedelta(days=7)


def questionnaire_closes_at(course: PlannedCourse) -> dt.datetime:
    """When the questionnaire of ``course`` stops taking answers."""
    return course.ends_at + QUESTIONNAIRE_CLOSES_AFTER


def questionnaire_is_open(course: PlannedCourse, now: dt.datetime | None = None) -> bool:
    """Whether an attendee who checked in to ``course`` may still answer its questionnaire
    (the check-in itself is the opening: nobody answers without one)."""
    if course.is_cancelled:
        return False
    return (now or timezone.now()) <= questionnaire_closes_at(course)


def _clean_answer(understanding: str, satisfaction: str, reach_out: str, comment: str) -> str:
    """The comment as stored (trimmed, one kind of line break); refuses bad choices and a
    comment that is too long, each with its Japanese message."""
    errors = {}
    if understanding not in QuestionnaireAnswer.Understanding.values:
        errors["understanding"] = _("分かりやすさを選んでください。")
    if satisfaction not in QuestionnaireAnswer.Satisfaction.values:
        errors["satisfaction"] = _("満足度を選んでください。")
    if reach_out not in QuestionnaireAnswer.ReachOut.values:
        errors["reach_out"] = _("声をかけてみようと思うかを選んでください。")
    comment = (comment or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(comment) > QUESTIONNAIRE_COMMENT_MAX_LENGTH:
        errors["comment"] = _("感想は %(max)s 文字以内にしてください（いま %(n)s 文字）。") % {
            "max": QUESTIONNAIRE_COMMENT_MAX_LENGTH,
            "n": len(comment),
        }
    if errors:
        raise ValidationError(errors)
    return comment


@transaction.atomic
def questionnaire_answer(
    *,
    check_in: CheckIn,
    understanding: str,
    satisfaction: str,
    reach_out: str,
    comment: str = "",
    now: dt.datetime | None = None,
) -> QuestionnaireAnswer:
    """Record the questionnaire answer of one check-in (its attendee, on their own page).

    Once per check-in: a second answer is refused (code ``answered``) rather than replacing
    the first, so the summary the organiser copies into the 実施報告 never changes under an
    answer already counted. Refused too once the questionnaire has closed (code ``closed``).
    The check-in's row is locked, so two sends at once (a double tap) record one answer.
    """
    comment = _clean_answer(understanding, satisfaction, reach_out, comment)
    check_in = (
        CheckIn.objects.select_for_update(of=("self",)).select_related("course").get(pk=check_in.pk)
    )
    if not questionnaire_is_open(check_in.course, now):
        raise ValidationError(_("この講座のアンケートは締め切りました。"), code="closed")
    if QuestionnaireAnswer.objects.filter(check_in=check_in).exists():
        raise ValidationError(_("このアンケートには、もう回答しています。"), code="answered")
    return QuestionnaireAnswer.objects.create(
        check_in=check_in,
        course_id=check_in.course_id,
        understanding=understanding,
        satisfaction=satisfaction,
        reach_out=reach_out,
        comment=comment,
    )


@transaction.atomic
def questionnaire_comments_purge(
    *, now: dt.datetime | None = None, retention_days: int = SIGNUP_RETENTION_DAYS
) -> int:
    """Blank the free-text comments of questionnaires ``retention_days`` after their course
    (the 実施報告 is in by then; a comment may name someone). The choices stay, as counts of
    the course. Returns the number of comments deleted."""
    now = now or timezone.now()
    return (
        QuestionnaireAnswer.objects.filter(
            course__ends_at__lte=now - dt.timedelta(days=retention_days)
        )
        .exclude(comment="")
        .update(comment="")
    )


# --- Day-before reminders ----------------------------------------------------------------------


@transaction.atomic
def course_reminders_send(*, today: dt.date | None = None) -> int:
    """Mail every confirmed sign-up that left an email the day before its course (once: the
    sign-up records when, so a second run the same day sends nothing). Returns how many."""
    tomorrow = (today or tokyo_date()) + dt.timedelta(days=1)
    due = list(
        CourseSignup.objects.select_for_update(of=("self",))
        .select_related("course", "course__course")
        .filter(
            course__held_on=tomorrow,
            course__status=PlannedCourse.Status.SCHEDULED,
            status=CourseSignup.Status.CONFIRMED,
            reminded_at__isnull=True,
        )
        .exclude(email="")
    )
    now = timezone.now()
    for signup in due:
        signup.reminded_at = now
        signup.save(update_fields=["reminded_at"])
        _mail_signup(signup, "course_reminder")
    return len(due)


# --- At the course: paper counts and paper cards -----------------------------------------------


def _held_course(course: PlannedCourse, user) -> PlannedCourse:
    """``course`` locked, after checking that ``user`` may act on it."""
    course = _lock(course)
    _require_course_access(user, course.organiser)
    if course.is_cancelled:
        raise ValidationError(_("中止した講座です。"))
    return course


def report_is_final(course: PlannedCourse) -> bool:
    """Whether the course's 実施報告 is submitted or approved (its counts are no longer the
    organiser's to change, until it is returned)."""
    return course.report_id is not None and course.report.status != TrainingSession.Status.RETURNED


@transaction.atomic
def paper_attendance_save(*, course: PlannedCourse, counts: dict[str, int], user) -> None:
    """Record the attendees without a phone, per attendee type (紙で受付), by the course's
    organiser or an administrator of its area. A count cannot go below the paper cards
    already printed for that type, nor change once the 実施報告 is submitted (until it is
    returned)."""
    course = _held_course(course, user)
    if report_is_final(course):
        raise ValidationError(
            _("実施報告を提出した講座の人数は変更できません（差し戻されると変更できます）。")
        )
    printed = _printed_cards(course)
    errors = {}
    for attendee_type, count in counts.items():
        if attendee_type not in AttendeeType.values:
            raise ValidationError(_("受講者区分が正しくありません。"))
        if count is None or count < 0 or count > MAX_CAPACITY:
            errors[attendee_type] = _("人数は 0 から %(max)s までで入力してください。") % {
                "max": f"{MAX_CAPACITY:,}"
            }
        elif count < printed.get(attendee_type, 0):
            errors[attendee_type] = _(
                "すでに %(n)s 枚のカードを印刷しています。それより少なくはできません。"
            ) % {"n": printed[attendee_type]}
    if errors:
        raise ValidationError(errors)
    for attendee_type, count in counts.items():
        PaperAttendance.objects.update_or_create(
            course=course,
            attendee_type=attendee_type,
            defaults={"count": count, "updated_by": user},
        )


def _printed_cards(course: PlannedCourse) -> dict[str, int]:
    rows = PaperCard.objects.filter(course=course).values_list("attendee_type")
    printed: dict[str, int] = {}
    for (attendee_type,) in rows:
        printed[attendee_type] = printed.get(attendee_type, 0) + 1
    return printed


def paper_cards_remaining(course: PlannedCourse) -> dict[str, int]:
    """Per attendee type, how many paper cards may still be printed (paper count − printed)."""
    printed = _printed_cards(course)
    return {
        row.attendee_type: row.count - printed.get(row.attendee_type, 0)
        for row in PaperAttendance.objects.filter(course=course)
        if row.count > printed.get(row.attendee_type, 0)
    }


@transaction.atomic
def paper_cards_issue(
    *, course: PlannedCourse, attendee_type: str, count: int, batch: uuid.UUID, user
) -> list[Certificate]:
    """Issue ``count`` supporter cards without names for attendees of ``course`` counted on
    paper as ``attendee_type``: at most the paper count not yet printed. ``batch`` is the print
    form's token: sent again (a double click), the same cards come back and none is added."""
    course = _held_course(course, user)
    earlier = list(
        PaperCard.objects.filter(course=course, batch=batch)
        .select_related("completion__certificate")
        .order_by("pk")
    )
    if earlier:
        return [card.completion.certificate for card in earlier]
    paper = (
        PaperAttendance.objects.select_for_update()
        .filter(course=course, attendee_type=attendee_type)
        .first()
    )
    remaining = (paper.count if paper else 0) - _printed_cards(course).get(attendee_type, 0)
    if remaining <= 0:
        raise ValidationError(
            {"count": _("この区分で紙で受付した人のカードは、すべて印刷済みです。")}
        )
    if count is None or count < 1 or count > remaining:
        raise ValidationError(
            {"count": _("枚数は 1 から %(n)s までで入力してください。") % {"n": remaining}}
        )
    certificates = []
    for _index in range(count):
        certificate = issue_card(course=course, attendee_type=attendee_type)
        PaperCard.objects.create(
            course=course,
            attendee_type=attendee_type,
            batch=batch,
            completion=certificate.completion,
        )
        certificates.append(certificate)
    return certificates


# --- 実施報告 from the course ------------------------------------------------------------------

# What the organiser fills in or corrects on the report form; the date, municipality and course
# are the plan's own and stay as planned.
REPORT_COUNT_FIELDS = tuple(ATTENDEE_COUNT_FIELDS.values())
REPORT_BREAKDOWN_FIELDS = (*AGE_BAND_FIELDS, *GENDER_FIELDS)
REPORT_FIELDS = (
    "organiser_type",
    "organiser_name",
    "instructor_name",
    "delivery",
    "venue",
    *REPORT_COUNT_FIELDS,
    *REPORT_BREAKDOWN_FIELDS,
    "questionnaire_responses",
    "questionnaire_positive",
    "questionnaire_summary",
)


def _report_scope(course: PlannedCourse, user) -> AreaScope:
    """The area the report is written in: the administrator's own, or — for the organiser,
    who holds no administrator scope — just the course's municipality, for this one write."""
    scope = scope_for_user(user)
    if scope is not None:
        return scope
    return AreaScope(level=AdminScope.Level.MUNICIPALITY, municipality_id=course.municipality_id)


@transaction.atomic
def course_report_submit(*, course: PlannedCourse, values: dict, user) -> TrainingSession:
    """File (or correct, or resubmit after 差し戻し) the 実施報告 of a course that has ended.

    Saved through ``reports.services.training_session_save`` — its validation, its refusal of
    an exact repeat and its tally bookkeeping — with the plan's date, municipality and course.
    Filed by the organiser it waits as 申請中 for the municipality's approver; the course's
    ``report`` is linked in the same transaction. An approved report is no longer changed here.
    """
    course = _held_course(course, user)
    if not course.has_ended:
        raise ValidationError(_("実施報告は講座の終了後に作成できます。"))
    session = course.report or TrainingSession()
    if session.pk and session.status == TrainingSession.Status.APPROVED:
        raise ValidationError(
            _("承認済みの実施報告は変更できません。市区町村の担当者に連絡してください。")
        )
    unknown = set(values) - set(REPORT_FIELDS)
    if unknown:
        raise ValidationError(_("実施報告に含められない項目があります。"))
    for name, value in values.items():
        setattr(session, name, value)
    session.held_on = course.held_on
    session.municipality = course.municipality
    session.course = course.course
    try:
        session = report_services.training_session_save(
            session=session, scope=_report_scope(course, user), user=user
        )
    except ValidationError as error:
        # A field the organiser does not edit (the plan's date) is named on the form's top.
        if hasattr(error, "error_dict"):
            raise ValidationError(
                {
                    (name if name in REPORT_FIELDS else "__all__"): messages
                    for name, messages in error.error_dict.items()
                }
            ) from error
        raise
    if course.report_id != session.pk:
        course.report = session
        course.save(update_fields=["report"])
    return session
