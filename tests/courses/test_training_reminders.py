"""Reminder emails of staff training: when, to whom, and never twice."""

import datetime as dt
import io
import smtplib
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from courses.models import TrainingReminder
from courses.services.reminders import MAX_ATTEMPTS, RECLAIM_AFTER
from courses.tasks import send_manager_weekly_summaries, send_training_reminders
from organizations.models import Department
from tests import factories

from .staff_helpers import assign, complete, roster, scoped_user, staff_course

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def world(db, settings):
    settings.TRAINING_REMINDER_DAYS_BEFORE = 7
    settings.TRAINING_MANAGER_ESCALATION_DAYS = 7
    settings.TRAINING_WEEKLY_SUMMARY_WEEKDAY = 0
    osaka = factories.municipality("271004", "大阪市")
    staff = roster(
        osaka,
        [
            ("1001", "福祉 一郎", "福祉局"),
            ("1002", "福祉 二郎", "福祉局"),
            ("1003", "福祉 三郎", "福祉局"),
        ],
    )
    course = staff_course()
    assignment = assign(osaka, course, starts_on=dt.date(2025, 6, 1), due_on=dt.date(2025, 6, 30))
    welfare = Department.objects.get(name="福祉局")
    manager = scoped_user("department", municipality=osaka, department=welfare)
    return {
        "osaka": osaka,
        "staff": staff,
        "course": course,
        "assignment": assignment,
        "manager": manager,
    }


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_reminder_before_the_due_date_to_those_not_finished(world):
    complete(world["staff"]["1001"], world["course"], at=dt.datetime(2025, 6, 20, 9, tzinfo=TOKYO))
    send_training_reminders.enqueue("2025-06-22")  # 8 days before: too early
    assert mail.outbox == []
    send_training_reminders.enqueue("2025-06-23")
    assert recipients() == ["1002@example.jp", "1003@example.jp"]
    assert "受講期限" in mail.outbox[0].subject
    assert "2025年6月30日" in mail.outbox[0].body


def test_running_twice_sends_one_email_each(world):
    send_training_reminders.enqueue("2025-06-25")
    send_training_reminders.enqueue("2025-06-25")
    assert recipients() == ["1001@example.jp", "1002@example.jp", "1003@example.jp"]
    # The daily command queues the reminders and the manager's weekly summary, once each.
    call_command("send_training_reminders", "--date", "2025-06-26", stdout=io.StringIO())
    call_command("send_training_reminders", "--date", "2025-06-26", stdout=io.StringIO())
    assert recipients() == [
        "1001@example.jp",
        "1002@example.jp",
        "1003@example.jp",
        "department@example.jp",
    ]
    assert TrainingReminder.objects.filter(sent_at__isnull=False).count() == 4


def test_overdue_reminder_once_then_manager_after_the_grace_period(world):
    roster(world["osaka"], [("1001", "福祉 一郎", "福祉局"), ("1002", "福祉 二郎", "福祉局")])
    send_training_reminders.enqueue("2025-07-01")
    overdue = [m for m in mail.outbox if "期限超過" in m.subject]
    # 1003 left: never reminded.
    assert sorted(m.to[0] for m in overdue) == ["1001@example.jp", "1002@example.jp"]
    mail.outbox.clear()
    send_training_reminders.enqueue("2025-07-07")  # 7 days after: not yet the manager
    assert mail.outbox == []
    send_training_reminders.enqueue("2025-07-08")
    assert recipients() == ["department@example.jp"]
    assert "福祉 一郎" in mail.outbox[0].body and "福祉 三郎" not in mail.outbox[0].body
    mail.outbox.clear()
    send_training_reminders.enqueue("2025-07-09")
    assert mail.outbox == []


def test_weekly_summary_to_each_manager_once_a_week(world):
    complete(world["staff"]["1001"], world["course"], at=dt.datetime(2025, 6, 20, 9, tzinfo=TOKYO))
    send_manager_weekly_summaries.enqueue("2025-06-23")  # a Monday
    send_manager_weekly_summaries.enqueue("2025-06-24")
    assert recipients() == ["department@example.jp"]
    body = mail.outbox[0].body
    assert "受講率 33.3%（1 / 3 人）" in body
    assert "福祉 二郎" in body and "福祉 一郎" not in body
    send_manager_weekly_summaries.enqueue("2025-06-30")  # the next week
    assert len(mail.outbox) == 2


def test_a_claim_left_by_a_dead_run_is_sent_later_and_a_live_one_is_not(world):
    """A run killed between claiming and sending leaves claims without ``sent_at``: a later
    run sends them once they are older than RECLAIM_AFTER (the same Message-ID each time),
    leaves alone a claim that may still be in flight, and gives up after MAX_ATTEMPTS."""
    staff = world["staff"]
    assignees = {
        number: staff[number].assignments.get(assignment=world["assignment"])
        for number in ("1001", "1002", "1003")
    }
    now = timezone.now()
    overdue = TrainingReminder.Kind.OVERDUE
    dead = TrainingReminder.objects.create(
        kind=overdue, assignee=assignees["1001"], claimed_at=now - RECLAIM_AFTER * 2
    )
    TrainingReminder.objects.create(kind=overdue, assignee=assignees["1002"], claimed_at=now)
    TrainingReminder.objects.create(
        kind=overdue,
        assignee=assignees["1003"],
        claimed_at=now - RECLAIM_AFTER * 2,
        attempts=MAX_ATTEMPTS,
    )

    send_training_reminders.enqueue("2025-07-01")
    assert recipients() == ["1001@example.jp"]
    dead.refresh_from_db()
    assert dead.sent_at is not None and dead.attempts == 2
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<training-reminder-{dead.pk}@")

    send_training_reminders.enqueue("2025-07-02")
    assert recipients() == ["1001@example.jp"]  # the others: in flight, or given up


def test_a_refused_address_does_not_stop_the_others(world, monkeypatch):
    real_send = mail.EmailMessage.send

    def refuse_one(message, *args, **kwargs):
        if message.to == ["1002@example.jp"]:
            raise smtplib.SMTPRecipientsRefused({"1002@example.jp": (550, b"no such user")})
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", refuse_one)
    send_training_reminders.enqueue("2025-06-25")
    assert recipients() == ["1001@example.jp", "1003@example.jp"]
    refused = TrainingReminder.objects.get(assignee__staff_member__email="1002@example.jp")
    assert refused.sent_at is None  # given back: the next run tries again, up to MAX_ATTEMPTS


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_runs_at_the_same_time_send_each_reminder_once(world, postgres_only):
    """Six runs at once (a cron run, the queue's retry, an operator) over three fresh people
    and three claims left by a dead run: each person gets exactly one e-mail (PostgreSQL: the
    unique constraint settles new claims, a conditional UPDATE the taking over of old ones)."""
    people = [("1001", "福祉 一郎", "福祉局"), ("1002", "福祉 二郎", "福祉局")]
    people += [("1003", "福祉 三郎", "福祉局")]
    staff = roster(
        world["osaka"], people + [(f"{2000 + i}", f"職員 {i}", "福祉局") for i in range(3)]
    )
    newcomers = [staff[f"{2000 + i}"] for i in range(3)]
    assign(world["osaka"], staff_course(), target="people", people=newcomers)
    stale = timezone.now() - RECLAIM_AFTER * 2
    for number in ("1001", "1002", "1003"):
        TrainingReminder.objects.create(
            kind=TrainingReminder.Kind.OVERDUE,
            assignee=world["staff"][number].assignments.get(assignment=world["assignment"]),
            claimed_at=stale,
        )
    barrier = threading.Barrier(6)
    errors = []

    def run():
        try:
            barrier.wait()
            send_training_reminders.call("2025-07-01")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    overdue = [m.to[0] for m in mail.outbox if "期限" in m.subject]
    assert sorted(overdue) == sorted(set(overdue)) and len(overdue) == 6
