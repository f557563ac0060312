"""Admin-only downloads: a certificate's PDF and a bulk export's ZIP, each within scope.

Registered under /admin/ (``wagtail_hooks``), so Wagtail's admin access check comes first and an
anonymous visitor is sent to the login page. An object outside the user's reach answers 404,
which tells nothing about whether it exists.
"""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from wagtail.admin.views.generic.base import BaseObjectMixin
from wagtail.log_actions import log

from organizations.scopes import scope_for_user

from .exports import scope_key
from .models import Certificate, CertificateExport
from .rendering import certificate_pdf


def _private(response):
    # Names inside: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


class CertificatePdfView(BaseObjectMixin, View):
    """The PDF of a certificate of the administrator's area, as the learner receives it.

    ``CertificateViewSet`` constructs it area-scoped; outside the area it answers 404.
    """

    model = Certificate
    area_refusal = Http404

    def get_base_object_queryset(self):
        return Certificate.objects.select_related("completion__course", "completion__municipality")

    @method_decorator(never_cache)
    def get(self, request, *args, **kwargs):
        certificate = self.object
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
