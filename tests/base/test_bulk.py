"""Rows written by ``base.bulk`` read back exactly as the ORM would have written them, on
SQLite and PostgreSQL, by INSERT statements and by COPY; all or nothing."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from import_export.results import Result

from base.bulk import BATCH_SIZE, COPY_MIN_ROWS, execute_rows, insert_instances, insert_rows
from organizations.models import AttendeeType, Learner
from organizations.scopes import NATION
from reports.models import TrainingSession
from reports.resources import TrainingSessionResource
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


# --- both ways (COPY on PostgreSQL, INSERT statements), all or nothing -----------------------


TRICKY_TEXT = ["tab\there", "line\nbreak", "back\\slash", "\\N", "", "全角　空白", "'quote\""]


@pytest.mark.parametrize("count", [COPY_MIN_ROWS - 1, COPY_MIN_ROWS, 2 * BATCH_SIZE + 7])
def test_rows_arrive_exactly_either_way(count):
    """Below and from the COPY threshold (and across batches), every value reads back as it
    was given: text COPY would mangle if escaped wrongly, dates, times, choices, NULLs."""
    osaka = factories.municipality()
    get_user_model().objects.bulk_create(
        [get_user_model()(username=f"exact-{i}") for i in range(count)]
    )
    users = list(get_user_model().objects.filter(username__startswith="exact-").order_by("pk"))
    seen = dt.datetime(2025, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)
    rows = [
        (
            user.pk,
            osaka.pk,
            AttendeeType.SCHOOL if i % 2 else AttendeeType.GOVERNMENT,
            TRICKY_TEXT[i % len(TRICKY_TEXT)] + str(i),
            None if i % 3 else f"{i:064d}",
            seen + dt.timedelta(seconds=i),
        )
        for i, user in enumerate(users)
    ]
    fields = [
        "user_id",
        "municipality_id",
        "attendee_type",
        "display_name",
        "token_hash",
        "last_seen_at",
    ]
    assert insert_rows(Learner, fields, rows) == count
    stored = {learner.user_id: learner for learner in Learner.objects.filter(user__in=users)}
    assert len(stored) == count
    for user_id, municipality_id, attendee_type, name, token_hash, last_seen in rows:
        learner = stored[user_id]
        assert learner.municipality_id == municipality_id
        assert learner.attendee_type == attendee_type
        assert learner.display_name == name
        assert learner.token_hash == token_hash
        assert learner.last_seen_at == last_seen
    assert len({learner.public_id for learner in stored.values()}) == count


@pytest.mark.parametrize("count", [COPY_MIN_ROWS - 1, 3 * BATCH_SIZE])
def test_an_error_leaves_none_of_the_rows(count):
    """The last row repeats a login ID: Django's IntegrityError, whichever way the rows went,
    and nothing of the earlier rows (or batches) stays — nor of what the caller's transaction
    wrote before."""
    kept = factories.user(username="kept")
    rows = [(f"dup-{i}", "!") for i in range(count - 1)] + [("dup-0", "!")]
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.user(username="same-transaction")
        insert_rows(get_user_model(), ["username", "password"], rows)
    assert not get_user_model().objects.filter(username__startswith="dup-").exists()
    assert not get_user_model().objects.filter(username="same-transaction").exists()
    assert get_user_model().objects.get(username="kept") == kept


def test_a_generator_failing_half_way_writes_nothing():
    def rows():
        for i in range(BATCH_SIZE + 10):  # a first batch is sent before the failure
            yield (f"gen-{i}", "!")
        raise ValueError("the source broke")

    with pytest.raises(ValueError, match="the source broke"), transaction.atomic():
        insert_rows(get_user_model(), ["username", "password"], rows())
    assert not get_user_model().objects.filter(username__startswith="gen-").exists()


def test_an_import_batch_that_fails_is_reported_and_rolled_back():
    """django-import-export catches the error of a batch (``SpreadsheetResource.bulk_create``)
    and the import rolls back: its transaction must still be usable after the failure."""
    osaka = factories.municipality()
    course = factories.course(audience="citizen", lessons=1)
    resource = TrainingSessionResource(scope=NATION)
    made = [
        TrainingSession(
            held_on=dt.date(2025, 5, 1),
            municipality=osaka,
            organiser_name="講座",
            course=course,
            instructor_name="講師",
            fiscal_year=2025,
            fingerprint="same",  # unique: the second row fails
        )
        for _i in range(2)
    ]
    result = Result()
    with transaction.atomic():
        resource.create_instances = made
        resource.bulk_create(True, False, False, result=result)
        assert result.base_errors  # reported, as django-import-export reports it
        assert not TrainingSession.objects.exists()  # the transaction still answers


@pytest.fixture
def statements_on_users(postgres_only):
    """What PostgreSQL itself runs against the users' table: a statement trigger records the
    client's statement (``current_query()``) into a table; all of it is rolled back with the
    test."""
    table = connection.ops.quote_name(get_user_model()._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bulk_test_statements (query text)")
        cursor.execute(
            "CREATE FUNCTION bulk_test_log() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN INSERT INTO bulk_test_statements VALUES (current_query()); RETURN NULL; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER bulk_test_log AFTER INSERT ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bulk_test_log()"
        )

    def statements() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT query FROM bulk_test_statements")
            found = [row[0].split(" (")[0] for row in cursor.fetchall()]
            cursor.execute("DELETE FROM bulk_test_statements")
        return found

    return statements


def test_postgresql_gets_copy_from_the_threshold_and_insert_below(statements_on_users):
    table = get_user_model()._meta.db_table
    fields = ["username", "password"]
    insert_rows(get_user_model(), fields, [(f"few-{i}", "!") for i in range(COPY_MIN_ROWS - 1)])
    assert statements_on_users() == [f'INSERT INTO "{table}"']
    insert_rows(get_user_model(), fields, [(f"many-{i}", "!") for i in range(COPY_MIN_ROWS)])
    assert statements_on_users() == [f'COPY "{table}"']
    # However many batches, one COPY.
    big = ((f"big-{i}", "!") for i in range(2 * BATCH_SIZE + 1))
    assert insert_rows(get_user_model(), fields, big) == 2 * BATCH_SIZE + 1
    assert statements_on_users() == [f'COPY "{table}"']
    assert get_user_model().objects.filter(username__startswith="big-").count() == 4001
