"""The launch page of a SCORM course (``ScormPage.serve``): the package in a sandboxed frame,
with the SCORM 1.2 API (scorm-again, ``static/scorm/launch.js``) set up in this page.

A visitor is sent to the login page; a signed-in person who may not open it gets 403.
"""

from django.contrib.auth.views import redirect_to_login
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache

from organizations.learners import learner_for_update

from . import services
from .access import may_open
from .cmi import resume_data


def _student_name(learner) -> str:
    staff = getattr(learner, "staff_member", None)
    return staff.name if staff is not None else (learner.display_name or "")


@never_cache
def launch(request, page, course, *, preview: bool = False):
    """Show the package of ``page`` (a ``ScormPage`` of ``course``) to the learner.

    ``preview``: an editor's preview (``ScormPage.serve_preview``) runs the package from the
    start and records nothing — no learner, no enrollment, no attempt — and the API in the
    page sends no commits (as a lesson's preview records no progress)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may_open(request.user, [course]):
        return TemplateResponse(
            request, "scorm/not_assigned.html", {"page": page, "course": course}, status=403
        )
    package = page.package
    launch_url = package.content_prefix() + package.launch_path
    if package.launch_query:
        launch_url += "?" + package.launch_query
    if preview:
        attempt = None
        commit_url = ""
        student_id, student_name = "preview", request.user.get_full_name()
    else:
        learner = learner_for_update(request)
        attempt = services.attempt_start(learner=learner, package=package, course=course)
        commit_url = reverse("scorm-commit", args=[page.pk, package.pk]) + (
            f"?session={services.new_session_key()}"
        )
        student_id, student_name = str(learner.public_id), _student_name(learner)
    data = {
        "commitUrl": commit_url,
        "preview": preview,
        "csrfToken": get_token(request),
        "launchUrl": launch_url,
        "cmi": resume_data(
            attempt,
            student_id=student_id,
            student_name=student_name,
            launch_data=package.launch_data,
        ),
        "masteryScore": "" if package.mastery_score is None else str(package.mastery_score),
    }
    context = page.get_context(request)
    context.update(
        {
            "course": course,
            "package": package,
            "attempt": attempt,
            "done": attempt is not None and attempt.completed_at is not None,
            "preview": preview,
            "launch_data": data,
        }
    )
    return TemplateResponse(request, "scorm/scorm_page.html", context)
