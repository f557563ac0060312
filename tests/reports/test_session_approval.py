"""開催報告 approval: only approved reports count; approvers approve or return (with a reason)
within their area; possible duplicates wait for a look; the tallies move in the same
transaction and ``rebuild_tallies --verify`` agrees at every step."""

import datetime as dt
import importlib
import threading

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from django.urls import reverse
from wagtail.models import ModelLogEntry

from base.imports import read_dataset, run_import
from organizations.models import AdminScope
from organizations.scopes import NATION, AreaScope
from reports import tallies
from reports.figures import kpi_report
from reports.models import TrainingSession
from reports.resources import TrainingSessionResource
from reports.services import (
    SessionError,
    training_session_approve,
    training_session_save,
)
from tests import factories

pytestmark = pytest.mark.django_db

migration = importlib.import_module("reports.migrations.0004_session_approval")

CLERK_PERMISSIONS = [
    "access_admin",
    "add_trainingsession",
    "change_trainingsession",
    "view_trainingsession",
]


def osaka_in_person():
    return kpi_report(scope=NATION, fiscal_year=2025, municipality="271004").total.in_person


def user_with(django_user_model, username, municipality, *codenames):
    user = django_user_model.objects.create_user(username, password="pw-Secret-1")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    AdminScope.objects.create(user=user, level="municipality", municipality=municipality)
    return user


@pytest.fixture
def places(django_user_model):
    osaka = factories.municipality()
    tokyo = factories.prefecture("13", "東京都")
    shinjuku = factories.municipality(code="131041", name="新宿区", pref=tokyo, kind="special_ward")
    course = factories.course(audience="citizen", lessons=1)
    clerk = user_with(django_user_model, "osaka-clerk", osaka, *CLERK_PERMISSIONS)
    approver = user_with(
        django_user_model, "osaka-approver", osaka, *CLERK_PERMISSIONS, "approve_trainingsession"
    )
    shinjuku_approver = user_with(
        django_user_model,
        "shinjuku-approver",
        shinjuku,
        *CLERK_PERMISSIONS,
        "approve_trainingsession",
    )
    return {
        "osaka": osaka,
        "shinjuku": shinjuku,
        "course": course,
        "clerk": clerk,
        "approver": approver,
        "shinjuku_approver": shinjuku_approver,
    }


def report(places, *, organiser="大阪市 地域福祉課", general=18, user=None, **extra):
    session = TrainingSession(
        held_on=dt.date(2025, 5, 15),
        municipality=places["osaka"],
        organiser_type="municipality",
        organiser_name=organiser,
        course=places["course"],
        instructor_name="山田",
        attendees_general=general,
        attendees_government=2,
        **extra,
    )
    scope = AreaScope(level="municipality", municipality_id=places["osaka"].pk)
    return training_session_save(session=session, scope=scope, user=user)


def osaka_scope(places):
    return AreaScope(level="municipality", municipality_id=places["osaka"].pk)


def test_a_clerks_report_waits_until_an_approver_of_the_area_approves_it(client, places):
    session = report(places, user=places["clerk"])
    assert session.status == TrainingSession.Status.SUBMITTED
    assert osaka_in_person() == 0
    assert tallies.verify().ok

    # The dashboard shows it beside the figures, not in them.
    client.force_login(places["approver"])
    dashboard = client.get(reverse("kpi_dashboard"), {"fiscal_year": 2025}).content.decode()
    assert "申請中（未承認）の開催報告が 1 件、受講者 20 人あります" in dashboard
    listing = client.get(reverse("trainingsession:index"), {"status": "submitted"})
    assert "申請中" in listing.content.decode()

    review_url = reverse("trainingsession:review", args=[session.pk])
    page = client.get(review_url)
    assert page.status_code == 200 and "大阪市 地域福祉課" in page.content.decode()
    response = client.post(review_url, {"decision": "approve"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.APPROVED
    assert session.reviewed_by == places["approver"]
    assert osaka_in_person() == 20
    assert tallies.verify().ok
    assert ModelLogEntry.objects.filter(action="tsunagari.session.approve").count() == 1
    dashboard = client.get(reverse("kpi_dashboard"), {"fiscal_year": 2025}).content.decode()
    assert "申請中（未承認）" not in dashboard


def test_a_clerk_cannot_reach_the_approval_screen(client, places):
    session = report(places, user=places["clerk"])
    client.force_login(places["clerk"])
    response = client.post(
        reverse("trainingsession:review", args=[session.pk]), {"decision": "approve"}
    )
    assert response.status_code in (302, 403)
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.SUBMITTED and osaka_in_person() == 0


def test_another_municipalitys_approver_can_neither_see_nor_approve(client, places):
    session = report(places, user=places["clerk"])
    client.force_login(places["shinjuku_approver"])
    url = reverse("trainingsession:review", args=[session.pk])
    # Wagtail answers a refused admin view by sending the user back to the dashboard.
    page = client.get(url)
    assert page.status_code in (302, 403, 404) and "大阪市 地域福祉課" not in page.content.decode()
    assert client.post(url, {"decision": "approve"}).status_code in (302, 403, 404)
    shinjuku = AreaScope(level="municipality", municipality_id=places["shinjuku"].pk)
    with pytest.raises(SessionError):
        training_session_approve(session=session, scope=shinjuku, user=places["shinjuku_approver"])
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.SUBMITTED and osaka_in_person() == 0


def test_returning_needs_a_reason_and_takes_an_approved_report_out(client, places):
    session = report(places, user=places["approver"])
    assert session.status == TrainingSession.Status.APPROVED and osaka_in_person() == 20
    client.force_login(places["approver"])
    url = reverse("trainingsession:review", args=[session.pk])
    response = client.post(url, {"decision": "return", "comment": "  "})
    assert response.status_code == 200
    assert "差し戻しの理由を書いてください" in response.content.decode()
    assert osaka_in_person() == 20

    response = client.post(url, {"decision": "return", "comment": "受講者数が名簿と合いません"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.RETURNED
    assert session.review_comment == "受講者数が名簿と合いません"
    assert osaka_in_person() == 0
    assert tallies.verify().ok
    history = client.get(reverse("trainingsession:history", args=[session.pk])).content.decode()
    assert "受講者数が名簿と合いません" in history

    # Corrected by the clerk, it is submitted again; approved, it counts with the new figure.
    session.attendees_general = 17
    session = training_session_save(
        session=session, scope=osaka_scope(places), user=places["clerk"]
    )
    assert session.status == TrainingSession.Status.SUBMITTED and osaka_in_person() == 0
    training_session_approve(session=session, scope=osaka_scope(places), user=places["approver"])
    assert osaka_in_person() == 19
    assert tallies.verify().ok


def test_a_clerks_correction_of_an_approved_report_waits_for_approval_again(places):
    session = report(places, user=places["approver"])
    session.attendees_general = 48
    session = training_session_save(
        session=session, scope=osaka_scope(places), user=places["clerk"]
    )
    assert session.status == TrainingSession.Status.SUBMITTED
    assert osaka_in_person() == 0
    assert tallies.verify().ok


def test_a_possible_duplicate_is_approved_only_after_the_approver_looked(client, places):
    first = report(places, user=places["approver"], organiser="大阪市地域福祉課（講座担当）")
    second = report(places, user=places["approver"], general=19)
    # Same course, municipality and day: held for a look although an approver saved it.
    assert first.status == TrainingSession.Status.APPROVED
    assert second.status == TrainingSession.Status.SUBMITTED
    assert osaka_in_person() == 20

    client.force_login(places["approver"])
    url = reverse("trainingsession:review", args=[second.pk])
    page = client.get(url).content.decode()
    assert "重複の可能性" in page and "大阪市地域福祉課（講座担当）" in page
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 200
    assert "重複でないことを確かめてから承認してください" in response.content.decode()
    assert osaka_in_person() == 20

    response = client.post(url, {"decision": "approve", "not_duplicate": "on"})
    assert response.status_code == 302
    assert osaka_in_person() == 41
    assert tallies.verify().ok


def import_file(places, user, *rows):
    header = "開催日,市区町村コード,主催者の種別,主催者名,講座の種類,講師名,実施方法,会場,一般"
    text = "\n".join([header, *rows]) + "\n"
    dataset = read_dataset(SimpleUploadedFile("s.csv", text.encode()))
    resource = TrainingSessionResource(scope=osaka_scope(places), user=user)
    return run_import(resource, dataset, dry_run=False)


def test_an_imported_row_that_meets_an_existing_report_waits_as_submitted(places):
    report(places, user=places["approver"])  # the organiser's report, already approved
    outcome = import_file(
        places,
        places["approver"],
        "2025-05-15,271004,自治体,大阪市（地域福祉課）,一般向け,山田,対面,,20",
        "2025-05-16,271004,自治体,大阪市（地域福祉課）,一般向け,山田,対面,,12",
        "2025-05-16,271004,企業,大阪商事,一般向け,佐藤,対面,,8",
    )
    assert outcome.is_valid, outcome.errors
    held = TrainingSession.objects.get(
        held_on=dt.date(2025, 5, 15),
        organiser_type="municipality",
        organiser_name="大阪市（地域福祉課）",
    )
    assert held.status == TrainingSession.Status.SUBMITTED
    # The two rows of the 16th are two courses of one day in one file: both count.
    assert osaka_in_person() == 20 + 12 + 8
    assert any("重複の可能性" in str(title) for title, _lines in outcome.details)
    assert tallies.verify().ok


def test_a_clerks_import_waits_whole_for_approval(places):
    outcome = import_file(
        places, places["clerk"], "2025-05-16,271004,自治体,大阪市,一般向け,山田,対面,,12"
    )
    assert outcome.is_valid, outcome.errors
    assert TrainingSession.objects.get().status == TrainingSession.Status.SUBMITTED
    assert osaka_in_person() == 0
    assert tallies.verify().ok
    tallies.rebuild()
    assert osaka_in_person() == 0


def test_the_migration_keeps_stored_reports_counted_and_gives_correctors_the_approval(places):
    session = report(places, user=places["approver"])
    group = Group.objects.create(name="自治体管理者")
    group.permissions.add(Permission.objects.get(codename="change_trainingsession"))
    other = Group.objects.create(name="閲覧のみ")
    other.permissions.add(Permission.objects.get(codename="view_trainingsession"))
    migration.grant_approval_to_correctors(apps, None)
    assert group.permissions.filter(codename="approve_trainingsession").exists()
    assert not other.permissions.filter(codename="approve_trainingsession").exists()
    field = next(
        op.field
        for op in migration.Migration.operations
        if getattr(op, "name", "") == "status" and type(op).__name__ == "AddField"
    )
    assert field.default == "approved"  # rows stored before the migration stay counted
    session.refresh_from_db()
    assert session.is_counted


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvers_approving_at_once_count_the_report_once(postgres_only, places):
    session = report(places, user=places["clerk"])
    barrier = threading.Barrier(2)
    outcomes = []

    def approve():
        try:
            barrier.wait(timeout=10)
            training_session_approve(
                session=session, scope=osaka_scope(places), user=places["approver"]
            )
            outcomes.append("approved")
        except SessionError:
            outcomes.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]
    assert osaka_in_person() == 20
    assert tallies.verify().ok
