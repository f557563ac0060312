"""Public pages of the events app: 近くの講座を探す, each course's page and iCalendar file,
sign-up with its own page (confirmation and cancel), and the organisers' registration.

The finder, course pages and calendar files are the same for every visitor: they are sent
with a short public ``Cache-Control`` to visitors without a personal cookie, so a proxy may
keep them; the finder's first page (no query string) is also served through the one page
cache of the site (``base.page_cache``) for visitors, for ``PUBLIC_MAX_AGE`` seconds. Forms
(sign-up, registration, check-in) are never cached.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from base.cache import count_in_window
from base.client_address import budget_key, client_address
from base.page_cache import is_visitor_request, mark_cacheable
from organizations.views import StaffSetPasswordView

from . import services
from .forms import FinderForm, OrganiserRegistrationForm, SignupForm
from .ical import course_calendar
from .models import CourseSignup, PlannedCourse, signup_from_token

FINDER_PAGE_SIZE = 20
# How long a visitor's copy may be reused: remaining places move, so briefly.
PUBLIC_MAX_AGE = 60

# Per client address and hour. Registration mails someone (the address's owner when it has an
# account), so it is refused while the cache cannot count; a sign-up is bounded by the
# course's capacity and mails only the address typed, so it fails open for a cache outage.
REGISTRATIONS_PER_HOUR = 5
SIGNUPS_PER_HOUR = 30


def _over_limit(request, name: str, limit: int, *, fail_closed: bool) -> bool:
    count = count_in_window(f"events-{name}:{budget_key(client_address(request))}", 3600)
    if count is None:
        return fail_closed
    return count > limit


def _too_many(request):
    response = render(request, "events/rate_limited.html", status=429)
    response["Retry-After"] = "3600"
    return response


def _public_cache(request, response):
    """Shared caching for visitors without a personal cookie; private otherwise."""
    personal = (settings.SESSION_COOKIE_NAME, settings.LEARNER_COOKIE_NAME, "messages")
    if any(name in request.COOKIES for name in personal):
        patch_cache_control(response, private=True, max_age=0)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    patch_vary_headers(response, ["Cookie"])
    return response


def _with_places(queryset):
    return queryset.select_related("course", "organiser", "municipality__prefecture").annotate(
        confirmed_count=Count("signups", filter=Q(signups__status=CourseSignup.Status.CONFIRMED))
    )


def _public_course(pk: int) -> PlannedCourse:
    """A public course (also one cancelled or over, so that links to it keep working);
    a course that is not public answers 404, as if it did not exist."""
    return get_object_or_404(_with_places(PlannedCourse.objects.filter(is_public=True)), pk=pk)


@require_GET
def finder(request):
    """近くの講座を探す: upcoming public courses, by prefecture and municipality."""
    if is_visitor_request(request):
        # The same for every visitor: stored by the page cache for PUBLIC_MAX_AGE seconds
        # (its max-age), so new courses and remaining places show within a minute.
        mark_cacheable(request)
    form = FinderForm(request.GET or None)
    courses = _with_places(form.filter(PlannedCourse.objects.listed())).order_by("starts_at", "pk")
    page = Paginator(courses, FINDER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    response = render(
        request,
        "events/finder.html",
        {"form": form, "page_obj": page, "courses": page.object_list, "query": query.urlencode()},
    )
    return _public_cache(request, response)


@require_GET
def course_detail(request, pk: int):
    """One public course: date, time, place, course, organiser, capacity and remaining."""
    course = _public_course(pk)
    response = render(request, "events/course_detail.html", {"course": course, **_places(course)})
    return _public_cache(request, response)


def _places(course) -> dict:
    confirmed = getattr(course, "confirmed_count", None)
    if confirmed is None:
        confirmed = course.signups.filter(status=CourseSignup.Status.CONFIRMED).count()
    return {"remaining": max(course.capacity - confirmed, 0), "confirmed": confirmed}


@require_GET
def course_ics(request, pk: int):
    """The course as an iCalendar file (RFC 5545)."""
    course = _public_course(pk)
    response = HttpResponse(course_calendar(course), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="course-{course.pk}.ics"'
    return _public_cache(request, response)


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request, pk: int):
    """Sign up for a course that takes sign-ups; then to the sign-up's own page."""
    course = _public_course(pk)
    if not course.accepts_signups():
        return render(request, "events/signup_closed.html", {"course": course})
    if request.method == "POST" and _over_limit(
        request, "signup", SIGNUPS_PER_HOUR, fail_closed=False
    ):
        return _too_many(request)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.course_signup_create(
                course=course,
                nickname=form.cleaned_data["nickname"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            return redirect(created.get_absolute_url())
    return render(
        request, "events/signup.html", {"course": course, "form": form, **_places(course)}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def signup_manage(request, token: str):
    """A sign-up's own page (the link in its confirmation): its status, and cancelling it."""
    found = signup_from_token(token)
    if found is None or not found.course.is_public:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.course_signup_cancel(signup=found)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            return redirect(found.get_absolute_url())
        found.refresh_from_db()
    position = None
    if found.status == CourseSignup.Status.WAITING:
        position = (
            found.course.signups.filter(
                status=CourseSignup.Status.WAITING, created_at__lte=found.created_at
            )
            .filter(Q(created_at__lt=found.created_at) | Q(pk__lte=found.pk))
            .count()
        )
    return render(
        request,
        "events/signup_manage.html",
        {
            "signup": found,
            "course": found.course,
            "position": position,
            "error": error,
            "can_cancel": found.status != CourseSignup.Status.CANCELLED
            and not found.course.has_ended,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def organiser_register(request):
    """The public form with which someone asks to hold courses; pending until approved."""
    if request.method == "POST" and _over_limit(
        request, "registration", REGISTRATIONS_PER_HOUR, fail_closed=True
    ):
        return _too_many(request)
    form = OrganiserRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organiser_register(**form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            return render(request, "events/organiser_registered.html", {})
    return render(request, "events/organiser_register.html", {"form": form})


class OrganiserSetPasswordView(StaffSetPasswordView):
    """The organiser's one-time link (``organizations.invitations``, as for staff): choose a
    password, then signed in to the admin, where their course plans are."""

    success_url = reverse_lazy("wagtailadmin_home")
