"""Bulk export ZIPs hold many people's names: never public, only for whoever asked, and gone
after the retention period (issue #13, point 5)."""

import datetime
import importlib
import io
import os
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry

from certificates.exports import build_certificate_export, certificate_export_request
from certificates.models import Certificate, CertificateExport
from certificates.storage import export_storage
from courses import services as course_services
from organizations.models import AdminScope, Learner
from tests import factories

PRIVATE_BACKEND = "certificates.storage.PrivateFileSystemStorage"


@pytest.fixture
def private_dir(settings, tmp_path):
    """Exports on disk in a directory of their own (the test settings keep them in memory)."""
    location = tmp_path / "private-exports"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "certificate_exports": {"BACKEND": PRIVATE_BACKEND, "OPTIONS": {"location": location}},
    }
    return location


def municipal_admin(area):
    user = factories.user()
    group, _created = Group.objects.get_or_create(name="自治体管理者")
    for codename in (
        "access_admin",
        "add_certificateexport",
        "view_certificateexport",
        "view_certificate",
    ):
        group.permissions.add(Permission.objects.get(codename=codename))
    user.groups.add(group)
    AdminScope.objects.create(user=user, level="municipality", municipality=area)
    return user


@pytest.fixture
def world(db):
    cache.clear()
    osaka = factories.municipality("271004", "大阪市")
    sakai = factories.municipality("271403", "堺市")
    course = factories.course(lessons=1)
    lesson = factories.lessons_of(course)[0]
    for area, name in ((osaka, "大阪 花子"), (sakai, "堺 太郎")):
        learner = Learner.objects.create(municipality=area, display_name=name)
        course_services.enrollment_complete_lesson(learner=learner, lesson=lesson)
    return {"osaka_admin": municipal_admin(osaka), "sakai_admin": municipal_admin(sakai)}


def finished_export(user) -> CertificateExport:
    export = certificate_export_request(user=user)  # its task is queued on commit: run it here
    build_certificate_export.call(export.pk)
    export.refresh_from_db()
    assert export.status == "done"
    return export


def download_url(export) -> str:
    return f"/admin/certificate-exports/{export.pk}/download/"


def test_the_zip_is_written_outside_media_under_a_name_nobody_can_guess(world, private_dir):
    first = finished_export(world["osaka_admin"])
    second = finished_export(world["osaka_admin"])
    path = Path(first.file.path)
    assert path.is_file() and path.parent == private_dir
    assert not default_storage.exists(first.file.name)  # nothing under MEDIA_ROOT
    assert not list(Path(private_dir.parent / "media").rglob("*.zip"))
    # No sequence in the name: 32 random bytes, different for every export.
    assert f"certificates-{first.pk}" not in path.name and len(path.stem) >= 43
    assert first.file.name != second.file.name
    with pytest.raises(ValueError):
        first.file.url  # noqa: B018  (there is no public URL to hand out)


def test_only_the_requester_downloads_and_anonymous_is_sent_to_login(client, world, private_dir):
    export = finished_export(world["osaka_admin"])

    response = client.get(download_url(export))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

    client.force_login(world["sakai_admin"])  # same role, other municipality
    assert client.get(download_url(export)).status_code == 404

    client.force_login(world["osaka_admin"])
    response = client.get(download_url(export))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    osaka_serial = Certificate.objects.get(completion__municipality__code="271004").serial
    assert names == [f"{osaka_serial}.pdf"]  # only the requester's area

    # The list offers the link to the requester, not to the other municipality.
    assert download_url(export) in client.get("/admin/certificateexport/").content.decode()
    client.force_login(world["sakai_admin"])
    assert download_url(export) not in client.get("/admin/certificateexport/").content.decode()


def test_an_administrator_who_lost_their_area_can_no_longer_download(client, world):
    export = finished_export(world["osaka_admin"])
    AdminScope.objects.filter(user=world["osaka_admin"]).delete()
    client.force_login(world["osaka_admin"])
    assert client.get(download_url(export)).status_code in (302, 403, 404)


def test_an_administrator_moved_to_another_area_no_longer_gets_the_old_areas_zip(client, world):
    admin = world["osaka_admin"]
    export = finished_export(admin)
    client.force_login(admin)
    assert client.get(download_url(export)).status_code == 200
    AdminScope.objects.filter(user=admin).update(
        municipality=factories.municipality("271403", "堺市")
    )
    assert client.get(download_url(export)).status_code == 404


def test_old_exports_are_deleted_after_the_retention_period(
    client, world, private_dir, settings, django_capture_on_commit_callbacks
):
    settings.CERTIFICATE_EXPORT_RETENTION_DAYS = 7
    old = finished_export(world["osaka_admin"])
    recent = finished_export(world["osaka_admin"])
    now = timezone.now()
    CertificateExport.objects.filter(pk=old.pk).update(
        created_at=now - datetime.timedelta(days=8), finished_at=now - datetime.timedelta(days=8)
    )
    CertificateExport.objects.filter(pk=recent.pk).update(
        finished_at=now - datetime.timedelta(days=6)
    )
    old_path = Path(old.file.path)
    # A ZIP whose export never recorded it (a crash in between), as old as the export.
    orphan = private_dir / "orphan.zip"
    orphan.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    eight_days_ago = (now - datetime.timedelta(days=8)).timestamp()
    os.utime(orphan, (eight_days_ago, eight_days_ago))

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_certificate_exports", stdout=out)
    assert "deleted 2 " in out.getvalue()
    assert not orphan.exists()

    old.refresh_from_db()
    assert old.status == "expired" and not old.file and not old_path.exists()
    recent.refresh_from_db()
    assert recent.status == "done" and Path(recent.file.path).is_file()

    client.force_login(world["osaka_admin"])
    assert client.get(download_url(old)).status_code == 404
    assert client.get(download_url(recent)).status_code == 200
    html = client.get("/admin/certificateexport/").content.decode()
    assert "削除済み（保存期間の経過）" in html  # the record of the export stays


def test_deleting_an_export_deletes_its_zip(world, private_dir, django_capture_on_commit_callbacks):
    export = finished_export(world["osaka_admin"])
    path = Path(export.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        export.delete()
    assert not path.exists()


def test_zips_left_in_public_media_by_earlier_versions_are_deleted(world):
    migration = importlib.import_module(
        "certificates.migrations.0004_certificate_exports_private_storage"
    )
    legacy = "certificate-exports/certificates-1.zip"
    orphan = "certificate-exports/certificates-2.zip"
    for name in (legacy, orphan):
        default_storage.save(name, ContentFile(b"PK\x05\x06" + b"\0" * 18))
    export = CertificateExport.objects.create(
        requested_by=world["osaka_admin"], status="done", file=legacy
    )
    try:
        migration.delete_public_exports(apps, None)
        assert not default_storage.exists(legacy) and not default_storage.exists(orphan)
        export.refresh_from_db()
        assert export.status == "expired" and not export.file
    finally:
        for name in (legacy, orphan):
            if default_storage.exists(name):
                default_storage.delete(name)


def test_the_site_refuses_to_start_with_exports_under_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "certificate_exports": {
            "BACKEND": PRIVATE_BACKEND,
            "OPTIONS": {"location": tmp_path / "media" / "exports"},
        },
    }
    ids = [message.id for message in run_checks()]
    assert "certificates.E010" in ids
    settings.STORAGES = {
        **settings.STORAGES,
        "certificate_exports": {
            "BACKEND": PRIVATE_BACKEND,
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    assert "certificates.E010" not in [message.id for message in run_checks()]
    assert Path(export_storage.location) == tmp_path / "private"


def test_every_download_is_in_the_exports_history(client, world, private_dir):
    export = finished_export(world["osaka_admin"])
    client.force_login(world["osaka_admin"])
    assert client.get(download_url(export)).status_code == 200
    client.force_login(world["sakai_admin"])
    assert client.get(download_url(export)).status_code == 404  # refused: not logged
    entries = ModelLogEntry.objects.filter(
        object_id=str(export.pk), action="tsunagari.certificate_export.download"
    )
    assert [entry.user_id for entry in entries] == [world["osaka_admin"].pk]
    client.force_login(world["osaka_admin"])
    page = client.get(f"/admin/certificateexport/history/{export.pk}/").content.decode()
    assert "ZIP をダウンロードしました" in page
