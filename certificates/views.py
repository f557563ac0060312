"""Public certificate views: verification, PDF download, and the learner's confirmation.

Every response that can show a learner's name (verification page, PDF, card, credential) tells
search engines not to index it (``X-Robots-Tag`` and, on pages, ``<meta name="robots">``): a
verification URL shared once must not make a supporter's name searchable.
"""

import functools
import time
import unicodedata

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from base.cache import count_in_window
from base.client_address import budget_key, client_address
from courses.forms import LearnerProfileForm
from courses.wording import for_course
from organizations.learners import current_learner

from . import services
from .models import CODE_ALPHABET, CODE_LENGTH, Certificate, CertificateEvent
from .rendering import cards_pdf, certificate_pdf, certificate_text

VERIFY_LIMIT_PER_MINUTE = 30
# Unknown and known codes take about the same time to answer.
MIN_RESPONSE_SECONDS = 0.05
ROBOTS = "noindex, nofollow, noarchive"
# Dashes people type or that input methods produce, read as the serial's hyphen.
DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70"), "-")


def noindex(view):
    """Mark every response of ``view`` as not for search engines."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = ROBOTS
        return response

    return wrapped


def rate_limited(request) -> bool:
    # A window opens at a client's first request and closes a minute later. The key is the
    # citizen's own address (behind the load balancer, read from X-Forwarded-For), so each
    # citizen has their own budget and a forged header does not buy a fresh one.
    key = f"certificate-verify-rate:{budget_key(client_address(request))}"
    count = count_in_window(key, 60)
    # Without the cache nothing can count, and the limit fails open for the outage (logged
    # by base/cache.py): it only slows the guessing of codes, which the size of the
    # code space already makes hopeless, while refusing would stop every employer's check.
    return count is not None and count > VERIFY_LIMIT_PER_MINUTE


def _too_many(request):
    response = render(request, "certificates/rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


def _certificates():
    return Certificate.objects.select_related("completion__course", "completion__municipality")


def lookup_certificate(code: str) -> Certificate | None:
    code = code.upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return _certificates().filter(code=code).first()


def _normalise_query(text: str) -> str:
    """What a person typed, as a code or serial: full-width letters and digits made ASCII,
    spaces dropped, any dash read as a hyphen, upper case."""
    text = unicodedata.normalize("NFKC", text).translate(DASHES)
    return "".join(text.split()).upper()


def _same_name(typed: str, printed: str) -> bool:
    """Whether a typed name is the printed one, ignoring spaces and full/half width."""

    def key(name: str) -> str:
        return "".join(unicodedata.normalize("NFKC", name).split()).casefold()

    return bool(key(typed)) and key(typed) == key(printed)


def _pad(started: float) -> None:
    remaining = MIN_RESPONSE_SECONDS - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


def _revoked_page(request, certificate: Certificate):
    # 410 Gone rather than a PDF stamped 失効: a stamped PDF is still a document that looks
    # like a certificate once printed, cropped or forwarded, and older viewers show it from
    # cache without the stamp being noticed. 410 says the document no longer exists, and the
    # page tells a person what happened (only the date: the reason is internal).
    return render(request, "certificates/revoked.html", {"certificate": certificate}, status=410)


def _reissued_at(certificate: Certificate, version: int):
    """When the version after ``version`` was issued (the reissue that replaced it)."""
    event = (
        CertificateEvent.objects.filter(
            certificate=certificate,
            kind=CertificateEvent.Kind.REISSUED,
            detail__version=version + 1,
        )
        .order_by("at")
        .first()
    )
    return event.at if event else None


@never_cache
@noindex
def verify(request, code: str):
    """Anyone holding the code sees whether the certificate is valid, replaced or revoked.

    Printed certificates of a reissued version carry ``?v=N`` in their QR code and URL
    (``rendering.certificate_text``), so a copy that was replaced shows as 差し替え済み."""
    started = time.monotonic()
    if rate_limited(request):
        return _too_many(request)
    certificate = lookup_certificate(code)
    _pad(started)
    if certificate is None:
        return render(request, "certificates/not_found.html", status=404)
    try:
        held_version = int(request.GET.get("v", "1"))
    except ValueError:
        held_version = None
    return _verify_page(request, certificate, held_version)


def _verify_page(request, certificate: Certificate, held_version: int | None):
    """The verification page with the name. ``held_version``: the version the visitor's copy
    names (None when unknown, e.g. a code typed into the form)."""
    superseded = held_version is not None and 1 <= held_version < certificate.version
    return render(
        request,
        "certificates/verify.html",
        {
            "certificate": certificate,
            "content": certificate_text(certificate)[0],
            "show_name": True,
            "superseded": superseded,
            "held_version": held_version,
            "version_unknown": held_version is None and certificate.version > 1,
            "reissued_at": _reissued_at(certificate, held_version) if superseded else None,
        },
    )


@never_cache
@noindex
def verify_lookup(request):
    """The verification form: a person types the code or the printed serial number.

    A code shows the page the QR code opens (with the name). A serial is printed on the paper
    and numbered in sequence, so it is easy to guess: its answer never shows the name (nor the
    code or a PDF link); the person may type the name they read on the paper to have it
    compared. Both count against the same per-client rate limit as the QR code lookups."""
    query = _normalise_query(request.GET.get("q", "")[:200])
    typed_name = request.GET.get("name", "").strip()[:60]
    if not query:
        return render(request, "certificates/lookup.html", {"typed_name": typed_name})
    started = time.monotonic()
    if rate_limited(request):
        return _too_many(request)
    plain = query.replace("-", "")
    if len(plain) == CODE_LENGTH and all(c in CODE_ALPHABET for c in plain):
        certificate = lookup_certificate(plain)
        _pad(started)
        if certificate is not None:
            # A typed code says nothing about which printed version the person holds.
            return _verify_page(request, certificate, held_version=None)
    else:
        certificate = _certificates().filter(serial=query).first() if len(query) <= 32 else None
        _pad(started)
    if certificate is None:
        return render(
            request,
            "certificates/lookup.html",
            {"query": query, "typed_name": typed_name, "not_found": True},
            status=404,
        )

    name_match = None
    if typed_name and not certificate.name_withheld and certificate.name_printed:
        name_match = _same_name(typed_name, certificate.name_printed)
    return render(
        request,
        "certificates/verify.html",
        {
            "certificate": certificate,
            "content": certificate_text(certificate)[0],
            "show_name": False,
            "typed_name": typed_name,
            "name_match": name_match,
            "by_serial": True,
        },
    )


@noindex
def pdf(request, code: str):
    """The PDF, for whoever holds the code; a revoked certificate answers 410."""
    if rate_limited(request):
        return _too_many(request)
    certificate = lookup_certificate(code)
    if certificate is None:
        raise Http404
    if certificate.is_revoked:
        return _revoked_page(request, certificate)
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


@noindex
def card(request, code: str):
    """Two wallet-size supporter cards on an A4 sheet (``?name=0`` leaves the name off); a
    revoked certificate answers 410 like its PDF."""
    if rate_limited(request):
        return _too_many(request)
    certificate = lookup_certificate(code)
    if certificate is None:
        raise Http404
    if certificate.is_revoked:
        return _revoked_page(request, certificate)
    with_name = request.GET.get("name", "1") != "0"
    response = HttpResponse(
        cards_pdf(certificate, with_name=with_name), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{certificate.serial}-card.pdf"'
    return response
