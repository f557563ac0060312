"""A learner's lesson page, rendered once for everyone in the same state.

Two learners' pages of one lesson differ only by their progress through the course (which
lessons are done or started), the municipality whose consultation windows are shown, and two
values that are new on every request: the CSRF token and the signed opening time of the
"finished" form. So the page is rendered once per such state and kept in this process for one
generation of the page cache; each request puts its own two values in. Whatever else could be
personal (a signed-in account, saved 個人ワーク answers, messages, a query string) makes the page
render in full, as before.
"""

from django.middleware.csrf import get_token
from django.utils.translation import get_language

from base.page_cache import CSRF_PLACEHOLDER, GenerationMemo
from organizations.learners import current_learner

OPENED_PLACEHOLDER = "opened-placeholder-9d27a3"

# ~20 KB a page: at most ~10 MB a worker process.
shared_lesson_pages = GenerationMemo(max_entries=500)


def shared_state_key(request, lesson, context) -> tuple | None:
    """What the page of ``lesson`` depends on for this learner, or None if it is personal."""
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return None
    if "messages" in request.COOKIES or context.get("saved_reflections"):
        return None
    if request.user.is_authenticated:  # the header shows the account; not shared
        return None
    learner = current_learner(request)
    progress = context.get("progress")
    if learner is None or progress is None:
        return None
    return (
        lesson.pk,
        get_language(),
        request.path,
        learner.municipality_id,
        progress.enrollment is not None,
        tuple(status for _lesson, status in progress.lessons),
    )


def render_shared(request, lesson, response):
    """Fill ``response`` (Wagtail's unrendered TemplateResponse) from the shared rendering."""
    key = shared_state_key(request, lesson, response.context_data)
    if key is None:
        return response
    opened = response.context_data.get("opened_token") or ""

    def render():
        response.context_data.update(csrf_token=CSRF_PLACEHOLDER, opened_token=OPENED_PLACEHOLDER)
        return response.rendered_content

    html = shared_lesson_pages.get(key, render)
    response.content = html.replace(CSRF_PLACEHOLDER, get_token(request)).replace(
        OPENED_PLACEHOLDER, opened
    )
    return response
