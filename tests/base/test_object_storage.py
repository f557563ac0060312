"""Object storage (``S3_MEDIA_BUCKET``, ``S3_PRIVATE_BUCKET``; docs/scaling.md step 7) against
an S3 endpoint on this machine: moto's standalone server (``ThreadedMotoServer``) on a free
loopback port, spoken to over HTTP by django-storages and boto3 exactly as a real S3-compatible
service would be. (No S3-compatible server such as MinIO installs from this machine's
registries; moto implements the S3 REST API, including object ACLs.)

The storages are the ones settings build from the environment (``object_storages``)."""

import io
import socket
import subprocess
import sys
import zipfile

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from import_export.tmp_storages import MediaStorage
from moto.server import ThreadedMotoServer

from base.imports import ImportView
from base.storage import PrivateS3Storage
from certificates.exports import certificate_export_request
from certificates.models import CertificateExport
from tests.certificates.test_exports import two_cities  # noqa: F401 - fixture
from tsunagari.settings.storage import media_origin, object_storages

MEDIA_BUCKET = "tsunagari-media"
PRIVATE_BUCKET = "tsunagari-private"


@pytest.fixture(scope="module")
def s3_endpoint():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch):
    """Fresh buckets and the project's storages on them; a boto3 client to look inside."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="ap-northeast-1")
    for bucket in (MEDIA_BUCKET, PRIVATE_BUCKET):
        for listed in (
            client.list_objects_v2(Bucket=bucket).get("Contents", [])
            if _exists(client, bucket)
            else []
        ):
            client.delete_object(Bucket=bucket, Key=listed["Key"])
        if not _exists(client, bucket):
            client.create_bucket(
                Bucket=bucket,
                CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"},
            )
    built = object_storages(
        endpoint_url=s3_endpoint,
        region="ap-northeast-1",
        media_bucket=MEDIA_BUCKET,
        private_bucket=PRIVATE_BUCKET,
        media_url="https://media.tsunagari.example.lg.jp/files",
    )
    settings.STORAGES = {**settings.STORAGES, **built}
    return client


def _exists(client, bucket) -> bool:
    return any(b["Name"] == bucket for b in client.list_buckets().get("Buckets", []))


def _keys(client, bucket) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def _public_grants(client, bucket, key) -> list:
    acl = client.get_object_acl(Bucket=bucket, Key=key)
    return [g for g in acl["Grants"] if g["Grantee"].get("URI", "").endswith("/AllUsers")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bulk_export_is_kept_in_the_private_bucket_and_downloaded_through_the_admin(
    s3,
    two_cities,  # noqa: F811 - the fixture imported above
    client,
):
    export = certificate_export_request(user=two_cities)
    export.refresh_from_db()  # the immediate task backend built it on commit
    assert export.status == "done"
    (key,) = _keys(s3, PRIVATE_BUCKET)
    assert key.startswith("certificate-exports/") and key.endswith(".zip")
    assert _keys(s3, MEDIA_BUCKET) == []  # nothing among the public media
    assert _public_grants(s3, PRIVATE_BUCKET, key) == []
    with pytest.raises(ValueError):
        export.file.url  # noqa: B018 - no URL is ever handed out

    client.force_login(two_cities)
    response = client.get(f"/admin/certificate-exports/{export.pk}/download/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    stored = s3.get_object(Bucket=PRIVATE_BUCKET, Key=key)["Body"].read()
    assert body == stored
    assert len(zipfile.ZipFile(io.BytesIO(body)).namelist()) == 3

    # Deleting the export in the admin deletes its object once committed.
    CertificateExport.objects.get(pk=export.pk).delete()
    assert _keys(s3, PRIVATE_BUCKET) == []


def test_pending_imports_wait_in_the_private_bucket(s3):
    storage = storages["import_export"]
    assert isinstance(storage, PrivateS3Storage)
    name = storage.save("roster.xlsx", ContentFile(b"PK\x03\x04 personal data"))
    (key,) = _keys(s3, PRIVATE_BUCKET)
    assert key == f"pending-imports/{name}"
    assert _public_grants(s3, PRIVATE_BUCKET, key) == []
    with storage.open(name, "rb") as handle:
        assert handle.read() == b"PK\x03\x04 personal data"
    storage.delete(name)
    assert _keys(s3, PRIVATE_BUCKET) == []


def test_an_import_preview_keeps_its_upload_in_the_private_bucket(s3):
    """What ``ImportView`` stores between preview and confirmation: django-import-export's
    ``MediaStorage``, which picks the ``import_export`` storage (the private bucket)."""
    pending = ImportView.pending_upload()
    assert isinstance(pending, MediaStorage)
    pending.save(b"PK\x03\x04 roster")
    (key,) = _keys(s3, PRIVATE_BUCKET)
    assert key == f"pending-imports/{pending.get_full_path()}"
    assert _keys(s3, MEDIA_BUCKET) == []
    assert _public_grants(s3, PRIVATE_BUCKET, key) == []
    assert ImportView.pending_upload(pending.name).read() == b"PK\x03\x04 roster"
    pending.remove()
    assert _keys(s3, PRIVATE_BUCKET) == []


def test_media_are_public_at_the_media_origin(s3):
    storage = storages["default"]
    name = storage.save("images/lesson.png", ContentFile(b"\x89PNG image"))
    assert _keys(s3, MEDIA_BUCKET) == [name]
    assert storage.url(name) == f"https://media.tsunagari.example.lg.jp/files/{name}"
    # Without a public origin of their own, media point at the endpoint, which the
    # Content-Security-Policy then allows.
    assert media_origin(endpoint_url="http://127.0.0.1:9000", media_bucket=MEDIA_BUCKET) == (
        "http://127.0.0.1:9000"
    )


def test_settings_refuse_one_bucket_without_the_other():
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", "import tsunagari.settings.base"],
        env={"S3_MEDIA_BUCKET": "only-media", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "S3_PRIVATE_BUCKET" in done.stderr


def test_documents_are_streamed_by_wagtail_with_object_storage():
    code = (
        "import tsunagari.settings.base as s; "
        "print(s.WAGTAILDOCS_SERVE_METHOD, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", code],
        env={
            "S3_MEDIA_BUCKET": "m",
            "S3_PRIVATE_BUCKET": "p",
            "S3_MEDIA_URL": "https://media.example.lg.jp",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split(" ", 1) == [
        "serve_view",
        "[\"'self'\", 'data:', 'https://media.example.lg.jp']\n",
    ]
