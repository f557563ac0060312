"""``STORAGES`` for object storage (S3-compatible), built from the environment in base.py.

Kept apart so that tests build the same dictionary for a local S3 endpoint."""

from urllib.parse import urlsplit


def object_storages(
    *,
    endpoint_url: str,
    region: str,
    media_bucket: str,
    private_bucket: str,
    media_url: str = "",
) -> dict:
    """The ``default`` (media: images, renditions, documents), ``certificate_exports`` and
    ``import_export`` (uploads waiting for confirmation) storages on S3.

    ``media_url`` is the public origin the media bucket is served from (a host of the
    municipality's own; it is added to the Content-Security-Policy). Without it, media URLs
    point at ``endpoint_url``/``media_bucket``.
    """
    common = {"endpoint_url": endpoint_url or None, "region_name": region or None}
    media = {
        **common,
        "bucket_name": media_bucket,
        "querystring_auth": False,
        "file_overwrite": False,
    }
    if media_url:
        parts = urlsplit(media_url)
        media["custom_domain"] = parts.netloc + parts.path.rstrip("/")
        media["url_protocol"] = f"{parts.scheme}:"
    private = {**common, "bucket_name": private_bucket, "file_overwrite": False}
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": media},
        "certificate_exports": {
            "BACKEND": "base.storage.PrivateS3Storage",
            "OPTIONS": {**private, "location": "certificate-exports"},
        },
        "import_export": {
            "BACKEND": "base.storage.PrivateS3Storage",
            "OPTIONS": {**private, "location": "pending-imports"},
        },
        "scorm_packages": {
            "BACKEND": "base.storage.PrivateS3Storage",
            "OPTIONS": {**private, "location": "scorm-packages"},
        },
    }


def media_origin(*, endpoint_url: str, media_bucket: str, media_url: str = "") -> str:
    """The origin media URLs point at (for the Content-Security-Policy)."""
    parts = urlsplit(media_url or endpoint_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
