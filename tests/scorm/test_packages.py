"""An editor uploads a SCORM 1.2 package: what is accepted, and every broken package refused
with a Japanese reason (traversal, zip bombs, limits, manifests that are not SCORM 1.2)."""

import io
import stat
import zipfile

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from scorm.models import ScormPackage
from scorm.packages import PackageError, inspect_package

from .builders import SCO_HTML, manifest, package_bytes, upload

pytestmark = pytest.mark.django_db


def refused(data) -> str:
    with pytest.raises(PackageError) as error:
        inspect_package(upload(data))
    return str(error.value)


def entry(name, mode=None):
    info = zipfile.ZipInfo(name)
    if mode is not None:
        info.external_attr = mode << 16
    return info


def test_a_scorm_12_package_is_read_from_its_manifest():
    info = inspect_package(upload(package_bytes(manifest_xml=manifest(mastery="80"))))
    assert info.title == "情報セキュリティ研修"
    assert info.launch_path == "index.html"
    assert info.schema_version == "1.2"
    assert str(info.mastery_score) == "80"
    assert info.file_count == 4
    assert "js/sco.js" in info.files


def test_the_launch_file_may_sit_in_a_folder_with_a_query():
    data = package_bytes(
        {
            "imsmanifest.xml": manifest(href="content/start%20page.html?lang=ja"),
            "content/start page.html": SCO_HTML.encode(),
        }
    )
    info = inspect_package(upload(data))
    assert (info.launch_path, info.launch_query) == ("content/start page.html", "lang=ja")


def test_a_file_that_is_not_a_zip_is_refused():
    assert "ZIP ファイルとして読めません" in refused(b"%PDF-1.4 not a zip")


def test_a_package_without_a_manifest_is_refused():
    assert "imsmanifest.xml がありません" in refused(
        package_bytes({"index.html": SCO_HTML.encode()})
    )


def test_a_manifest_inside_a_folder_is_explained():
    message = refused(
        package_bytes({"course/imsmanifest.xml": manifest(), "course/index.html": b"x"})
    )
    assert "course/imsmanifest.xml にあります" in message


def test_a_scorm_2004_manifest_is_refused():
    message = refused(package_bytes(manifest_xml=manifest(version="2004 3rd Edition")))
    assert "SCORM 1.2 の教材ではありません" in message
    assert "2004 3rd Edition" in message


def test_a_manifest_without_schemaversion_is_refused():
    assert "schemaversion" in refused(package_bytes(manifest_xml=manifest(version=None)))


def test_a_manifest_that_is_not_xml_is_refused():
    assert "XML として読めません" in refused(package_bytes(manifest_xml=b"<manifest><oops>"))


def test_entity_expansion_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><manifest>&b;</manifest>'
    )
    assert "DTD" in refused(package_bytes(manifest_xml=bomb))


def test_a_missing_launch_file_is_refused():
    message = refused(package_bytes(manifest_xml=manifest(href="start.html")))
    assert "起動するファイル「start.html」が ZIP の中にありません" in message


def test_a_launch_file_on_another_host_is_refused():
    message = refused(package_bytes(manifest_xml=manifest(href="https://cdn.example.com/x.html")))
    assert "外部のアドレス" in message


@pytest.mark.parametrize(
    "name",
    ["../evil.html", "a/../../evil.html", "/etc/passwd", "C:/evil.html", "a\\..\\evil.html"],
)
def test_paths_leaving_the_package_are_refused(name):
    message = refused(package_bytes(extra={name: b"x"}))
    assert any(words in message for words in ("パッケージの外", "絶対パス", "バックスラッシュ")), (
        message
    )


def test_a_launch_href_leaving_the_package_is_refused():
    message = refused(package_bytes(manifest_xml=manifest(href="../index.html")))
    assert "パッケージの外" in message


def test_a_symlink_entry_is_refused():
    message = refused(
        package_bytes(extra={entry("link.html", stat.S_IFLNK | 0o777): b"/etc/passwd"})
    )
    assert "シンボリックリンク" in message


def test_a_zip_bomb_is_refused_by_its_ratio(settings):
    settings.SCORM_MAX_COMPRESSION_RATIO = 50
    message = refused(package_bytes(extra={"big.bin": b"\0" * 2_000_000}))
    assert "圧縮率が異常に高い" in message


def test_unpacked_size_is_limited(settings):
    settings.SCORM_MAX_UNPACKED_BYTES = 100_000
    data = package_bytes(
        extra={"video.bin": bytes(range(256)) * 1000}, compression=zipfile.ZIP_STORED
    )
    assert "展開後の大きさが上限" in refused(data)


def test_upload_size_is_limited(settings):
    settings.SCORM_MAX_UPLOAD_BYTES = 1000
    assert "ファイルが大きすぎます" in refused(package_bytes())


def test_a_zip_lying_about_its_sizes_is_stopped_while_unpacking():
    data = bytearray(package_bytes(extra={"big.txt": b"a" * 50_000}))
    # The central directory (read last, so found last) declares big.txt's size: say 1,000.
    declared = (50_000).to_bytes(4, "little")
    position = bytes(data).rfind(declared)
    data[position : position + 4] = (1_000).to_bytes(4, "little")
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("big.txt")
    assert info.file_size == 1_000
    # zipfile stops at the declared size and fails the CRC (our own byte count is the second
    # guard): either way the package is refused before more than declared is unpacked.
    message = refused(bytes(data))
    assert "big.txt" in message
    assert "申告より大きく" in message or "壊れています" in message


def test_the_number_of_files_is_limited(settings):
    settings.SCORM_MAX_FILES = 5
    extra = {f"img/{n}.png": b"x" for n in range(5)}
    assert "ファイルが多すぎます" in refused(package_bytes(extra=extra))


def test_path_length_is_limited(settings):
    settings.SCORM_MAX_PATH_LENGTH = 40
    assert "ファイル名が長すぎます" in refused(package_bytes(extra={"a" * 60 + ".html": b"x"}))


def test_two_files_of_the_same_name_are_refused():
    data = package_bytes(extra={"Index.html": b"x"})
    assert "同じ名前のファイル" in refused(data)


def test_the_editor_uploads_a_package_in_the_admin_and_it_is_unpacked(client, django_user_model):
    editor = django_user_model.objects.create_superuser("national", password="pw-1")
    client.force_login(editor)
    url = reverse("wagtailsnippets_scorm_scormpackage:add")
    response = client.post(url, {"title": "", "upload": upload(package_bytes())})
    assert response.status_code == 302, response.content.decode()[:2000]
    package = ScormPackage.objects.get()
    assert package.title == "情報セキュリティ研修"
    assert package.uploaded_by == editor
    storage = storages["scorm_packages"]
    assert storage.exists(package.storage_name("js/sco.js"))
    assert storage.exists(package.storage_name("imsmanifest.xml"))


def test_the_admin_shows_a_broken_package_reason_in_japanese(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("national", password="pw-1"))
    url = reverse("wagtailsnippets_scorm_scormpackage:add")
    data = package_bytes(manifest_xml=manifest(version="CAM 1.3"))
    response = client.post(url, {"title": "x", "upload": upload(data)})
    assert response.status_code == 200
    assert "SCORM 1.2 の教材ではありません" in response.content.decode()
    assert ScormPackage.objects.count() == 0


def test_deleting_a_package_removes_its_files(django_capture_on_commit_callbacks):
    from tests.scorm.builders import package

    pkg = package()
    storage = storages["scorm_packages"]
    name = pkg.storage_name("js/sco.js")
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        pkg.delete()
    assert not storage.exists(name)


def test_the_site_refuses_to_start_with_packages_under_media_root(settings, tmp_path):
    from scorm.checks import check_package_storage_is_private

    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "scorm_packages": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "scorm")},
        },
    }
    assert [error.id for error in check_package_storage_is_private()] == ["scorm.E001"]
    settings.STORAGES = {
        **settings.STORAGES,
        "scorm_packages": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path.parent / "private-scorm")},
        },
    }
    assert check_package_storage_is_private() == []
