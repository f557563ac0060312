"""Public certificate views: verification, PDF download, and the learner's confirmation."""

import time

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from courses.forms import LearnerProfileForm
from courses.wording import for_course
from organizations.learners import current_learner

from . import services
from .models import CODE_ALPHABET, CODE_LENGTH, Certificate
from .rendering import certificate_pdf

VERIFY_LIMIT_PER_MINUTE = 30
# Unknown and known codes take about the same time to answer.
MIN_RESPONSE_SECONDS = 0.05


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _rate_limited(request) -> bool:
    # A window opens at a client's first request and closes a minute later.
    key = f"certificate-verify-rate:{_client_ip(request)}"
    cache.add(key, 0, 60)
    try:
        return cache.incr(key) > VERIFY_LIMIT_PER_MINUTE
    except ValueError:  # the window closed between add and incr
        cache.add(key, 1, 60)
        return False


def _lookup(code: str) -> Certificate | None:
    code = code.upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return (
        Certificate.objects.select_related("completion__course", "completion__municipality")
        .filter(code=code)
        .first()
    )


def _pad(started: float) -> None:
    remaining = MIN_RESPONSE_SECONDS - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


@never_cache
def verify(request, code: str):
    """Anyone holding the code sees whether the certificate is valid or revoked."""
    started = time.monotonic()
    if _rate_limited(request):
        response = render(request, "certificates/rate_limited.html", status=429)
        response["Retry-After"] = "60"
        return response
    certificate = _lookup(code)
    _pad(started)
    if certificate is None:
        return render(request, "certificates/not_found.html", status=404)
    from .rendering import certificate_text

    return render(
        request,
        "certificates/verify.html",
        {"certificate": certificate, "content": certificate_text(certificate)[0]},
    )


def pdf(request, code: str):
    """The PDF, for whoever holds the code."""
    if _rate_limited(request):
        return HttpResponse(status=429, headers={"Retry-After": "60"})
    certificate = _lookup(code)
    if certificate is None:
        raise Http404
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.serial}.pdf"'
    return response


def claim(request, code: str):
    """Before the first download, the learner picks the name to print and confirms their area."""
    learner = current_learner(request)
    certificate = get_object_or_404(Certificate, code=code.upper())
    if learner is None or certificate.completion.learner_id != learner.pk:
        raise Http404
    if certificate.name_confirmed_at is not None:
        return render(request, "certificates/mine.html", {"certificate": certificate})
    initial = {
        "prefecture": learner.municipality.prefecture_id if learner.municipality else None,
        "municipality": learner.municipality_id,
        "attendee_type": learner.attendee_type,
        "display_name": learner.display_name,
    }
    form = LearnerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.certificate_confirm_details(
            certificate=certificate,
            learner=learner,
            name=form.cleaned_data["display_name"],
            municipality=form.cleaned_data["municipality"],
            attendee_type=form.cleaned_data["attendee_type"],
        )
        messages.success(
            request,
            for_course(
                certificate.completion.course,
                "message_certificate_issued",
                _("修了証を発行しました。"),
            ),
        )
        return redirect("certificate-claim", code=certificate.code)
    return render(request, "certificates/claim.html", {"certificate": certificate, "form": form})


def card(request, code: str):
    """Two wallet-size supporter cards on an A4 sheet (``?name=0`` leaves the name off)."""
    from .rendering import cards_pdf

    if _rate_limited(request):
        return HttpResponse(status=429, headers={"Retry-After": "60"})
    certificate = _lookup(code)
    if certificate is None or certificate.is_revoked:
        raise Http404
    with_name = request.GET.get("name", "1") != "0"
    response = HttpResponse(
        cards_pdf(certificate, with_name=with_name), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{certificate.serial}-card.pdf"'
    return response


def credential(request, code: str):
    """The certificate as a signed Open Badges 3.0 credential (JSON-LD)."""
    from .credentials import signed_credential

    if _rate_limited(request):
        return HttpResponse(status=429, headers={"Retry-After": "60"})
    certificate = _lookup(code)
    if certificate is None:
        raise Http404
    return JsonResponse(
        signed_credential(certificate),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )


def signing_key_document(request):
    """The public key that verifies every credential of this site."""
    from .credentials import key_document

    return JsonResponse(key_document(), json_dumps_params={"indent": 2})


def export_download(request, pk: int):
    """The ZIP of a finished bulk export, for the administrator who asked for it."""
    from django.core.exceptions import PermissionDenied
    from django.http import FileResponse

    from .models import CertificateExport

    export = get_object_or_404(CertificateExport, pk=pk, status=CertificateExport.Status.DONE)
    if not (request.user.is_superuser or export.requested_by_id == request.user.pk):
        raise PermissionDenied
    if not export.file:
        raise Http404  # finished but its file was removed (e.g. by retention)
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=f"certificates-{export.pk}.zip"
    )
