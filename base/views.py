"""Site-level views: health check and error pages."""

import sys

from django.core.exceptions import BadRequest
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.template import loader
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache

from .cache import cache_state


@never_cache
def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers and monitoring).

    The cache is reported but does not decide the status: without it pages are still served
    (base/cache.py), so a node whose Redis is gone is degraded, not down, and a load
    balancer must keep sending it traffic. Monitoring alerts on ``"cache": "unavailable"``."""
    cache = cache_state()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        # Retry-After as on every page of the outage (server_error): monitors and clients
        # that honour it come back instead of hammering a node that is waiting for the database.
        return JsonResponse(
            {"status": "unavailable", "database": "error", "cache": cache},
            status=503,
            headers={"Retry-After": "30"},
        )
    if cache != "ok":
        return JsonResponse({"status": "degraded", "database": "ok", "cache": cache})
    return JsonResponse({"status": "ok"})


def favicon(request):
    """Browsers ask for /favicon.ico; send them to the SVG icon (resolved at request time, so
    importing the URLs does not need the collected static files' manifest)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def server_error(request):
    """500 handler that tells a database outage apart: 503 with Retry-After, so browsers and
    load balancers know to come back, rather than a bare error. Renders without the database."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        body = loader.get_template("503.html").render()
        return HttpResponse(body, status=503, headers={"Retry-After": "30"})
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """A form that could not be accepted as sent from this site (CSRF_FAILURE_VIEW).

    Most often an old tab: the page was opened before the person signed in elsewhere. Say so
    in plain words, with the way back, instead of Django's technical page."""
    return TemplateResponse(request, "403_csrf.html", status=403)


def bad_request(request, exception):
    """400 in Japanese. The message of our own ``BadRequest`` (what to correct) is shown;
    Django's other refusals (suspicious requests) keep theirs to themselves."""
    message = str(exception) if type(exception) is BadRequest else ""
    body = loader.render_to_string("400.html", {"message": message}, request)
    return HttpResponseBadRequest(body)
