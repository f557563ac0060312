"""The attendee's side of check-in (受付): the page the organiser's QR code or poster leads to,
and the attendee's own page with their supporter card. No account, no JavaScript.

The guards, and why, are in docs/checkin.md: the rotating code on the organiser's screen
(``events.checkin_codes``), a signed pass that gives the attendee 15 minutes to fill in the
form once they have a valid code, the course's check-in window, one check-in per browser
(a random token in a cookie, stored hashed), the capacity (counted in the one conditional
INSERT of ``services.check_in_create``, serialised per course) and two rate limits per client
address.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from base.cache import cache_available, count_in_window
from base.client_address import budget_key, client_address
from courses.wording import children_html, is_children

from . import checkin_codes, services
from .checkin_forms import CardForm, CheckInCodeForm, CheckInForm, QuestionnaireForm
from .models import QUESTIONNAIRE_COMMENT_MAX_LENGTH, CheckIn, PlannedCourse, QuestionnaireAnswer

COOKIE_NAME = "tsunagari_checkin"
# The cookie lives as long as the browser hash it matches (purged after the report window).
COOKIE_MAX_AGE = services.SIGNUP_RETENTION_DAYS * 24 * 3600
COOKIE_PATH = "/courses/"
PASS_SALT = "events.check-in-pass"  # noqa: S105 - a signing salt, not a secret
# Time to read the course and fill in the form after a valid code (the code itself lasts 1-2
# minutes, too short for someone typing on a phone in a crowded hall).
PASS_MAX_AGE = 15 * 60
PAGE_SALT = "events.check-in-page"

# Wrong codes per client address and course in WRONG_CODE_WINDOW seconds. Ten wrong tries
# out of 10,000 codes (two valid at a time) leave a guesser a 0.2 % chance per window; a
# person mistyping twice or three times is never stopped. Without the cache nothing can
# count, and guessing would be unbounded: typed codes are refused (fail closed) — the
# organiser counts people on paper for the outage.
WRONG_CODES_PER_WINDOW = 10
WRONG_CODE_WINDOW = 600
# Check-ins per client address per hour: a venue's Wi-Fi puts a whole hall behind one
# address, so the limit is far above any course (the capacity bounds a course anyway); it
# stops a script, not an audience. It fails open: refusing a hall for a cache outage is worse.
CHECK_INS_PER_HOUR = 300
# What each choice of the check-in form accepts: a valid POST is taken without building the
# form (its fields are deep-copied per instance); anything else goes through the form, for
# its messages.
_CHOICES = {
    name: frozenset(str(value) for value, _label in CheckInForm.base_fields[name].choices)
    for name in ("attendee_type", "age_band", "gender")
}


# --- tokens ----------------------------------------------------------------------------------


def issue_pass(course: PlannedCourse) -> str:
    """The signed, timestamped pass of ``course`` (valid ``PASS_MAX_AGE``)."""
    return signing.dumps({"course": course.pk}, salt=PASS_SALT, compress=False)


def pass_is_valid(token: str, course_pk: int) -> bool:
    """Whether ``token`` is a pass this site issued for course ``course_pk`` in the last 15
    minutes."""
    try:
        value = signing.loads(token or "", salt=PASS_SALT, max_age=PASS_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return False
    return isinstance(value, dict) and value.get("course") == course_pk


def page_token(check_in: CheckIn) -> str:
    """The signed token in the address of the attendee's own page."""
    return signing.Signer(salt=PAGE_SALT).sign(str(check_in.pk))


def _check_in_from_token(token: str) -> CheckIn | None:
    try:
        value = signing.Signer(salt=PAGE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    if not value.isdigit():
        return None
    return (
        CheckIn.objects.select_related(
            "course__course",
            "course__municipality",
            "course__organiser",
            "completion",
            "questionnaire_answer",
        )
        .filter(pk=int(value))
        .first()
    )


def _browser_token(request) -> str | None:
    token = request.COOKIES.get(COOKIE_NAME, "")
    # Our own tokens are 43 URL-safe characters; anything else is not one.
    return token if 20 <= len(token) <= 64 and token.isascii() else None


def _set_browser_cookie(response, token: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=COOKIE_MAX_AGE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


# --- rate limits -------------------------------------------------------------------------------


def _wrong_code_key(request, course: PlannedCourse) -> str:
    return f"events-checkin-wrong:{course.pk}:{budget_key(client_address(request))}"


def _codes_exhausted(request, course: PlannedCourse) -> bool:
    """Whether this address has used up its wrong codes at this course (or nothing can
    count them: closed)."""
    if not cache_available():
        return True
    used = cache.get(_wrong_code_key(request, course))
    return used is not None and used >= WRONG_CODES_PER_WINDOW


def _count_wrong_code(request, course: PlannedCourse) -> None:
    count_in_window(_wrong_code_key(request, course), WRONG_CODE_WINDOW)


def _too_many_check_ins(request) -> bool:
    count = count_in_window(f"events-checkin:{budget_key(client_address(request))}", 3600)
    return count is not None and count > CHECK_INS_PER_HOUR


# --- pages -----------------------------------------------------------------------------------


def _course(pk: int) -> PlannedCourse:
    """Any course by its number (also a non-public one: an in-house course is counted the
    same way); 404 when there is none."""
    return get_object_or_404(
        PlannedCourse.objects.select_related("course", "municipality", "organiser"), pk=pk
    )


def _context(course: PlannedCourse, **extra) -> dict:
    opens, closes = services.check_in_window(course)
    return {
        "course": course,
        # The check-in pages speak to the audience of the course (children's wording).
        "wording_audience": course.course.audience,
        "opens_at": timezone.localtime(opens),
        "closes_at": timezone.localtime(closes),
        **extra,
    }


def _children_choices(form: CheckInForm) -> None:
    """In a children's course the radio labels and legends come with readings."""
    labels = {
        "attendee_type": "checkin_type_legend",
        "age_band": "checkin_age_legend",
        "gender": "checkin_gender_legend",
    }
    for name, key in labels.items():
        form.fields[name].label = children_html(key)
    for name in ("attendee_type", "age_band", "gender"):
        form.fields[name].choices = [
            (
                value,
                children_html(f"checkin_choice_{value}" if value else "checkin_no_answer"),
            )
            for value, _label in form.fields[name].choices
        ]


def _render(request, template: str, course: PlannedCourse, status: int = 200, **extra):
    return render(request, f"events/checkin/{template}", _context(course, **extra), status=status)


def _check_in_form(course: PlannedCourse, data=None) -> CheckInForm:
    initial = {"pass_token": issue_pass(course)}
    if course.course.audience == "children":
        initial["attendee_type"] = "child"
    form = CheckInForm(data, initial=initial)
    if is_children(course.course.audience):
        _children_choices(form)
    return form


def _closed(request, course: PlannedCourse):
    """The course is cancelled or outside its window: say when check-in is open."""
    now = timezone.now()
    opens, _closes = services.check_in_window(course)
    state = "cancelled" if course.is_cancelled else ("not_yet" if now < opens else "over")
    status = 410 if state in ("cancelled", "over") else 403
    return _render(request, "closed.html", course, status=status, state=state)


@never_cache
@require_http_methods(["GET", "POST"])
def check_in(request, pk: int):
    """GET: the number form, or (with a valid ``?code=``) the check-in form with its pass.
    POST: the check-in form; counted once, then to the attendee's own page."""
    token = _browser_token(request)
    if request.method == "POST":
        return _check_in_post(request, pk, token)
    course = _course(pk)
    if not services.check_in_is_open(course):
        return _closed(request, course)
    return _check_in_get(request, course, token)


def _check_in_get(request, course: PlannedCourse, token: str | None):
    existing = services.check_in_of(course.pk, token)
    if existing is not None:
        return redirect("course-check-in-done", token=page_token(existing))
    if "code" not in request.GET:
        return _render(request, "code.html", course, form=CheckInCodeForm())
    form = CheckInCodeForm(request.GET)
    if _codes_exhausted(request, course):
        response = _render(request, "code.html", course, status=429, form=form, exhausted=True)
        response["Retry-After"] = str(WRONG_CODE_WINDOW)
        return response
    if form.is_valid() and checkin_codes.is_valid(course.pk, form.cleaned_data["code"]):
        return _render(request, "form.html", course, form=_check_in_form(course))
    _count_wrong_code(request, course)
    return _render(request, "code.html", course, status=400, form=form, wrong=True)


def _valid_answers(data) -> dict | None:
    """The attendee's answers when each is one of the form's choices (what the form's
    ``cleaned_data`` would be), else None."""
    answers = {name: data.get(name, "") for name in _CHOICES}
    if answers["attendee_type"] == "":
        return None  # required
    if all(value in _CHOICES[name] for name, value in answers.items()):
        return answers
    return None


def _check_in_post(request, pk: int, token: str | None):
    # The hot path reads no course and builds no form: the service's one INSERT checks the
    # course, its window and its capacity; the course is read and the form built only to
    # render a refusal (docs/checkin.md, query budget).
    if _too_many_check_ins(request):
        response = _render(request, "closed.html", _course(pk), status=429, state="too_many")
        response["Retry-After"] = "3600"
        return response
    if not pass_is_valid(request.POST.get("pass_token", ""), pk):
        # Expired, forged, or a pass of another course: the number again.
        course = _course(pk)
        if not services.check_in_is_open(course):
            return _closed(request, course)
        return _render(
            request, "code.html", course, status=400, form=CheckInCodeForm(), expired=True
        )
    answers = _valid_answers(request.POST)
    if answers is None:
        course = _course(pk)
        form = _check_in_form(course, request.POST)
        form.is_valid()
        return _render(request, "form.html", course, status=400, form=form)
    new_token = token or secrets.token_urlsafe(32)
    try:
        found, _created = services.check_in_create(
            course=pk,
            browser_token=new_token,
            attendee_type=answers["attendee_type"],
            age_band=answers["age_band"],
            gender=answers["gender"],
            new_browser=token is None,
        )
    except PlannedCourse.DoesNotExist as missing:
        raise Http404 from missing
    except ValidationError as refusal:
        course = _course(pk)
        if getattr(refusal, "code", None) == "full":
            return _render(request, "closed.html", course, status=409, state="full")
        if getattr(refusal, "code", None) == "closed":
            return _closed(request, course)
        form = _check_in_form(course, request.POST)
        form.is_valid()
        for field, errors in refusal.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _render(request, "form.html", course, status=400, form=form)
    response = redirect("course-check-in-done", token=page_token(found))
    if token is None:
        _set_browser_cookie(response, new_token)
    return response


def _own_check_in(request, token: str) -> CheckIn:
    """The check-in ``token`` names, if this browser made it (its cookie matches): the signed
    address alone is not enough. Anything else is a 404, as for an address that never was."""
    found = _check_in_from_token(token)
    browser = _browser_token(request)
    if (
        found is None
        or browser is None
        or services.browser_hash(found.course_id, browser) != found.browser
    ):
        raise Http404
    return found


def _has_answered(check_in: CheckIn) -> bool:
    try:
        return check_in.questionnaire_answer is not None
    except QuestionnaireAnswer.DoesNotExist:
        return False


@never_cache
@require_http_methods(["GET", "POST"])
def check_in_done(request, token: str):
    """The attendee's own page: 「受付しました」, the supporter card (with or without a typed
    name) and the way to the course's questionnaire. Only the browser that checked in opens
    it."""
    found = _own_check_in(request, token)
    course = found.course
    form = CardForm(request.POST or None)
    if is_children(course.course.audience):
        form.fields["name"].label = children_html("field_name_label")
    if request.method == "POST" and form.is_valid():
        try:
            services.check_in_take_card(check_in=found, name=form.cleaned_data["name"])
        except ValidationError as refusal:
            for field, errors in refusal.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect("course-check-in-done", token=token)
    certificate = None
    if found.completion_id is not None:
        certificate = found.completion.certificate
    status = 400 if request.method == "POST" else 200
    return _render(
        request,
        "done.html",
        course,
        status=status,
        check_in=found,
        form=form,
        certificate=certificate,
        questionnaire_answered=_has_answered(found),
        questionnaire_open=services.questionnaire_is_open(course),
        questionnaire_url=reverse("course-check-in-questionnaire", args=[token]),
    )


def _children_questionnaire(form: QuestionnaireForm) -> None:
    """In a children's course the questions and choices come with readings."""
    for name in QuestionnaireForm.CHOICE_FIELDS:
        field = form.fields[name]
        field.label = children_html(f"questionnaire_{name}_legend")
        field.choices = [
            (value, children_html(f"questionnaire_choice_{name}_{value}"))
            for value, _label in field.choices
        ]
    comment = form.fields["comment"]
    comment.label = children_html("questionnaire_comment_label")
    comment.help_text = children_html(
        "questionnaire_comment_help", max=QUESTIONNAIRE_COMMENT_MAX_LENGTH
    )


def _questionnaire_form(course: PlannedCourse, data=None) -> QuestionnaireForm:
    form = QuestionnaireForm(data)
    if is_children(course.course.audience):
        _children_questionnaire(form)
    return form


@never_cache
@require_http_methods(["GET", "POST"])
def check_in_questionnaire(request, token: str):
    """The questionnaire of the course the attendee checked in to: only in the browser that
    checked in, once per check-in (a second answer is refused, 409), until
    ``services.questionnaire_closes_at`` (then 410). Answers go through
    ``services.questionnaire_answer``; then the same address thanks the attendee."""
    found = _own_check_in(request, token)
    course = found.course
    back_url = reverse("course-check-in-done", args=[token])
    if _has_answered(found):
        status = 409 if request.method == "POST" else 200
        return _render(
            request,
            "questionnaire_done.html",
            course,
            status=status,
            state="already" if request.method == "POST" else "thanks",
            back_url=back_url,
        )
    if not services.questionnaire_is_open(course):
        return _render(
            request,
            "questionnaire_done.html",
            course,
            status=410,
            state="closed",
            back_url=back_url,
        )
    form = _questionnaire_form(course, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.questionnaire_answer(check_in=found, **form.cleaned_data)
        except ValidationError as refusal:
            code = getattr(refusal, "code", None)
            if code in ("answered", "closed"):
                return _render(
                    request,
                    "questionnaire_done.html",
                    course,
                    status=409 if code == "answered" else 410,
                    state="already" if code == "answered" else "closed",
                    back_url=back_url,
                )
            for field, errors in refusal.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect("course-check-in-questionnaire", token=token)
    status = 400 if request.method == "POST" else 200
    return _render(
        request,
        "questionnaire.html",
        course,
        status=status,
        form=form,
        back_url=back_url,
        questionnaire_closes_at=timezone.localtime(services.questionnaire_closes_at(course)),
    )
