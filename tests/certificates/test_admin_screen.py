"""The administrator's certificate screen (issue #13, point 8): what the list and detail show,
revoking in two steps that say what becomes public, the PDF, and a history that lists every
issue, reissue and revocation with who and when — each only within the administrator's area."""

import importlib
import io
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from pypdf import PdfReader
from wagtail.models import ModelLogEntry

from certificates import services
from certificates.models import Certificate, CertificateEvent
from courses import services as course_services
from organizations.models import AdminScope, Learner
from tests import factories

REFUSED = (302, 403, 404)  # Wagtail sends a refused admin user back to the dashboard


def text(html: str) -> str:
    """The page as a reader sees it: tags dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def world(db):
    cache.clear()
    osaka = factories.municipality("271004", "大阪市")
    sakai = factories.municipality("271403", "堺市")
    course = factories.course(title="つながりサポーター養成講座", lessons=1)
    lesson = factories.lessons_of(course)[0]
    certificates = {}
    for area, name in ((osaka, "大阪 花子"), (sakai, "堺 太郎")):
        learner = Learner.objects.create(municipality=area, display_name=name)
        course_services.enrollment_complete_lesson(learner=learner, lesson=lesson)
        certificates[area.code] = Certificate.objects.get(completion__learner=learner)
    group = Group.objects.create(name="自治体管理者")
    for codename in ("access_admin", "view_certificate", "change_certificate"):
        group.permissions.add(Permission.objects.get(codename=codename))
    admins = {}
    for area in (osaka, sakai):
        user = factories.user(username=f"admin-{area.code}", first_name="管理", last_name=area.name)
        user.groups.add(group)
        AdminScope.objects.create(user=user, level="municipality", municipality=area)
        admins[area.code] = user
    return {"osaka": certificates["271004"], "sakai": certificates["271403"], **admins}


def test_the_list_shows_course_name_date_area_serial_status_and_pdf_of_own_area_only(client, world):
    own, other = world["osaka"], world["sakai"]
    services.certificate_revoke(certificate=other, reason="誤登録", user=world["271403"])
    client.force_login(world["271004"])
    page = text(client.get("/admin/certificate/").content.decode())
    for label in ("修了証番号", "氏名", "コース", "発行日", "市区町村", "状態", "PDF"):
        assert label in page
    issued = f"{own.issued_at.astimezone().year}年"
    assert own.serial in page and "大阪 花子" in page and "つながりサポーター養成講座" in page
    assert "大阪市" in page and "有効" in page and issued in page
    html = client.get("/admin/certificate/").content.decode()
    assert f"/admin/certificate/pdf/{own.pk}/" in html
    # Nothing of the other municipality's certificate.
    assert other.serial not in page and "堺 太郎" not in page and "失効（" not in page
    assert f"/admin/certificate/pdf/{other.pk}/" not in html

    client.force_login(world["271403"])
    page = text(client.get("/admin/certificate/").content.decode())
    assert other.serial in page and "失効（" in page and own.serial not in page


def test_the_detail_screen_shows_everything_and_only_for_the_own_area(client, world):
    own, other = world["osaka"], world["sakai"]
    client.force_login(world["271004"])
    response = client.get(f"/admin/certificate/inspect/{own.pk}/")
    assert response.status_code == 200
    page = text(response.content.decode())
    for expected in (own.serial, "大阪 花子", "つながりサポーター養成講座", "大阪市", "有効"):
        assert expected in page
    html = response.content.decode()
    assert f"/admin/certificate/pdf/{own.pk}/" in html
    assert f"/admin/certificate/revoke/{own.pk}/" in html  # the way to revoke starts here
    assert client.get(f"/admin/certificate/inspect/{other.pk}/").status_code in REFUSED


def test_the_pdf_link_serves_the_certificate_only_within_the_area(client, world):
    own, other = world["osaka"], world["sakai"]
    assert client.get(f"/admin/certificate/pdf/{own.pk}/").status_code == 302  # to login
    client.force_login(world["271004"])
    response = client.get(f"/admin/certificate/pdf/{own.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    printed = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert own.serial in printed.replace(" ", "")
    assert client.get(f"/admin/certificate/pdf/{other.pk}/").status_code == 404


def test_revoking_takes_two_steps_and_says_what_becomes_public(client, world):
    own = world["osaka"]
    client.force_login(world["271004"])
    url = f"/admin/certificate/revoke/{own.pk}/"

    first = text(client.get(url).content.decode())
    assert "確認ページ（公開）に「失効」と失効日が表示され" in first
    assert "失効の理由は公開されません" in first
    assert own.serial in first and "大阪 花子" in first

    # Step 1: the reason. Nothing is revoked yet; the confirmation repeats what goes public.
    response = client.post(url, {"reason": "重複して発行したため"})
    assert response.status_code == 200
    confirm = text(response.content.decode())
    assert "よろしいですか" in confirm and "重複して発行したため" in confirm
    assert "「失効」と失効日" in confirm and "失効の理由は公開されません" in confirm
    own.refresh_from_db()
    assert not own.is_revoked

    # Step 2: confirmed.
    response = client.post(url, {"reason": "重複して発行したため", "confirmed": "True"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.is_revoked and own.revoke_reason == "重複して発行したため"

    # What the form promised: the public page shows 失効 and the date, never the reason.
    verify = text(client.get(f"/certificates/verify/{own.code}/").content.decode())
    assert "失効" in verify and f"{own.revoked_at.astimezone().year}年" in verify
    assert "重複して発行したため" not in verify

    # A revoked certificate offers no second revocation.
    assert client.get(url).status_code == 302


def test_revoking_another_areas_certificate_is_refused(client, world):
    other = world["sakai"]
    client.force_login(world["271004"])
    url = f"/admin/certificate/revoke/{other.pk}/"
    assert client.get(url).status_code in REFUSED
    response = client.post(url, {"reason": "いたずら", "confirmed": "True"})
    assert response.status_code in REFUSED
    other.refresh_from_db()
    assert not other.is_revoked


def test_the_edit_form_says_what_becomes_public_on_reissue(client, world):
    client.force_login(world["271004"])
    page = text(client.get(f"/admin/certificate/edit/{world['osaka'].pk}/").content.decode())
    assert "確認ページ（公開）と PDF には訂正後の氏名が表示されます" in page
    assert "修了証番号と確認コードは変わらず" in page


def test_the_history_lists_issue_reissue_and_revocation_with_who_and_when(client, world):
    own, other = world["osaka"], world["sakai"]
    admin = world["271004"]
    client.force_login(admin)
    client.post(f"/admin/certificate/edit/{own.pk}/", {"name_printed": "大阪 華子"})
    client.post(
        f"/admin/certificate/revoke/{own.pk}/", {"reason": "誤って発行", "confirmed": "True"}
    )
    response = client.get(f"/admin/certificate/history/{own.pk}/")
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "修了証を発行しました" in page
    assert "氏名を訂正して第2版を発行しました" in page
    assert "失効させました" in page
    assert admin.get_full_name() in page or admin.get_username() in page
    assert "記録がありません" not in page and "No log entries" not in page
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(own.pk))
        .order_by("timestamp", "pk")
        .values_list("action", "user_id")
    )
    assert actions == [
        ("tsunagari.certificate.issue", None),
        ("tsunagari.certificate.reissue", admin.pk),
        ("tsunagari.certificate.revoke", admin.pk),
    ]
    # Neither names nor the internal reason are copied into the shared log.
    data = str(list(ModelLogEntry.objects.values_list("data", flat=True)))
    assert "大阪" not in data and "誤って発行" not in data
    # The other area's history stays closed.
    assert client.get(f"/admin/certificate/history/{other.pk}/").status_code in REFUSED
    results = client.get(f"/admin/certificate/history-results/{other.pk}/")
    assert results.status_code in REFUSED


def test_events_from_before_the_log_are_copied_into_the_history(world):
    own = world["osaka"]
    ModelLogEntry.objects.all().delete()  # as before this version: events only
    CertificateEvent.objects.create(
        certificate=own,
        kind="reissued",
        user=world["271004"],
        detail={"old_name": "x", "new_name": "y", "version": 2},
    )
    migration = importlib.import_module(
        "certificates.migrations.0005_certificate_history_log_entries"
    )
    migration.log_past_events(apps, None)
    migration.log_past_events(apps, None)  # running twice adds nothing
    entries = ModelLogEntry.objects.filter(object_id=str(own.pk)).order_by("timestamp", "pk")
    assert [(e.action, e.user_id, e.data) for e in entries] == [
        ("tsunagari.certificate.issue", None, {}),
        ("tsunagari.certificate.reissue", world["271004"].pk, {"version": 2}),
    ]


def test_the_list_filters_by_status_in_japanese(client, world):
    admin = world["271004"]
    own = world["osaka"]
    client.force_login(admin)
    page = text(client.get("/admin/certificate/").content.decode())
    assert "年度" in page and "コース" in page and "Course code" not in page
    valid = text(client.get("/admin/certificate/?status=valid").content.decode())
    assert own.serial in valid
    services.certificate_revoke(certificate=own, reason="誤登録", user=admin)
    assert own.serial not in text(client.get("/admin/certificate/?status=valid").content.decode())
    revoked = text(client.get("/admin/certificate/?status=revoked").content.decode())
    assert own.serial in revoked and "失効（" in revoked


def test_a_department_manager_sees_only_their_departments_staff(client, world):
    from organizations.models import Department

    osaka = world["osaka"].completion.municipality
    welfare = Department.objects.create(municipality=osaka, name="福祉課")
    parks = Department.objects.create(municipality=osaka, name="公園課")
    course = world["osaka"].completion.course
    lesson = factories.lessons_of(course)[0]
    certificates = {}
    for department, name in ((welfare, "福祉 一郎"), (parks, "公園 次郎")):
        learner = Learner.objects.create(
            municipality=osaka, department=department, display_name=name
        )
        course_services.enrollment_complete_lesson(learner=learner, lesson=lesson)
        certificates[department.name] = Certificate.objects.get(completion__learner=learner)
    manager = factories.user()
    manager.groups.add(Group.objects.get(name="自治体管理者"))
    AdminScope.objects.create(
        user=manager, level="department", municipality=osaka, department=welfare
    )
    client.force_login(manager)
    page = text(client.get("/admin/certificate/").content.decode())
    assert certificates["福祉課"].serial in page
    assert certificates["公園課"].serial not in page and world["osaka"].serial not in page
    other = certificates["公園課"].pk
    assert client.get(f"/admin/certificate/inspect/{other}/").status_code in REFUSED
    assert client.get(f"/admin/certificate/pdf/{other}/").status_code == 404
