"""Machine-readable views that let anyone verify a credential: the issuer's DID document, the
signing key and the revocation status lists. Wallets and verifiers on other origins fetch
them from the browser, so they are served with ``Access-Control-Allow-Origin: *`` (they are
public and carry no cookies' worth of private data)."""

from functools import wraps

from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse

from .credentials import signed_credential
from .did import did_document, key_document
from .status_list import list_exists, signed_status_list
from .views import lookup_certificate, noindex, rate_limited

# Wallets re-check revocation at most this often; a revocation reaches them within minutes.
STATUS_LIST_MAX_AGE = 300
DID_MAX_AGE = 3600


def allow_any_origin(response):
    """CORS for a public, read-only document (no credentials are sent cross-origin)."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    return response


def public_document(view):
    """GET and HEAD answer with the document; OPTIONS (a browser's CORS preflight) answers
    204 with the CORS headers; anything else is 405."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = allow_any_origin(HttpResponse(status=204))
            response["Access-Control-Allow-Headers"] = "Accept"
            response["Access-Control-Max-Age"] = "86400"
            return response
        if request.method not in ("GET", "HEAD"):
            return allow_any_origin(HttpResponseNotAllowed(["GET", "HEAD", "OPTIONS"]))
        return view(request, *args, **kwargs)

    return wrapper


def public_json(document: dict, *, content_type: str, max_age: int) -> JsonResponse:
    """A public JSON document, cacheable for ``max_age`` seconds, readable from any origin."""
    response = JsonResponse(
        document,
        content_type=content_type,
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Cache-Control"] = f"public, max-age={max_age}"
    return allow_any_origin(response)


@public_document
def did_json(request):
    """The controller document of the site's did:web, listing every key by id."""
    return public_json(did_document(), content_type="application/did+json", max_age=DID_MAX_AGE)


@public_document
def status_list(request, number: int):
    """The signed BitstringStatusListCredential of list ``number`` (bit set = revoked)."""
    if not list_exists(number):
        raise Http404
    return public_json(
        signed_status_list(number),
        content_type="application/vc+ld+json",
        max_age=STATUS_LIST_MAX_AGE,
    )


@public_document
@noindex
def credential(request, code: str):
    """The certificate as a signed Open Badges 3.0 credential (JSON-LD), for whoever holds
    the code; a revoked one still answers, with its status-list bit set and ``validUntil``."""
    if rate_limited(request):
        return allow_any_origin(HttpResponse(status=429, headers={"Retry-After": "60"}))
    certificate = lookup_certificate(code)
    if certificate is None:
        raise Http404
    response = public_json(
        signed_credential(certificate), content_type="application/ld+json", max_age=0
    )
    # The code is a bearer secret and the name personal data: no shared caches.
    response["Cache-Control"] = "private, no-cache"
    return response


@public_document
def signing_key_document(request):
    """The current signing key as a Multikey (kept for verifiers that read the key URL)."""
    return public_json(key_document(), content_type="application/json", max_age=DID_MAX_AGE)
