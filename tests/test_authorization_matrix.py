"""Authorization matrix: every route of the product, for every role, gets exactly the access it
should (GET). The routes are read from the URL configuration, so a new route of one of our apps
without a rule here fails ``test_every_route_has_a_rule``.

Roles are the product's own: the municipal administrator holds the permissions ``seed_demo``
gives that group, scoped to 大阪市 (A) or 堺市 (B); the prefectural administrator the same
permissions for 大阪府; the editor may open the admin but has no area.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from certificates.exports import scope_key
from certificates.models import Certificate, CertificateExport, CourseCertificateOptions
from courses.models import ConsultationWindow, StaffAssignment
from elearning.management.commands.seed_demo import MUNICIPAL_ADMIN_PERMISSIONS
from organizations.models import AdminScope, Department, Learner, StaffMember
from organizations.scopes import scope_for_user
from quizzes.models import QuestionnairePage
from reports.models import KpiTarget, Population
from tests import factories

pytestmark = pytest.mark.django_db

OURS = ("elearning", "organizations", "courses", "quizzes", "certificates", "reports")
ROLES = ("anonymous", "citizen", "staff", "admin_a", "admin_b", "prefecture", "national", "editor")
DENIED = {302, 403, 404, 405}  # the admin sends people without access to its login page
OK = {200}

EVERYONE = set(ROLES)
NOBODY: set[str] = set()
ADMINS = {"admin_a", "admin_b", "prefecture", "national"}  # every administrator with an area
AREA_A = {"admin_a", "prefecture", "national"}  # those whose area holds 大阪市's records
NATIONAL = {"national"}


def our_routes():
    """(route name, view) of every URL pattern served by one of our apps."""

    def walk(patterns, ns=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ns
                if pattern.namespace:
                    inner = f"{ns}:{pattern.namespace}" if ns else pattern.namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                callback = pattern.callback
                view = getattr(callback, "view_class", callback)
                model = (getattr(callback, "view_initkwargs", None) or {}).get("model")
                if isinstance(model, str):
                    app = model.split(".")[0]
                elif model is not None:
                    app = model._meta.app_label
                else:
                    app = view.__module__.split(".")[0]
                if app in OURS or ns == "kpi_api":
                    name = pattern.name or str(pattern.pattern)
                    yield f"{ns}:{name}" if ns else name

    return sorted(set(walk(get_resolver().url_patterns)))


def pk_routes(namespace, key, views, roles):
    return {
        f"{namespace}:{view}": (
            lambda w, view=view: reverse(f"{namespace}:{view}", args=[w[key].pk]),
            roles,
        )
        for view in views
    }


def listing(namespace, roles, *, add=True):
    views = ["index", "index_results"] + (["add"] if add else [])
    return {
        f"{namespace}:{view}": (lambda w, view=view: reverse(f"{namespace}:{view}"), roles)
        for view in views
    }


OBJECT_VIEWS = ("edit", "delete", "history", "history_results", "usage", "inspect")
SNIPPET_VIEWS = ("edit", "delete", "copy", "history", "history_results", "usage")
WINDOWS = "wagtailsnippets_courses_consultationwindow"
OPTIONS = "wagtailsnippets_certificates_coursecertificateoptions"
QUESTIONS = "wagtailsnippets_quizzes_question"


def snippet_listing(namespace, roles):
    return {
        f"{namespace}:{view}": (lambda w, view=view: reverse(f"{namespace}:{view}"), roles)
        for view in ("list", "list_results", "add")
    }


# Wagtail's snippet choosers are open to everyone who may use the admin (editors link windows,
# questions and wording into pages); what they list is public content.
CHOOSERS = ADMINS | {"editor"}


def chooser(model_path, key, roles, *, create):
    namespace = f"wagtailsnippetchoosers_{model_path}"
    return {
        f"{namespace}:choose": (lambda w: reverse(f"{namespace}:choose"), roles),
        f"{namespace}:choose_results": (lambda w: reverse(f"{namespace}:choose_results"), roles),
        f"{namespace}:chosen": (
            lambda w: reverse(f"{namespace}:chosen", args=[w[key].pk]),
            roles,
        ),
        f"{namespace}:chosen_multiple": (
            lambda w: reverse(f"{namespace}:chosen_multiple") + f"?id={w[key].pk}",
            roles,
        ),
        # Creating from the chooser needs the model's "add" permission.
        f"{namespace}:create": (lambda w: reverse(f"{namespace}:create"), create),
    }


RULES = {
    # Public site
    "healthz": (lambda w: "/healthz", EVERYONE),
    "favicon.ico": (lambda w: "/favicon.ico", NOBODY),  # a redirect for everyone (301)
    "my-learning": (lambda w: reverse("my-learning"), EVERYONE),
    "learner-profile": (lambda w: reverse("learner-profile"), EVERYONE),
    "save-reflection": (lambda w: reverse("save-reflection", args=[w["lesson"].pk]), NOBODY),
    # A learner's own records (others are sent back to /my/).
    "export-my-data": (lambda w: reverse("export-my-data"), {"citizen", "staff"}),
    "delete-my-data": (lambda w: reverse("delete-my-data"), {"citizen", "staff"}),
    "signup": (lambda w: reverse("signup"), {"anonymous"}),
    # Password reset: the same pages for everyone; a bad link answers with a page saying so.
    "password_reset": (lambda w: reverse("password_reset"), EVERYONE),
    "password_reset_done": (lambda w: reverse("password_reset_done"), EVERYONE),
    "password_reset_confirm": (
        lambda w: reverse("password_reset_confirm", args=["MQ", "bad-token"]),
        EVERYONE,
    ),
    "password_reset_complete": (lambda w: reverse("password_reset_complete"), EVERYONE),
    "staff-set-password": (
        lambda w: reverse("staff-set-password", args=["MQ", "bad-token"]),
        EVERYONE,  # an invalid link answers with a page saying so
    ),
    # Certificates: whoever holds the code (the verify form is for anyone)
    "certificate-lookup": (lambda w: reverse("certificate-lookup"), EVERYONE),
    "certificate-verify": (lambda w: reverse("certificate-verify", args=[w["code"]]), EVERYONE),
    "certificate-pdf": (lambda w: reverse("certificate-pdf", args=[w["code"]]), EVERYONE),
    "certificate-credential": (
        lambda w: reverse("certificate-credential", args=[w["code"]]),
        EVERYONE,
    ),
    "certificate-card": (lambda w: reverse("certificate-card", args=[w["code"]]), EVERYONE),
    "certificate-key": (lambda w: reverse("certificate-key"), EVERYONE),
    "certificate-status-list": (
        lambda w: reverse("certificate-status-list", args=[w["code_status_list"]]),
        EVERYONE,
    ),
    "did-document": (lambda w: reverse("did-document"), EVERYONE),
    # Receiving a certificate is for the learner who completed (the citizen here).
    "certificate-claim": (
        lambda w: reverse("certificate-claim", args=[w["code"]]),
        {"citizen"},
    ),
    # KPI
    "opendata_supporters": (lambda w: "/opendata/supporters-2025.csv", EVERYONE),
    "opendata": (lambda w: "/opendata/", EVERYONE),
    "opendata_package": (lambda w: "/opendata/supporters-2025.datapackage.json", EVERYONE),
    "kpi_api:kpi": (lambda w: "/api/kpi/?fiscal_year=2025&municipality=271004", AREA_A),
    "kpi_api:openapi-json": (lambda w: "/api/openapi.json", EVERYONE),
    "kpi_api:api-root": (lambda w: "/api/", NOBODY),
    "kpi_dashboard": (lambda w: reverse("kpi_dashboard") + "?municipality=271004", AREA_A),
    "kpi_dashboard_results": (
        lambda w: reverse("kpi_dashboard_results") + "?municipality=271004",
        AREA_A,
    ),
    # Imports
    "training_session_import": (lambda w: reverse("training_session_import"), ADMINS),
    "training_session_import_template": (
        lambda w: reverse("training_session_import_template", args=["csv"]),
        ADMINS,
    ),
    "kpi_target_import": (lambda w: reverse("kpi_target_import"), ADMINS),
    "kpi_target_import_template": (
        lambda w: reverse("kpi_target_import_template", args=["csv"]),
        ADMINS,
    ),
    "population_import": (lambda w: reverse("population_import"), NATIONAL),
    "population_import_template": (
        lambda w: reverse("population_import_template", args=["csv"]),
        NATIONAL,
    ),
    "staff_roster_import": (lambda w: reverse("staff_roster_import"), ADMINS),
    "staff_roster_import_template": (
        lambda w: reverse("staff_roster_import_template", args=["csv"]),
        ADMINS,
    ),
    "staff_invitations": (lambda w: reverse("staff_invitations"), ADMINS),
    # Reports
    "quiz_reports": (lambda w: reverse("quiz_reports"), ADMINS),
    "quiz_item_analysis": (lambda w: reverse("quiz_item_analysis", args=[w["quiz"].pk]), ADMINS),
    "quiz_item_analysis_results": (
        lambda w: reverse("quiz_item_analysis_results", args=[w["quiz"].pk]),
        ADMINS,
    ),
    "questionnaire_summary": (
        lambda w: reverse("questionnaire_summary", args=[w["questionnaire"].pk]),
        ADMINS,
    ),
    "questionnaire_summary_results": (
        lambda w: reverse("questionnaire_summary_results", args=[w["questionnaire"].pk]),
        ADMINS,
    ),
    "staff_training_report": (lambda w: reverse("staff_training_report"), ADMINS),
    "staff_training_report_results": (
        lambda w: reverse("staff_training_report_results"),
        ADMINS,
    ),
    "staff_training_assignment": (
        lambda w: reverse("staff_training_assignment", args=[w["assignment"].pk]),
        AREA_A,
    ),
    "staff_training_assignment_results": (
        lambda w: reverse("staff_training_assignment_results", args=[w["assignment"].pk]),
        AREA_A,
    ),
    "staff_training_pending": (
        lambda w: reverse("staff_training_pending", args=[w["assignment"].pk]),
        AREA_A,
    ),
    "staff_training_pending_results": (
        lambda w: reverse("staff_training_pending_results", args=[w["assignment"].pk]),
        AREA_A,
    ),
    "certificate_export_download": (
        lambda w: reverse("certificate_export_download", args=[w["export"].pk]),
        {"admin_a", "national"},  # the administrator who asked for it (and national)
    ),
    # Viewsets
    **listing("trainingsession", ADMINS),
    **pk_routes("trainingsession", "session", OBJECT_VIEWS, AREA_A),
    **listing("kpitarget", ADMINS),
    **pk_routes("kpitarget", "target", ("edit", "history", "history_results", "usage"), AREA_A),
    "kpitarget:delete": (lambda w: reverse("kpitarget:delete", args=[w["target"].pk]), NATIONAL),
    **listing("population", ADMINS),
    "population:add": (lambda w: reverse("population:add"), NATIONAL),
    **pk_routes("population", "population", OBJECT_VIEWS[:5], NATIONAL),
    **listing("municipality", ADMINS, add=False),
    **pk_routes("municipality", "osaka", ("inspect",), AREA_A),
    "municipality:edit": (lambda w: reverse("municipality:edit", args=[w["osaka"].pk]), NATIONAL),
    **listing("department", ADMINS),
    **pk_routes("department", "department", ("edit", "history", "history_results"), AREA_A),
    "department:delete": (
        lambda w: reverse("department:delete", args=[w["department"].pk]),
        NATIONAL,
    ),
    **listing("staff_members", ADMINS, add=False),
    # Staff are added by importing the roster: the add screen leads there.
    "staff_members:add": (lambda w: reverse("staff_members:add"), NOBODY),
    **pk_routes("staff_members", "staff_member", OBJECT_VIEWS, AREA_A),
    **listing("staff_assignments", ADMINS),
    **pk_routes("staff_assignments", "assignment", OBJECT_VIEWS, AREA_A),
    **listing("certificate", ADMINS, add=False),
    **pk_routes("certificate", "certificate", ("edit", "inspect", "pdf", "revoke"), AREA_A),
    **listing("certificateexport", ADMINS),
    **snippet_listing(WINDOWS, ADMINS),
    **pk_routes(WINDOWS, "window", SNIPPET_VIEWS, AREA_A),
    **chooser("courses_consultationwindow", "window", CHOOSERS, create=ADMINS),
    # National content: the question bank and per-course certificate wording.
    **snippet_listing(QUESTIONS, NATIONAL),
    **pk_routes(QUESTIONS, "question", SNIPPET_VIEWS, NATIONAL),
    **chooser("quizzes_question", "question", CHOOSERS, create=NATIONAL),
    **snippet_listing(OPTIONS, NATIONAL),
    **pk_routes(OPTIONS, "options", SNIPPET_VIEWS, NATIONAL),
    **chooser("certificates_coursecertificateoptions", "options", CHOOSERS, create=NATIONAL),
    # Who administers what: national only.
    **listing("adminscope", NATIONAL),
    **pk_routes("adminscope", "scope_row", SNIPPET_VIEWS, NATIONAL),
    # Certificates are made by completing and never deleted (revoked instead).
    "certificate:add": (lambda w: reverse("certificate:add"), NOBODY),
    "certificate:delete": (
        lambda w: reverse("certificate:delete", args=[w["certificate"].pk]),
        NOBODY,
    ),
    **pk_routes("certificate", "certificate", ("history", "history_results", "usage"), AREA_A),
    # Municipal administrators may ask for exports but not change or delete them.
    **pk_routes("certificateexport", "export", ("edit", "delete", "usage"), NATIONAL),
    **pk_routes(
        "certificateexport", "export", ("history", "history_results"), {"admin_a", "national"}
    ),
    **pk_routes("department", "department", ("copy", "usage"), AREA_A),
    "municipality:add": (lambda w: reverse("municipality:add"), NATIONAL),
    **pk_routes("municipality", "osaka", ("copy", "delete"), NATIONAL),
    **pk_routes("municipality", "osaka", ("history", "history_results", "usage"), NATIONAL),
    "staff_members:copy": (
        lambda w: reverse("staff_members:copy", args=[w["staff_member"].pk]),
        NOBODY,
    ),
}


@pytest.fixture
def world(django_user_model):
    osaka = factories.municipality()
    sakai = factories.municipality(code="271403", name="堺市")
    course = factories.course(audience="citizen", lessons=1)
    staff_course = factories.course(audience="staff", lessons=1)
    # The quiz and questionnaire sit in a course of their own, so the one above completes.
    quiz_course = factories.course(audience="citizen", lessons=1)
    quiz = factories.quiz(quiz_course)
    questionnaire = QuestionnairePage(title="アンケート", slug="questionnaire")
    quiz_course.add_child(instance=questionnaire)
    department = Department.objects.create(municipality=osaka, name="福祉課")

    permissions = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in MUNICIPAL_ADMIN_PERMISSIONS
    ]

    def account(name, *, perms=(), **scope):
        user = django_user_model.objects.create_user(name, password="pw-Secret-1")
        user.user_permissions.add(*perms)
        if scope:
            AdminScope.objects.create(user=user, **scope)
        return user

    citizen = account("citizen")
    citizen_learner = Learner.objects.create(user=citizen, municipality=osaka)
    completion = factories.completion(course, municipality=osaka)
    completion.learner = citizen_learner
    completion.save(update_fields=["learner"])
    certificate = Certificate.objects.get(completion=completion)

    staff = account("staff")
    staff_learner = Learner.objects.create(
        user=staff, municipality=osaka, department=department, attendee_type="government"
    )
    staff_member = StaffMember.objects.create(
        municipality=osaka,
        staff_number="1001",
        name="職員 太郎",
        department=department,
        learner=staff_learner,
    )
    admin_a = account("admin-a", perms=permissions, level="municipality", municipality=osaka)
    assignment = StaffAssignment.objects.create(
        municipality=osaka,
        course=staff_course,
        starts_on=dt.date(2025, 4, 1),
        due_on=dt.date(2025, 6, 30),
        fiscal_year=2025,
        created_by=admin_a,
    )
    export = CertificateExport.objects.create(
        requested_by=admin_a, status="done", requested_scope=scope_key(scope_for_user(admin_a))
    )
    export.file.save("certificates.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    users = {
        "anonymous": None,
        "citizen": citizen,
        "staff": staff,
        "admin_a": admin_a,
        "admin_b": account("admin-b", perms=permissions, level="municipality", municipality=sakai),
        "prefecture": account(
            "pref", perms=permissions, level="prefecture", prefecture=osaka.prefecture
        ),
        "national": django_user_model.objects.create_superuser("national", password="pw-1"),
        "editor": account("editor", perms=Permission.objects.filter(codename="access_admin")),
    }
    return {
        "users": users,
        "osaka": osaka,
        "lesson": factories.lessons_of(course)[0],
        "quiz": quiz,
        "questionnaire": questionnaire,
        "code": certificate.code,
        "code_status_list": certificate.status_list,
        "certificate": certificate,
        "department": department,
        "staff_member": staff_member,
        "assignment": assignment,
        "export": export,
        "window": ConsultationWindow.objects.create(name="相談窓口", municipality=osaka),
        "question": quiz.questions.first(),
        "options": CourseCertificateOptions.objects.create(course=course),
        "scope_row": AdminScope.objects.get(user=admin_a),
        "session": factories.training_session(
            course, municipality=osaka, held_on=dt.date(2025, 6, 1)
        ),
        "target": KpiTarget.objects.create(
            fiscal_year=2025, level="municipality", municipality=osaka, target=100
        ),
        "population": Population.objects.create(
            municipality=osaka, fiscal_year=2025, population=1000, as_of=dt.date(2025, 1, 1)
        ),
    }


def test_every_route_has_a_rule():
    missing = [name for name in our_routes() if name not in RULES]
    assert missing == [], f"routes without an authorization rule: {missing}"


def test_rules_name_only_existing_routes():
    assert sorted(set(RULES) - set(our_routes())) == []


@pytest.mark.parametrize("route", sorted(RULES))
def test_each_role_gets_exactly_the_access_it_should(client, world, route):
    make_url, allowed = RULES[route]
    url = make_url(world)
    wrong = []
    cache.clear()  # the public certificate views are rate-limited per client
    for number, role in enumerate(ROLES):
        client.logout()
        if world["users"][role] is not None:
            client.force_login(world["users"][role])
        status = client.get(url, REMOTE_ADDR=f"192.0.2.{number + 1}").status_code
        if route == "favicon.ico":
            ok = status == 301
        elif role in allowed:
            ok = status in OK
        else:
            ok = status in DENIED or (route.startswith("kpi_api") and status in (401, 403))
        if not ok:
            wrong.append(f"{role}: {status}")
    assert wrong == [], f"{route} ({url}): {', '.join(wrong)}"
