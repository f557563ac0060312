"""A package's files, and the commit endpoint of the SCORM 1.2 API.

Files are served from this site's own host under ``/scorm/<package id>/`` to those who may
open a course using the package (``scorm.access``), with a Content-Security-Policy whose
sources are that path only: the package's own scripts run, nothing from another origin or from
the rest of this site loads into it. The launch page frames it with
``sandbox="allow-scripts allow-same-origin"`` (README, "SCORM courses").
"""

import json
import posixpath

from django.http import FileResponse, Http404, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from organizations.learners import current_learner

from . import services
from .access import may_open
from .cmi import CommitError, parse_commit
from .models import ScormPage
from .packages import Limits, PackageError, check_entry_name
from .records import ScormPackage

# Content types by extension, fixed here rather than read from the machine's mime.types, so
# that what a browser may run (text/html, text/javascript) never depends on the server.
CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".txt": "text/plain",
    ".vtt": "text/vtt",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
}
COMMIT_MAX_BYTES = 64 * 1024


def package_policy(request, package) -> str:
    """The CSP of a package's files: its own path for everything it loads. Inline scripts and
    eval stay allowed because authoring tools (Storyline, Captivate, iSpring) write them into
    their pages; they are the package's own code, run only inside its frame."""
    own = request.build_absolute_uri(package.content_prefix())
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {own} 'unsafe-inline' 'unsafe-eval'",
            f"style-src {own} 'unsafe-inline'",
            f"img-src {own} data: blob:",
            f"media-src {own} blob:",
            f"font-src {own} data:",
            f"connect-src {own}",
            f"frame-src {own}",
            "frame-ancestors 'self'",
            "form-action 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def _courses_of(package):
    pages = ScormPage.objects.live().filter(package=package)
    return [page.course for page in pages]


@never_cache
@require_GET
@xframe_options_sameorigin
def package_file(request, package_id, path):
    """One file of a package, for those who may open a course that uses it."""
    package = get_object_or_404(ScormPackage, pk=package_id)
    if not may_open(request.user, _courses_of(package)):
        return JsonResponse({"error": _("この教材を開く権限がありません。")}, status=403)
    try:
        check_entry_name(path, Limits.from_settings())
    except PackageError as error:
        raise Http404 from error
    storage = services.package_storage()
    name = package.storage_name(path)
    if not storage.exists(name):
        raise Http404
    extension = posixpath.splitext(path)[1].lower()
    response = FileResponse(
        storage.open(name), content_type=CONTENT_TYPES.get(extension, "application/octet-stream")
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = package_policy(request, package)
    response["Referrer-Policy"] = "same-origin"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _error(message, status=400):
    # The shape scorm-again reads (result/errorCode), with the reason for people and logs.
    return JsonResponse({"result": "false", "errorCode": 101, "error": message}, status=status)


def _csrf_refusal(request, payload):
    """Django's own CSRF check, with the token read from the JSON body when the header is
    missing: scorm-again sends the commit of LMSFinish with ``navigator.sendBeacon``, which
    cannot set headers (so the launch page puts the token into every commit body too)."""
    if "HTTP_X_CSRFTOKEN" not in request.META and isinstance(payload, dict):
        token = payload.get("csrf_token")
        if isinstance(token, str) and len(token) <= 64:
            request.META["HTTP_X_CSRFTOKEN"] = token
    return CsrfViewMiddleware(lambda _request: None).process_view(request, None, (), {})


def _json(request):
    try:
        return json.loads(request.body.decode("utf-8")), None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, _("送られた内容が JSON ではありません。")


@never_cache
@require_POST
@csrf_exempt  # checked in the view, see _csrf_refusal
def commit(request, page_id, package_id):
    """Store a commit of the SCORM 1.2 API for the signed-in learner (JSON, CSRF-protected)."""
    if len(request.body) > COMMIT_MAX_BYTES:
        return _error(_("送られた内容が大きすぎます。"), status=413)
    payload, not_json = _json(request)
    refusal = _csrf_refusal(request, payload)
    if refusal is not None:
        return refusal
    page = ScormPage.objects.live().filter(pk=page_id).select_related("package").first()
    if page is None:
        raise Http404
    course = page.course
    if not may_open(request.user, [course]):
        return _error(_("この教材を記録する権限がありません。"), status=403)
    if page.package_id != package_id:
        return _error(
            _("教材が差し替えられました。ページを開き直してから続けてください。"), status=409
        )
    learner = current_learner(request)
    if learner is None:
        return _error(_("受講の記録がありません。ページを開き直してください。"), status=409)
    session_key = request.GET.get("session", "")
    if not (len(session_key) == 32 and session_key.isalnum() and session_key.isascii()):
        return _error(_("起動の情報がありません。ページを開き直してください。"))
    if not_json:
        return _error(not_json)
    try:
        parsed = parse_commit(payload)
    except CommitError as error:
        return _error(str(error))
    attempt, completion = services.attempt_commit(
        learner=learner,
        package=page.package,
        course=course,
        session_key=session_key,
        commit=parsed,
    )
    return JsonResponse(
        {
            "result": "true",
            "errorCode": 0,
            "lesson_status": attempt.lesson_status,
            "course_completed": completion is not None,
        }
    )
