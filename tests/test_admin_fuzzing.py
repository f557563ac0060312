"""Whatever id or parameter the admin and the learner's pages are sent — huge numbers,
negative numbers, words, other scripts — they answer with a 4xx or a page, never a 5xx.

The routes are read from the URL configuration: every ``admin/`` and ``my/`` route with a
parameter is tried, so a new one is fuzzed without being listed here.
"""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import StaffAssignment
from organizations.models import AdminScope, Department
from tests import factories
from tsunagari.management.commands.seed_demo import MUNICIPAL_ADMIN_PERMISSIONS

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
# Routes that only ever answer a fixed file or redirect, whatever they are sent.
SKIP = ("admin/password_reset/",)


def parameter_routes():
    """Every ``admin/`` and ``my/`` route (as its pattern text) with a path parameter."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            text = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, text)
            elif isinstance(pattern, URLPattern):
                yield text

    return sorted(
        route
        for route in set(walk(get_resolver().url_patterns))
        if route.startswith(("admin/", "my/"))
        and PARAMETER.search(route)
        and "^" not in route
        and not route.startswith(SKIP)
    )


ROUTES = parameter_routes()


def fill(route, value):
    """The route with every parameter replaced by ``value`` (URL-quoted)."""
    return "/" + PARAMETER.sub(lambda m: quote(str(value), safe=""), route)


@pytest.fixture
def users(django_user_model):
    osaka = factories.municipality()
    factories.municipality("271403", "堺市")
    Department.objects.create(municipality=osaka, name="福祉課")
    admin = factories.user("osaka-admin")
    admin.user_permissions.add(
        *[
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in MUNICIPAL_ADMIN_PERMISSIONS
        ]
    )
    AdminScope.objects.create(user=admin, level="municipality", municipality=osaka)
    national = django_user_model.objects.create_superuser("national", password="pw-1")
    return {"national": national, "municipal": admin, "osaka": osaka}


NASTY = [2**63, 2**70, 10**30, -1, 0, "abc", "日本語", "1e3", "0x1F", "１２", "%", " "]
VALUES = st.one_of(
    st.integers(min_value=2**62, max_value=10**40),
    st.integers(max_value=0, min_value=-(10**20)),
    st.text(min_size=1, max_size=20).filter(lambda text: "/" not in text),
    st.sampled_from(NASTY),
)


def test_there_are_routes_to_fuzz():
    assert "my/reflections/<id:lesson_id>/" in ROUTES
    assert "admin/reports/quiz/<id:page_id>/" in ROUTES
    assert len(ROUTES) > 100


@pytest.mark.parametrize("value", [2**63, 10**30, -1, "abc", "日本語"])
def test_every_route_with_an_id_refuses_a_bad_id_without_failing(users, value):
    # A client that answers 500 instead of raising, so that every failing route is listed.
    client = Client(raise_request_exception=False)
    client.force_login(users["national"])
    failed = []
    for route in ROUTES:
        url = fill(route, value)
        status = client.get(url).status_code
        if status >= 500:
            failed.append(f"GET {url}: {status}")
    assert failed == []


@FUZZ
@given(
    route=st.sampled_from(ROUTES),
    value=VALUES,
    role=st.sampled_from(["national", "municipal"]),
    method=st.sampled_from(["get", "post"]),
)
def test_no_route_fails_whatever_id_it_is_sent(client, users, route, value, role, method):
    client.force_login(users[role])
    url = fill(route, value)
    status = getattr(client, method)(url).status_code
    assert status < 500, f"{method.upper()} {url} as {role}: {status}"


QUERY_PARAMETERS = [
    ("/admin/municipality/", "q"),
    ("/admin/snippets/courses/consultationwindow/", "q"),
    ("/admin/snippets/choose/courses/consultationwindow/results/", "q"),
    ("/admin/staff/", "department"),
    ("/admin/staff/", "status"),
    ("/admin/staff-roster/invitations/", "department"),
    ("/admin/reports/site-history/", "user"),
    ("/admin/reports/site-history/", "object_type"),
    ("/admin/reports/kpi/", "municipality"),
    ("/admin/reports/kpi/", "fiscal_year"),
    ("/admin/reports/staff-training/", "fiscal_year"),
    ("/admin/bulk/courses/consultationwindow/delete/", "id"),
]


@FUZZ
@given(
    target=st.sampled_from(QUERY_PARAMETERS),
    value=VALUES,
    role=st.sampled_from(["national", "municipal"]),
)
def test_no_listing_fails_whatever_its_parameters(client, users, target, value, role):
    client.force_login(users[role])
    path, name = target
    response = client.get(path, {name: str(value)})
    assert response.status_code < 500, f"{path}?{name}={value!r} as {role}"


# --- The 500s reported in issue 15, one by one ----------------------------------------------


def test_municipality_search_finds_part_of_a_japanese_name(client, users):
    client.force_login(users["municipal"])
    response = client.get("/admin/municipality/", {"q": "大阪"})
    assert response.status_code == 200
    assert "大阪市" in response.content.decode()
    response = client.get("/admin/municipality/", {"q": "堺"})
    assert response.status_code == 200
    assert "堺市" not in response.content.decode()  # another area


def test_window_snippet_search_answers_within_the_area(client, users):
    factories.window("大阪市こころの相談", municipality=users["osaka"])
    client.force_login(users["municipal"])
    response = client.get("/admin/snippets/courses/consultationwindow/", {"q": "こころ"})
    assert response.status_code == 200
    assert "大阪市こころの相談" in response.content.decode()


@pytest.fixture
def staff_course():
    course = factories.course(audience="staff", lessons=1)
    return course


def assignment_form(course, **fields):
    return {
        "course": course.pk,
        "target": "all",
        "starts_on": "2025-06-01",
        "due_on": "2025-06-30",
        "staff_numbers": "",
        "note": "",
        **fields,
    }


@pytest.mark.parametrize("municipality", ["", "sakai", "99999999999999999999", "abc"])
def test_staff_assignment_with_an_empty_or_foreign_municipality_is_refused_in_japanese(
    client, users, staff_course, municipality
):
    from organizations.models import Municipality

    if municipality == "sakai":
        municipality = Municipality.objects.get(code="271403").pk
    client.force_login(users["municipal"])
    response = client.post(
        "/admin/staff-assignments/new/", assignment_form(staff_course, municipality=municipality)
    )
    assert response.status_code == 200  # the form again, with the error
    html = response.content.decode()
    assert "この項目は必須です" in html or "正しく選択してください" in html
    assert StaffAssignment.objects.count() == 0


def test_staff_assignment_of_the_own_municipality_is_saved(client, users, staff_course):
    client.force_login(users["municipal"])
    response = client.post(
        "/admin/staff-assignments/new/",
        assignment_form(staff_course, municipality=users["osaka"].pk),
    )
    assert response.status_code == 302
    assignment = StaffAssignment.objects.get()
    assert assignment.municipality == users["osaka"]
    assert assignment.due_on == dt.date(2025, 6, 30)


@pytest.mark.parametrize("lesson_id", [2**63, 2**70, 10**30])
def test_saving_a_reflection_for_a_huge_lesson_id_is_a_404(client, users, lesson_id):
    learner = factories.user("learner")
    client.force_login(learner)
    response = client.post(f"/my/reflections/{lesson_id}/", {"block_id": "x", "text": "考え"})
    assert response.status_code == 404


@pytest.mark.parametrize("department", ["abc", "99999999999999999999", "-1", "１"])
def test_staff_invitations_with_a_malformed_department_explain_in_japanese(
    client, users, department
):
    client.force_login(users["municipal"])
    response = client.get("/admin/staff-roster/invitations/", {"department": department})
    assert response.status_code == 400
    assert "所属の指定が正しくありません" in response.content.decode()


def test_staff_invitations_of_another_areas_department_list_nobody(client, users):
    sakai_department = Department.objects.create(
        municipality=factories.municipality("271411", "堺市堺区", kind="ward"), name="堺区役所"
    )
    client.force_login(users["municipal"])
    response = client.get("/admin/staff-roster/invitations/", {"department": sakai_department.pk})
    assert response.status_code in (200, 404)
    assert "堺区役所" not in response.content.decode()


@pytest.mark.parametrize("page_id", [2**63, 10**30, 2**63 - 1])
def test_quiz_report_of_a_huge_page_id_is_a_404(client, users, page_id):
    client.force_login(users["national"])
    assert client.get(f"/admin/reports/quiz/{page_id}/").status_code == 404
    assert client.get(f"/admin/reports/questionnaire/{page_id}/").status_code == 404


@pytest.mark.parametrize(
    "chooser",
    ["courses/consultationwindow", "quizzes/question", "certificates/coursecertificateoptions"],
)
def test_snippet_choosers_have_no_create_step_to_fail_on(client, users, chooser):
    client.force_login(users["national"])
    url = f"/admin/snippets/choose/{chooser}/create/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "窓口"}).status_code == 404
