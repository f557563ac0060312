import pytest
from django.contrib.auth.models import Group, Permission

from certificates.models import Certificate, CertificateEvent
from courses import services as course_services
from organizations.models import AdminScope, Learner
from tests import factories


@pytest.fixture
def setup(db):
    osaka = factories.municipality("271004", "大阪市")
    sakai = factories.municipality("271403", "堺市")
    course = factories.course(lessons=1)
    lesson = factories.lessons_of(course)[0]
    certificates = {}
    for area in (osaka, sakai):
        learner = Learner.objects.create(municipality=area, display_name=f"{area.name}の人")
        course_services.enrollment_complete_lesson(learner=learner, lesson=lesson)
        certificates[area.code] = Certificate.objects.get(completion__learner=learner)
    user = factories.user()
    group = Group.objects.create(name="自治体管理者")
    for codename in ("access_admin", "view_certificate", "change_certificate"):
        group.permissions.add(Permission.objects.get(codename=codename))
    user.groups.add(group)
    AdminScope.objects.create(user=user, level="municipality", municipality=osaka)
    return user, certificates


def test_municipal_admin_lists_reissues_and_revokes_only_their_certificates(client, setup):
    user, certificates = setup
    own, other = certificates["271004"], certificates["271403"]
    client.force_login(user)
    html = client.get("/admin/certificate/").content.decode()
    assert own.serial in html and other.serial not in html
    # Wagtail answers a refused admin view by sending the user back to the dashboard.
    refused = (302, 403)
    assert client.get(f"/admin/certificate/edit/{other.pk}/").status_code in refused
    response = client.post(f"/admin/certificate/edit/{other.pk}/", {"name_printed": "x"})
    assert response.status_code in refused
    other.refresh_from_db()
    assert other.name_printed == "堺市の人" and other.version == 1

    response = client.post(f"/admin/certificate/edit/{own.pk}/", {"name_printed": "訂正 太郎"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.name_printed, own.version) == ("訂正 太郎", 2)
    event = CertificateEvent.objects.get(certificate=own, kind="reissued")
    assert event.user == user and event.detail["old_name"] == "大阪市の人"

    response = client.post(f"/admin/certificate/revoke/{own.pk}/", {"reason": ""})
    assert response.status_code == 200  # a reason is required
    assert "失効させる理由を入力してください。" in response.content.decode()
    client.post(
        f"/admin/certificate/revoke/{own.pk}/", {"reason": "重複して発行", "confirmed": "True"}
    )
    own.refresh_from_db()
    assert own.is_revoked and own.revoke_reason == "重複して発行"
    assert own.serial == Certificate.objects.get(pk=own.pk).serial


def test_nobody_adds_or_deletes_certificates_in_the_admin(client, setup):
    _user, certificates = setup
    admin = factories.user(is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get("/admin/certificate/new/").status_code in (302, 403)
    own = certificates["271004"]
    assert client.post(f"/admin/certificate/delete/{own.pk}/").status_code in (302, 403)
    assert Certificate.objects.count() == 2
