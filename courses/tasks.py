"""Reminder emails of mandatory staff training, sent by background tasks (Django's task API).

``python manage.py send_training_reminders`` (run daily by cron or a scheduler) queues both
tasks. What is sent (settings in README, "Mandatory staff training"):

- to the staff member, ``TRAINING_REMINDER_DAYS_BEFORE`` days before the due date, and once
  the due date has passed (Asia/Tokyo);
- to the department managers (管理監督者) of a person still not finished
  ``TRAINING_MANAGER_ESCALATION_DAYS`` days after the due date;
- to each department manager, a weekly summary of their department (from
  ``TRAINING_WEEKLY_SUMMARY_WEEKDAY``, 0 = Monday).

Never to people who completed or left, and once per person and kind (per manager and week
for summaries): each reminder is claimed in ``TrainingReminder`` just before it is sent and
marked sent just after (``courses.services.reminders``: this module writes nothing itself).
A re-run after a crash therefore sends nobody a second email, and loses nobody: a failed send
gives its claim back at once, and a claim left by a run that died is taken over after a few
minutes (``RECLAIM_AFTER``), at most ``MAX_ATTEMPTS`` tries in all.
"""

import datetime as dt
import hashlib
import smtplib
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from base.dates import tokyo_date
from organizations.models import AdminScope, Department, StaffMember
from organizations.scopes import scope_for_user

from .queries import assignments_in_scope, department_figures, not_completed
from .records import StaffAssignee, TrainingReminder
from .services.reminders import (
    message_id,
    settled_reminders,
    training_reminder_claim,
    training_reminders_mark_sent,
    training_reminders_release,
)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _site_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _open_assignees(today: dt.date):
    """Assigned, active, not completed, started — the only people reminders are about."""
    return StaffAssignee.objects.filter(
        completed_at__isnull=True,
        staff_member__status=StaffMember.Status.ACTIVE,
        assignment__starts_on__lte=today,
    ).select_related("assignment__course", "staff_member__department")


class _Outbox:
    """One mail connection for a run. Each message is sent right after its reminders are
    claimed; a refused recipient gives the claims back and the run goes on, any other failure
    (the mail server gone) gives them back and stops the run, to be tried again later."""

    def __init__(self):
        self.connection = get_connection()
        self.sent = 0

    def send(self, reminders: list[TrainingReminder], message: EmailMessage) -> None:
        ids = [reminder.pk for reminder in reminders]
        recipient = hashlib.sha256(message.to[0].encode()).hexdigest()[:12]
        message.extra_headers["Message-ID"] = message_id(reminders[0], f"{recipient}.{DNS_NAME}")
        message.connection = self.connection
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused:
            training_reminders_release(reminder_ids=ids)
            return
        except Exception:
            training_reminders_release(reminder_ids=ids)
            raise
        training_reminders_mark_sent(reminder_ids=ids)
        self.sent += 1


def _without_settled(queryset, kind: str):
    """Assignees that have no settled reminder of ``kind`` (sent, in flight or given up)."""
    settled = TrainingReminder.objects.filter(assignee=OuterRef("pk"), kind=kind).filter(
        settled_reminders()
    )
    return queryset.filter(~Exists(settled))


def _person_message(kind: str, row: StaffAssignee, today: dt.date) -> EmailMessage:
    context = {
        "kind": kind,
        "staff": row.staff_member,
        "course": row.assignment.course,
        "due_on": row.assignment.due_on,
        "days_left": (row.assignment.due_on - today).days,
        "course_url": _site_url(row.assignment.course.url or "/"),
        "my_url": _site_url(reverse("my-learning")),
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    subject = render_to_string("courses/email/reminder_subject.txt", context).strip()
    body = render_to_string("courses/email/reminder.txt", context)
    return EmailMessage(subject, body, to=[row.staff_member.email])


def _managers_by_department(department_ids) -> dict[int, list]:
    """The managers who see each unit: those of the unit and of every unit above it."""
    ancestors = {
        pk: [int(part) for part in path.strip("/").split("/") if part]
        for pk, path in Department.objects.filter(pk__in=department_ids).values_list("pk", "path")
    }
    by_unit = defaultdict(list)
    scopes = AdminScope.objects.filter(
        level=AdminScope.Level.DEPARTMENT,
        department_id__in={a for ids in ancestors.values() for a in ids},
        user__is_active=True,
    ).select_related("user")
    for scope in scopes:
        if scope.user.email:
            by_unit[scope.department_id].append(scope.user)
    managers = defaultdict(list)
    for pk, ids in ancestors.items():
        for unit in ids:
            managers[pk].extend(user for user in by_unit[unit] if user not in managers[pk])
    return managers


@task()
def send_training_reminders(today: str | None = None) -> dict:
    """Send the due-soon, overdue and manager reminders that are due today (ISO date, Tokyo
    time when omitted). Returns how many of each kind were sent."""
    today = dt.date.fromisoformat(today) if today else tokyo_date()
    days_before = _setting("TRAINING_REMINDER_DAYS_BEFORE", 7)
    escalation = _setting("TRAINING_MANAGER_ESCALATION_DAYS", 7)
    Kind = TrainingReminder.Kind
    sent = {}

    rows = _open_assignees(today).filter(staff_member__email__gt="")
    due_soon = rows.filter(
        assignment__due_on__gte=today,
        assignment__due_on__lte=today + dt.timedelta(days=days_before),
    )
    overdue = rows.filter(assignment__due_on__lt=today)
    for kind, queryset in ((Kind.DUE_SOON, due_soon), (Kind.OVERDUE, overdue)):
        outbox = _Outbox()
        for row in _without_settled(queryset, kind).iterator(chunk_size=500):
            reminder = training_reminder_claim(kind=kind, assignee=row)
            if reminder is not None:
                outbox.send([reminder], _person_message(kind, row, today))
        sent[kind] = outbox.sent

    # Escalation: one email per manager listing their people newly past the grace period.
    late = list(
        _without_settled(_open_assignees(today), Kind.MANAGER_OVERDUE)
        .filter(assignment__due_on__lt=today - dt.timedelta(days=escalation))
        .exclude(staff_member__department__isnull=True)
    )
    managers = _managers_by_department({row.staff_member.department_id for row in late})
    per_manager = defaultdict(list)
    claims = {}
    for row in late:
        recipients = managers.get(row.staff_member.department_id)
        if not recipients:
            continue  # no manager to tell yet: try again on a later run
        reminder = training_reminder_claim(kind=Kind.MANAGER_OVERDUE, assignee=row)
        if reminder is None:
            continue
        for manager in recipients:
            per_manager[manager].append(row)
            claims.setdefault(manager, []).append(reminder)
    outbox = _Outbox()
    for manager, people in per_manager.items():
        context = {
            "manager": manager,
            "people": sorted(people, key=lambda r: (r.assignment.due_on, r.staff_member.name)),
            "escalation_days": escalation,
            "report_url": _site_url(reverse("staff_training_report")),
            "site_name": settings.WAGTAIL_SITE_NAME,
        }
        subject = render_to_string("courses/email/manager_overdue_subject.txt", context).strip()
        body = render_to_string("courses/email/manager_overdue.txt", context)
        outbox.send(claims[manager], EmailMessage(subject, body, to=[manager.email]))
    sent[Kind.MANAGER_OVERDUE] = outbox.sent
    return sent


@task()
def send_manager_weekly_summaries(today: str | None = None) -> int:
    """Send each department manager, once a week, the state of their department's open
    assignments and who has not finished. Returns how many summaries were sent."""
    today = dt.date.fromisoformat(today) if today else tokyo_date()
    if today.weekday() < _setting("TRAINING_WEEKLY_SUMMARY_WEEKDAY", 0):
        return 0
    week_of = today - dt.timedelta(days=today.weekday())
    scopes = AdminScope.objects.filter(
        level=AdminScope.Level.DEPARTMENT, user__is_active=True
    ).select_related("user", "department")
    outbox = _Outbox()
    for admin_scope in scopes:
        manager = admin_scope.user
        if not manager.email:
            continue
        scope = scope_for_user(manager)
        assignments = assignments_in_scope(scope).filter(
            starts_on__lte=today, due_on__gte=today - dt.timedelta(days=90)
        )
        sections = []
        for assignment in assignments:
            _departments, total = department_figures(assignment, scope, today=today)
            if total.assigned:
                pending = not_completed(assignment, scope, today=today)
                sections.append({"assignment": assignment, "total": total, "pending": pending})
        if not sections:
            continue
        reminder = training_reminder_claim(
            kind=TrainingReminder.Kind.WEEKLY_SUMMARY, recipient=manager, week_of=week_of
        )
        if reminder is None:
            continue
        context = {
            "manager": manager,
            "department": admin_scope.department,
            "sections": sections,
            "week_of": week_of,
            "report_url": _site_url(reverse("staff_training_report")),
            "site_name": settings.WAGTAIL_SITE_NAME,
        }
        subject = render_to_string("courses/email/weekly_summary_subject.txt", context).strip()
        body = render_to_string("courses/email/weekly_summary.txt", context)
        outbox.send([reminder], EmailMessage(subject, body, to=[manager.email]))
    return outbox.sent
