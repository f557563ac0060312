"""Every reports route, for every role: a municipal administrator of B never sees A's records.

The route list is read from the URL configuration: a new reports route without an entry here
fails ``test_every_reports_route_has_a_rule``.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from organizations.models import AdminScope
from reports.models import KpiTarget, Population
from tests import factories

pytestmark = pytest.mark.django_db

ALLOWED = {200}
DENIED = {302, 403, 404}  # Wagtail sends users without admin access to the login page
ROLES = ["anonymous", "citizen", "admin_a", "admin_b", "prefecture", "national", "editor"]


# Viewsets and the API of the reports app (their views live in Wagtail's and ninja's modules).
REPORT_NAMESPACES = {"kpi_api", "trainingsession", "kpitarget", "population"}


def reports_routes():
    def walk(patterns, ns=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ns
                if pattern.namespace:
                    inner = f"{ns}:{pattern.namespace}" if ns else pattern.namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                view = getattr(pattern.callback, "view_class", pattern.callback)
                if view.__module__.startswith("reports.") or ns in REPORT_NAMESPACES:
                    yield f"{ns}:{pattern.name}" if ns else pattern.name

    return sorted(set(walk(get_resolver().url_patterns)))


# For each route: how to build its URL from the world, and which roles may open it.
AREA_ADMINS = {"admin_a", "prefecture", "national"}
EVERY_ADMIN = {"admin_a", "admin_b", "prefecture", "national"}


def _object_routes(namespace, key, roles):
    """history, history_results and usage of one object, readable by ``roles``."""
    return {
        f"{namespace}:{view}": (
            lambda w, view=view: reverse(f"{namespace}:{view}", args=[w[key].pk]),
            roles,
        )
        for view in ("history", "history_results", "usage")
    }


RULES = {
    **_object_routes("trainingsession", "session", {"admin_a", "prefecture", "national"}),
    **_object_routes("kpitarget", "target", {"admin_a", "prefecture", "national"}),
    **_object_routes("population", "population", {"national"}),
    "kpi_api:api-root": (lambda w: "/api/", set()),
    "kpi_dashboard": (lambda w: reverse("kpi_dashboard") + "?municipality=271004", AREA_ADMINS),
    "kpi_dashboard_results": (
        lambda w: reverse("kpi_dashboard_results") + "?municipality=271004",
        AREA_ADMINS,
    ),
    "kpi_api:kpi": (lambda w: "/api/kpi/?fiscal_year=2025&municipality=271004", AREA_ADMINS),
    "kpi_api:openapi-json": (lambda w: "/api/openapi.json", set(ROLES)),
    "opendata_supporters": (lambda w: "/opendata/supporters-2025.csv", set(ROLES)),
    "training_session_import": (lambda w: reverse("training_session_import"), EVERY_ADMIN),
    "training_session_import_template": (
        lambda w: reverse("training_session_import_template", args=["csv"]),
        EVERY_ADMIN,
    ),
    "kpi_target_import": (lambda w: reverse("kpi_target_import"), EVERY_ADMIN),
    "kpi_target_import_template": (
        lambda w: reverse("kpi_target_import_template", args=["xlsx"]),
        EVERY_ADMIN,
    ),
    "population_import": (lambda w: reverse("population_import"), {"national"}),
    "population_import_template": (
        lambda w: reverse("population_import_template", args=["csv"]),
        {"national"},
    ),
    "trainingsession:index": (lambda w: reverse("trainingsession:index"), EVERY_ADMIN),
    "trainingsession:index_results": (
        lambda w: reverse("trainingsession:index_results"),
        EVERY_ADMIN,
    ),
    "trainingsession:add": (lambda w: reverse("trainingsession:add"), EVERY_ADMIN),
    "trainingsession:edit": (
        lambda w: reverse("trainingsession:edit", args=[w["session"].pk]),
        AREA_ADMINS,
    ),
    "trainingsession:delete": (
        lambda w: reverse("trainingsession:delete", args=[w["session"].pk]),
        AREA_ADMINS,
    ),
    "trainingsession:inspect": (
        lambda w: reverse("trainingsession:inspect", args=[w["session"].pk]),
        AREA_ADMINS,
    ),
    "kpitarget:index": (lambda w: reverse("kpitarget:index"), EVERY_ADMIN),
    "kpitarget:index_results": (lambda w: reverse("kpitarget:index_results"), EVERY_ADMIN),
    "kpitarget:add": (lambda w: reverse("kpitarget:add"), EVERY_ADMIN),
    "kpitarget:edit": (lambda w: reverse("kpitarget:edit", args=[w["target"].pk]), AREA_ADMINS),
    "kpitarget:delete": (
        lambda w: reverse("kpitarget:delete", args=[w["target"].pk]),
        {"national"},  # municipal and prefectural administrators hold no delete permission
    ),
    "population:index": (lambda w: reverse("population:index"), EVERY_ADMIN),
    "population:index_results": (lambda w: reverse("population:index_results"), EVERY_ADMIN),
    "population:add": (lambda w: reverse("population:add"), {"national"}),
    "population:edit": (
        lambda w: reverse("population:edit", args=[w["population"].pk]),
        {"national"},
    ),
    "population:delete": (
        lambda w: reverse("population:delete", args=[w["population"].pk]),
        {"national"},
    ),
}


@pytest.fixture
def world(django_user_model):
    osaka = factories.municipality()
    sakai = factories.municipality(code="271403", name="堺市")
    course = factories.course(audience="citizen", lessons=1)
    session = factories.training_session(course, municipality=osaka, held_on=dt.date(2025, 6, 1))
    target = KpiTarget.objects.create(
        fiscal_year=2025, level="municipality", municipality=osaka, target=100
    )
    population = Population.objects.create(
        municipality=osaka, fiscal_year=2025, population=2750000, as_of=dt.date(2025, 1, 1)
    )
    admin_codenames = [
        "access_admin",
        *(f"{a}_trainingsession" for a in ("add", "change", "delete", "view")),
        "add_kpitarget",
        "change_kpitarget",
        "view_kpitarget",
        "view_population",
    ]
    admin_permissions = list(Permission.objects.filter(codename__in=admin_codenames))

    def user(name, *, permissions=(), **scope):
        account = django_user_model.objects.create_user(name, password="pw-Secret-1")
        account.user_permissions.add(*permissions)
        if scope:
            AdminScope.objects.create(user=account, **scope)
        return account

    editor_permissions = Permission.objects.filter(codename__in=["access_admin"])
    return {
        "session": session,
        "target": target,
        "population": population,
        "users": {
            "anonymous": None,
            "citizen": user("citizen"),
            "admin_a": user(
                "admin-a", permissions=admin_permissions, level="municipality", municipality=osaka
            ),
            "admin_b": user(
                "admin-b", permissions=admin_permissions, level="municipality", municipality=sakai
            ),
            "prefecture": user(
                "pref",
                permissions=admin_permissions,
                level="prefecture",
                prefecture=osaka.prefecture,
            ),
            "national": django_user_model.objects.create_superuser("national", password="pw-1"),
            "editor": user("editor", permissions=editor_permissions),
        },
    }


def test_every_reports_route_has_a_rule():
    missing = [name for name in reports_routes() if name not in RULES]
    assert missing == [], f"routes without an authorization rule: {missing}"


@pytest.mark.parametrize("route", sorted(RULES))
def test_each_role_gets_exactly_the_access_it_should(client, world, route):
    make_url, allowed_roles = RULES[route]
    url = make_url(world)
    for role in ROLES:
        client.logout()
        if world["users"][role] is not None:
            client.force_login(world["users"][role])
        status = client.get(url).status_code
        expected = ALLOWED if role in allowed_roles else DENIED
        if role not in allowed_roles and route == "kpi_api:kpi":
            expected = {401, 403}
        assert status in expected, f"{route} as {role}: {status}"
