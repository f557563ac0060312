import io
import zipfile

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache

from certificates.exports import build_certificate_export, certificate_export_request
from certificates.models import Certificate, CertificateExport
from courses import services as course_services
from organizations.models import AdminScope, Learner
from tests import factories


@pytest.fixture
def two_cities(db):
    cache.clear()
    osaka = factories.municipality("271004", "大阪市")
    sakai = factories.municipality("271403", "堺市")
    course = factories.course(lessons=1)
    lesson = factories.lessons_of(course)[0]
    for area, count in ((osaka, 3), (sakai, 2)):
        for i in range(count):
            learner = Learner.objects.create(municipality=area, display_name=f"{area.name}{i}")
            course_services.enrollment_complete_lesson(learner=learner, lesson=lesson)
    user = factories.user()
    group = Group.objects.create(name="自治体管理者")
    for codename in ("access_admin", "add_certificateexport", "view_certificateexport"):
        group.permissions.add(Permission.objects.get(codename=codename))
    user.groups.add(group)
    AdminScope.objects.create(user=user, level="municipality", municipality=osaka)
    return user


def zip_names(export):
    with export.file.open("rb") as handle:
        return sorted(zipfile.ZipFile(io.BytesIO(handle.read())).namelist())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bulk_export_holds_the_areas_certificates_once_even_when_run_again(two_cities):
    export = certificate_export_request(user=two_cities)
    export.refresh_from_db()  # the immediate task backend ran it on commit
    assert export.status == "done" and (export.done, export.total) == (3, 3)
    expected = sorted(
        f"{serial}.pdf"
        for serial in Certificate.objects.filter(
            completion__municipality__code="271004"
        ).values_list("serial", flat=True)
    )
    assert zip_names(export) == expected
    # A crashed run is simply run again: the ZIP is rebuilt, nothing doubles.
    CertificateExport.objects.filter(pk=export.pk).update(status="running", done=1)
    build_certificate_export.call(export.pk)
    export.refresh_from_db()
    assert export.status == "done" and zip_names(export) == expected


def test_admin_requests_an_export_and_downloads_it(client, two_cities):
    client.force_login(two_cities)
    response = client.post("/admin/certificateexport/new/", {})
    assert response.status_code == 302
    export = CertificateExport.objects.get()
    html = client.get("/admin/certificateexport/").content.decode()
    assert f"/admin/certificate-exports/{export.pk}/download/" in html or "待機中" in html
    other = factories.user()
    client.force_login(other)
    assert client.get(f"/admin/certificate-exports/{export.pk}/download/").status_code in (
        302,
        403,
        404,
    )
