"""Admin-only downloads: a certificate's PDF and a bulk export's ZIP, each within scope.

Registered under /admin/ (``wagtail_hooks``), so Wagtail's admin access check comes first and an
anonymous visitor is sent to the login page. An object outside the user's reach answers 404,
which tells nothing about whether it exists.
"""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from wagtail.log_actions import log
from wagtail.permissions import policy_registry

from organizations.scopes import scope_for_user

from .exports import scope_key
from .models import Certificate, CertificateExport
from .rendering import certificate_pdf


def _private(response):
    # Names inside: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def certificate_pdf_admin(request, pk: int):
    """The PDF of a certificate of the administrator's area, as the learner receives it."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("completion__course", "completion__municipality"),
        pk=pk,
    )
    policy = policy_registry.get_by_type(Certificate)
    if not policy.user_has_any_permission_for_instance(
        request.user, ["view", "change"], certificate
    ):
        raise Http404
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.serial}.pdf"'
    return _private(response)


@never_cache
def export_download(request, pk: int):
    """The ZIP of a finished bulk export, only for the administrator who asked for it (and the
    superuser), while they still administer the area they asked it for; 404 otherwise, and
    once retention has deleted it."""
    export = get_object_or_404(CertificateExport, pk=pk)
    user = request.user
    scope = scope_for_user(user)
    allowed = user.is_superuser or (
        export.requested_by_id == user.pk
        and scope is not None
        and export.requested_scope == scope_key(scope)
    )
    if not allowed or export.status != CertificateExport.Status.DONE or not export.file:
        raise Http404
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Who took a copy of many people's names, and when: in the export's 履歴.
    log(export, "tsunagari.certificate_export.download", user=user)
    filename = f"certificates-{export.created_at:%Y%m%d}-{export.pk}.zip"
    return _private(FileResponse(handle, as_attachment=True, filename=filename))
