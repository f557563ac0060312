"""Attendee types as one enumeration: every count, column and fingerprint derives from
``AttendeeType``; reports stored under the old fingerprint scheme stay duplicates after the
migration to fingerprints by type name; a type without a count fails a system check."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from base.imports import read_dataset, run_import
from organizations.models import AttendeeType
from organizations.scopes import NATION
from reports.checks import attendee_count_problems
from reports.models import ATTENDEE_COUNT_FIELDS, TrainingSession, session_fingerprint
from reports.resources import TrainingSessionResource
from reports.services import SessionError, training_session_save
from tests import factories

migration = importlib.import_module("reports.migrations.0003_session_fingerprint_by_type_name")

HEADER = "開催日,市区町村コード,主催者の種別,主催者名,講座の種類,講師名,実施方法,会場,一般,行政職員"
ROW = "2025-05-10,271004,自治体,大阪市福祉局,一般向け,講師,対面,市民ホール,21,2"


@pytest.fixture
def osaka_session(db):
    osaka = factories.municipality()
    course = factories.course(audience="citizen", lessons=1)
    session = factories.training_session(
        course,
        municipality=osaka,
        held_on=dt.date(2025, 5, 10),
        organiser="大阪市福祉局",
        attendees_general=21,
        attendees_government=2,
    )
    # As stored before migration 0003: the fingerprint by column position.
    TrainingSession.objects.filter(pk=session.pk).update(
        fingerprint=migration.fingerprint_by_position(session)
    )
    return session


def the_same_report(session):
    return TrainingSession(
        held_on=session.held_on,
        municipality=session.municipality,
        organiser_type="company",
        organiser_name="  大阪市福祉局 ",
        course=session.course,
        instructor_name="別の講師",
        attendees_general=21,
        attendees_government=2,
    )


def test_a_report_stored_under_the_old_fingerprint_is_still_a_duplicate_after_the_migration(
    osaka_session,
):
    stored = TrainingSession.objects.get()
    assert stored.fingerprint != stored.compute_fingerprint()  # the old scheme, before

    migration.forwards(apps, None)

    stored.refresh_from_db()
    assert stored.fingerprint == stored.compute_fingerprint()
    with pytest.raises(SessionError, match="すでに登録"):
        training_session_save(session=the_same_report(osaka_session), scope=NATION)
    outcome = run_import(
        TrainingSessionResource(scope=NATION),
        read_dataset(SimpleUploadedFile("s.csv", f"{HEADER}\n{ROW}\n".encode())),
        dry_run=False,
    )
    assert ["すでに登録" in error.message for error in outcome.errors] == [True]
    assert TrainingSession.objects.count() == 1


def test_the_migration_backwards_restores_the_old_fingerprints(osaka_session):
    old = TrainingSession.objects.get().fingerprint
    migration.forwards(apps, None)
    migration.backwards(apps, None)
    assert TrainingSession.objects.get().fingerprint == old


def test_the_fingerprint_names_the_types_so_a_new_type_changes_no_stored_one():
    day = dt.date(2025, 5, 10)
    today = session_fingerprint(27100, day, "市民講座", {"general": 21, "npo": 3, "child": 0})
    with_a_new_type = session_fingerprint(27100, day, "市民講座", {"npo": 3, "general": 21, "x": 0})
    assert today == with_a_new_type
    # Keyed by the enum (demo data) or by its names (the model): the same fingerprint.
    by_enum = {AttendeeType.GENERAL: 21, AttendeeType.NPO: 3}
    assert session_fingerprint(27100, day, "市民講座", by_enum) == today
    assert today != session_fingerprint(27100, day, "市民講座", {"general": 3, "npo": 21})
    assert today != session_fingerprint(27100, day, "市民講座", {"general": 24})
    # An organiser's name cannot pass for counts: "|" ends the name only before the counts.
    assert session_fingerprint(1, day, "a|general=5", {"npo": 3}) != session_fingerprint(
        1, day, "a", {"general": 5, "npo": 3}
    )


def test_every_attendee_type_has_its_count_field_import_column_and_label():
    assert list(ATTENDEE_COUNT_FIELDS) == list(AttendeeType)
    with translation.override("en"):
        columns = {
            f.attribute: f.column_name
            for f in TrainingSessionResource(scope=NATION).fields.values()
        }
    for kind, name in ATTENDEE_COUNT_FIELDS.items():
        field = TrainingSession._meta.get_field(name)
        with translation.override("ja"):
            assert str(field.verbose_name) == str(kind.label)
            # The import header is the Japanese name, in whatever language the admin is.
            assert columns[name] == str(kind.label)


def test_the_system_check_names_a_type_without_a_count():
    assert attendee_count_problems(AttendeeType, ATTENDEE_COUNT_FIELDS, TrainingSession) == []
    missing = {k: v for k, v in ATTENDEE_COUNT_FIELDS.items() if k != AttendeeType.CHILD}
    errors = attendee_count_problems(AttendeeType, missing, TrainingSession)
    assert [(e.id, "'child'" in e.msg) for e in errors] == [("reports.E001", True)]
    not_a_count = {**ATTENDEE_COUNT_FIELDS, AttendeeType.NPO: "age_20s"}  # nullable
    errors = attendee_count_problems(AttendeeType, not_a_count, TrainingSession)
    assert [(e.id, "'npo'" in e.msg) for e in errors] == [("reports.E002", True)]


def test_the_supporter_audiences_are_the_courses_a_session_report_can_name(db):
    from courses.models import SUPPORTER_AUDIENCES, Audience
    from reports.resources import COURSE_WORDS

    assert set(COURSE_WORDS.options) == set(SUPPORTER_AUDIENCES) == {"citizen", "children"}
    courses = {audience: factories.course(audience=audience, lessons=1) for audience in Audience}
    assert [a for a, c in courses.items() if c.is_supporter_course] == SUPPORTER_AUDIENCES
    field = TrainingSession._meta.get_field("course")
    offered = set(
        field.related_model.objects.filter(**field.get_limit_choices_to()).values_list(
            "audience", flat=True
        )
    )
    assert offered == set(SUPPORTER_AUDIENCES)
