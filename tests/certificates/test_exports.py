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


def pdfs_in(export) -> dict[str, bytes]:
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.django_db
def test_bulk_export_reads_the_wording_once_per_export_not_per_certificate(
    two_cities, django_assert_max_num_queries
):
    from pypdf import PdfReader
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file
    from wagtail.models import Site

    from certificates.models import CertificateSettings, CourseCertificateOptions

    site_settings = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.issuer_name = "大阪市長"
    site_settings.logo = Image.objects.create(title="ロゴ", file=get_test_image_file())
    site_settings.save()
    welfare = factories.course(lessons=1)
    CourseCertificateOptions.objects.create(course=welfare, issuer_name="大阪市 福祉局長")
    lesson = factories.lessons_of(welfare)[0]
    osaka = Learner.objects.filter(municipality__code="271004").first().municipality
    for i in range(9):
        learner = Learner.objects.create(municipality=osaka, display_name=f"福祉{i}")
        course_services.enrollment_complete_lesson(learner=learner, lesson=lesson)
    export = CertificateExport.objects.create(requested_by=two_cities)
    cache.clear()
    # 12 certificates of 2 courses: 21 queries, of which the site, its settings, the logo and
    # the two courses' options are one read each; the task's own are ~16 (progress, saving
    # the ZIP, Wagtail's reference index). Reading the wording per certificate was 4 queries
    # a certificate (64 here).
    with django_assert_max_num_queries(24):
        assert build_certificate_export.call(export.pk) == 12
    export.refresh_from_db()
    pdfs = pdfs_in(export)
    assert len(pdfs) == 12
    issuers = sorted(
        "福祉局長" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace(" ", "")
        for pdf in pdfs.values()
    )
    assert issuers == [False] * 3 + [True] * 9  # each course's own wording
    assert all(b"/Image" in pdf for pdf in pdfs.values())  # the site's logo on every one
