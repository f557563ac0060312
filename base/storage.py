"""Private object storage: files that only an authenticated view may hand out.

Bulk certificate exports and uploads waiting for their import confirmation hold many people's
names. On a deployment with object storage they go to a private bucket (``S3_PRIVATE_BUCKET``,
docs/scaling.md step 7) through this storage: objects are written with the ``private`` ACL,
and asking for a URL is a programming error, as for ``PrivateFileSystemStorage``: the
administrator's download view streams them after checking who asks.
"""

from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """An S3 bucket (or a prefix of one) whose objects are never given a URL."""

    default_acl = "private"
    querystring_auth = True

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError("private file: served only through an authenticated view")
