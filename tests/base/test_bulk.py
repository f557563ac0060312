"""Rows written by ``base.bulk`` read back exactly as the ORM would have written them."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from base.bulk import execute_rows, insert_instances, insert_rows
from organizations.models import AttendeeType, Learner
from reports.models import TrainingSession
from tests import factories

pytestmark = pytest.mark.django_db


def test_rows_get_their_defaults_a_fresh_uuid_each_and_the_time_of_the_insert():
    osaka = factories.municipality()
    users = [factories.user(username=f"u{i}") for i in range(3)]
    before = timezone.now()
    count = insert_rows(
        Learner,
        ["user_id", "municipality_id", "attendee_type"],
        [(user.pk, osaka.pk, AttendeeType.GOVERNMENT) for user in users],
    )
    assert count == 3
    learners = list(Learner.objects.filter(user__in=users))
    assert {learner.user_id for learner in learners} == {user.pk for user in users}
    assert len({learner.public_id for learner in learners}) == 3
    for learner in learners:
        assert learner.municipality == osaka
        assert learner.attendee_type == AttendeeType.GOVERNMENT
        assert learner.display_name == ""
        assert learner.token_hash is None
        assert learner.department is None
        assert before <= learner.created_at <= timezone.now()
        assert learner.last_seen_at == learner.created_at


def test_more_rows_than_a_statement_or_a_batch_takes_are_all_written():
    # 2,345 rows: several batches of 1,000, each many statements, and a shorter last one.
    password = "!unusable"
    now = timezone.now()
    count = insert_rows(
        get_user_model(),
        ["username", "email", "last_name", "password", "date_joined"],
        ((f"staff-{i}", f"s{i}@example.jp", "職員", password, now) for i in range(2345)),
        batch_size=1000,
    )
    assert count == 2345
    users = get_user_model().objects.filter(username__startswith="staff-")
    assert users.count() == 2345
    last = users.get(username="staff-2344")
    assert (last.email, last.last_name, last.is_active, last.is_staff) == (
        "s2344@example.jp",
        "職員",
        True,
        False,
    )
    assert not last.has_usable_password()
    assert last.date_joined == now


def test_instances_are_written_with_dates_foreign_keys_and_choices_as_the_orm_would():
    osaka = factories.municipality()
    course = factories.course(audience="citizen", lessons=1)
    sessions = [
        TrainingSession(
            held_on=dt.date(2025, 5, day),
            municipality=osaka,
            organiser_type=TrainingSession.OrganiserType.NPO,
            organiser_name=f"講座 {day}",
            course=course,
            instructor_name="講師",
            attendees_general=day,
            age_20s=None if day % 2 else day,
            fiscal_year=2025,
            fingerprint=f"fp-{day}",
        )
        for day in range(1, 29)
    ]
    assert insert_instances(sessions) == 28
    assert sessions[0].created_at is not None  # set as save() would
    stored = {s.organiser_name: s for s in TrainingSession.objects.all()}
    assert len(stored) == 28
    tenth = stored["講座 10"]
    assert tenth.held_on == dt.date(2025, 5, 10)
    assert tenth.municipality == osaka and tenth.course_id == course.pk
    assert tenth.organiser_type == TrainingSession.OrganiserType.NPO
    assert (tenth.attendees_general, tenth.age_20s, stored["講座 11"].age_20s) == (10, 10, None)
    assert tenth.venue == "" and tenth.created_by is None
    assert tenth.created_at == sessions[0].created_at == tenth.updated_at


def test_execute_rows_sends_every_row_whatever_the_count(django_assert_max_num_queries):
    from django.db import connection

    table = connection.ops.quote_name(get_user_model()._meta.db_table)
    joined = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(f"raw-{i}", "", "", "", "!", False, False, True, joined) for i in range(250)]
    columns = (
        "username, first_name, last_name, email, password, is_superuser, is_staff, "
        "is_active, date_joined"
    )
    with django_assert_max_num_queries(2), connection.cursor() as cursor:
        execute_rows(cursor, f"INSERT INTO {table} ({columns})", rows)
    assert get_user_model().objects.filter(username__startswith="raw-").count() == 250
