"""CSRF protection that also works for pages served from the visitor page cache.

A cached page is the same for every visitor, so its forms (「受講を始める」, finishing a lesson,
saving a 個人ワーク answer, switching the language) cannot carry Django's per-browser token.
Those POSTs are accepted on the browser's own word that they come from this site:
``Sec-Fetch-Site: same-origin`` or, from browsers that do not send it, an ``Origin`` header equal
to this site's origin (or one of ``CSRF_TRUSTED_ORIGINS``). Both are forbidden header names: a
page on another site cannot set them, and a browser always sends one of them with a form POST.
This is the check of the Fetch Metadata / Origin standards that OWASP lists as a primary
defence, and that Go's ``http.CrossOriginProtection`` uses alone.

It applies only to requests without a session cookie. Anything done by a signed-in person
(the admin, account pages) still needs Django's token as well, so their protection is unchanged.
Requests without either header (very old browsers, scripts) fall back to the token check.
"""

from django.conf import settings
from django.middleware.csrf import CsrfViewMiddleware

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def same_origin_by_headers(request) -> bool:
    """True when the browser says this request was sent by a page of this site."""
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.META.get("HTTP_ORIGIN")
    if not origin or origin == "null":
        return False
    try:
        own = f"{request.scheme}://{request.get_host()}"
    except Exception:  # DisallowedHost: let Django's own handling answer it
        return False
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS


class OriginCheckedCsrfViewMiddleware(CsrfViewMiddleware):
    """Django's CSRF middleware, accepting token-less POSTs of visitors by origin headers."""

    def process_view(self, request, callback, callback_args, callback_kwargs):
        if (
            request.method in UNSAFE_METHODS
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and same_origin_by_headers(request)
        ):
            return self._accept(request)
        return super().process_view(request, callback, callback_args, callback_kwargs)
