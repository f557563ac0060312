"""Authorization matrix: every route of the product, for every role, gets exactly the access it
should (GET). The routes are read from the URL configuration, so a new route of one of our apps
without a rule here fails ``test_every_route_has_a_rule``.

Roles are the product's own: the municipal administrator holds the permissions ``seed_demo``
gives that group, scoped to 大阪市 (A) or 堺市 (B); the prefectural administrator the same
permissions for 大阪府; the editor may open the admin but has no area. Organisers
(主催者・講師) open the admin with the 主催者・講師 group's permissions and reach only their own
course plans: ``organiser_a`` plans course A in 大阪市, ``organiser_a2`` is another organiser
of 大阪市, ``organiser_b`` one of 堺市.
"""

import datetime as dt
import io
import json
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from openpyxl import load_workbook
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.log_actions import log
from wagtail.models import Page, Task
from wagtail.snippets.views.snippets import SnippetViewSet

from base.dates import tokyo_date
from certificates.exports import scope_key
from certificates.models import Certificate, CertificateExport, CourseCertificateOptions
from courses.models import ConsultationWindow, StaffAssignee, StaffAssignment
from events import services as event_services
from events.models import Organiser, PaperAttendance, PlannedCourse
from organizations.models import (
    AdminScope,
    Department,
    Learner,
    ManagerDelegation,
    RosterSyncRun,
    StaffMember,
    StaffTransfer,
)
from organizations.scopes import scope_for_user
from quizzes.models import QuestionnairePage
from reports.models import KpiTarget, Population, TrainingSession
from tests import factories
from tests.scorm import builders as scorm_builders
from tsunagari.management.commands.seed_demo import MUNICIPAL_ADMIN_PERMISSIONS

pytestmark = pytest.mark.django_db

# Top-level packages (views' modules) and app labels ("elearning" is the website app's label).
OURS = (
    "base",
    "website",
    "tsunagari",
    "elearning",
    "organizations",
    "courses",
    "quizzes",
    "scorm",
    "certificates",
    "reports",
    "events",
)
ORGANISERS = {"organiser_a", "organiser_a2", "organiser_b"}
ROLES = (
    "anonymous",
    "citizen",
    "staff",
    "admin_a",
    "admin_b",
    "prefecture",
    "national",
    "editor",
    *sorted(ORGANISERS),
)
DENIED = {302, 403, 404, 405}  # the admin sends people without access to its login page
OK = {200}

EVERYONE = set(ROLES)
NOBODY: set[str] = set()
ADMINS = {"admin_a", "admin_b", "prefecture", "national"}  # every administrator with an area
AREA_A = {"admin_a", "prefecture", "national"}  # those whose area holds 大阪市's records
NATIONAL = {"national"}

# Names only 大阪市's records carry: no admin page (nor export) shown to 堺市's administrator
# or to the editor (who has no area) may contain one of them. 大阪市 itself is named by every
# row of its area (sessions, targets, population, certificates, assignments, sync runs).
MUNICIPALITY_A = "大阪市"
DEPARTMENT_A = "大阪市つながり推進課"
WINDOW_A = "大阪市つながり休止中窓口"
STAFF_A = "職員 太郎"
ADMIN_A = "admin-a"
ORGANISER_A = "つながり講座の会"
MARKERS_A = (MUNICIPALITY_A, DEPARTMENT_A, WINDOW_A, STAFF_A, ADMIN_A, ORGANISER_A)
OUTSIDE_A = {"admin_b", "editor", "organiser_b"}
# Names only organiser A's course plan carries: no admin page shown to anyone but its
# organiser and the administrators of 大阪市's area may contain one of them — not to another
# organiser of 大阪市 either.
COURSE_A_VENUE = "つながり会館A"
COURSE_A_INSTRUCTOR = "講師 一郎"
ORGANISATION_A = "北区つながりの会"
MARKERS_COURSE_A = (COURSE_A_VENUE, COURSE_A_INSTRUCTOR, ORGANISATION_A)
OUTSIDE_COURSE_A = OUTSIDE_A | {"organiser_a2"}
# A comment an attendee of course A' left in its questionnaire: for course A's organiser and
# 大阪市's administrator only — not the prefecture's or the nation's either (they see counts).
COMMENT_A = "アンケートの感想Aです"
COMMENT_READERS = {"organiser_a", "admin_a"}


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
SCORM_PACKAGES = "wagtailsnippets_scorm_scormpackage"


def snippet_listing(namespace, roles):
    return {
        f"{namespace}:{view}": (lambda w, view=view: reverse(f"{namespace}:{view}"), roles)
        for view in ("list", "list_results", "add")
    }


COURSE_A = AREA_A | {"organiser_a"}  # course A's organiser and the administrators above it
PLANNERS = ADMINS | ORGANISERS  # everyone who plans courses


# Wagtail's snippet choosers are open to everyone who may use the admin (editors link windows,
# questions and wording into pages); what they list is public content.
CHOOSERS = ADMINS | {"editor"} | ORGANISERS


def chooser(model_path, key, roles, *, create, chosen=None):
    """The five URLs of a snippet chooser. ``chosen``: who may pick the object by its id (for
    an area-scoped chooser, only those whose area holds it); the listings answer everyone in
    ``roles``, and the leak check makes sure they list nothing of another area."""
    namespace = f"wagtailsnippetchoosers_{model_path}"
    return {
        f"{namespace}:choose": (lambda w: reverse(f"{namespace}:choose"), roles),
        f"{namespace}:choose_results": (lambda w: reverse(f"{namespace}:choose_results"), roles),
        f"{namespace}:chosen": (
            lambda w: reverse(f"{namespace}:chosen", args=[w[key].pk]),
            roles if chosen is None else chosen,
        ),
        f"{namespace}:chosen_multiple": (
            lambda w: reverse(f"{namespace}:chosen_multiple") + f"?id={w[key].pk}",
            roles,
        ),
        # The choosers have no creation form (snippets are added on their own screens): 404.
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
    # 講座（対面・ライブ配信）: the public finder, a public course, its calendar file and
    # sign-up, a sign-up's own page (whoever holds its link), organiser registration.
    "course-finder": (lambda w: reverse("course-finder"), EVERYONE),
    "course-event": (lambda w: reverse("course-event", args=[w["planned"].pk]), EVERYONE),
    "course-event-ics": (lambda w: reverse("course-event-ics", args=[w["planned"].pk]), EVERYONE),
    "course-event-signup": (
        lambda w: reverse("course-event-signup", args=[w["planned"].pk]),
        EVERYONE,
    ),
    "course-signup": (lambda w: w["course_signup"].get_absolute_url(), EVERYONE),
    # Check-in: public, but only inside the course's window (course A's is not now: refused
    # for everyone, signed-in or not) and the attendee's own page only for the browser whose
    # cookie made the check-in — no role opens someone's (tests/events/test_checkin.py).
    "course-check-in": (lambda w: reverse("course-check-in", args=[w["planned"].pk]), NOBODY),
    "course-check-in-done": (
        lambda w: reverse("course-check-in-done", args=["1:not-a-signature"]),
        NOBODY,
    ),
    # The held course's questionnaire: as the attendee's own page, only for the browser that
    # checked in (tests/events/test_questionnaire.py).
    "course-check-in-questionnaire": (
        lambda w: reverse("course-check-in-questionnaire", args=["1:not-a-signature"]),
        NOBODY,
    ),
    "organiser-register": (lambda w: reverse("organiser-register"), EVERYONE),
    "organiser-set-password": (
        lambda w: reverse("organiser-set-password", args=["MQ", "bad-token"]),
        EVERYONE,  # an invalid link answers with a page saying so
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
    "staff_training_expiring": (lambda w: reverse("staff_training_expiring"), ADMINS),
    "staff_training_expiring_results": (
        lambda w: reverse("staff_training_expiring_results"),
        ADMINS,
    ),
    "staff_training_history_index": (
        lambda w: reverse("staff_training_history_index") + "?q=1001",
        ADMINS,
    ),
    "staff_training_history_index_results": (
        lambda w: reverse("staff_training_history_index_results"),
        ADMINS,
    ),
    "staff_training_history": (
        lambda w: reverse("staff_training_history", args=[w["staff_member"].pk]),
        AREA_A,
    ),
    "staff_training_history_results": (
        lambda w: reverse("staff_training_history_results", args=[w["staff_member"].pk]),
        AREA_A,
    ),
    "certificate_export_download": (
        lambda w: reverse("certificate_export_download", args=[w["export"].pk]),
        {"admin_a", "national"},  # the administrator who asked for it (and national)
    ),
    # Viewsets
    # 開催計画: every planner lists (their own) and adds; course A's screens are its
    # organiser's and its area's administrators' only.
    **listing("plannedcourse", PLANNERS),
    **pk_routes("plannedcourse", "planned", OBJECT_VIEWS, COURSE_A),
    # 受付（QR コード）: the slide and the poster of course A, as its other screens.
    **pk_routes("plannedcourse", "planned", ("checkin", "checkin_poster"), COURSE_A),
    # After course A' (held yesterday): 当日の受付・実施報告, the report form, a printed batch of
    # paper cards again; printing itself is a POST (a GET is refused for everyone).
    **pk_routes("plannedcourse", "held", ("attendance", "report"), COURSE_A),
    "plannedcourse:paper_cards": (
        lambda w: reverse("plannedcourse:paper_cards", args=[w["held"].pk]),
        NOBODY,
    ),
    "plannedcourse:paper_cards_pdf": (
        lambda w: reverse("plannedcourse:paper_cards_pdf", args=[w["held"].pk, w["batch"]]),
        COURSE_A,
    ),
    # 主催者・講師: managed by the administrators of their area; organisers see none.
    **listing("organisers", ADMINS),
    **pk_routes("organisers", "organiser_a", (*OBJECT_VIEWS, "approve", "suspend"), AREA_A),
    **listing("trainingsession", ADMINS),
    **pk_routes("trainingsession", "session", OBJECT_VIEWS, AREA_A),
    # Approving or returning a report: its area's approvers (the municipal administrators).
    **pk_routes("trainingsession", "session", ("review",), AREA_A),
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
    # The training office keeps its own unit tree (局・部 → 課 → 係).
    "department:delete": (
        lambda w: reverse("department:delete", args=[w["department"].pk]),
        AREA_A,
    ),
    # 管理監督者の代理: kept by the area's administrators (and managers, not roles here).
    **listing("manager_delegations", ADMINS),
    **pk_routes(
        "manager_delegations",
        "delegation",
        ("edit", "delete", "inspect", "history", "history_results", "usage"),
        AREA_A,
    ),
    # 異動履歴: written by roster imports only; read in the area.
    **listing("staff_transfers", ADMINS, add=False),
    "staff_transfers:add": (lambda w: reverse("staff_transfers:add"), NOBODY),
    **pk_routes("staff_transfers", "transfer", ("inspect",), AREA_A),
    **pk_routes(
        "staff_transfers",
        "transfer",
        ("edit", "delete", "history", "history_results", "usage"),
        NOBODY,
    ),
    **listing("staff_members", ADMINS, add=False),
    # Staff are added by importing the roster: the add screen leads there.
    "staff_members:add": (lambda w: reverse("staff_members:add"), NOBODY),
    **pk_routes("staff_members", "staff_member", OBJECT_VIEWS, AREA_A),
    # Roster sync runs are written by the sync only: read in the area, changed by nobody.
    **listing("roster_sync_runs", ADMINS, add=False),
    "roster_sync_runs:add": (lambda w: reverse("roster_sync_runs:add"), NOBODY),
    **pk_routes("roster_sync_runs", "sync_run", ("inspect",), AREA_A),
    **pk_routes(
        "roster_sync_runs",
        "sync_run",
        ("edit", "delete", "history", "history_results", "usage"),
        NOBODY,
    ),
    **listing("staff_assignments", ADMINS),
    **pk_routes("staff_assignments", "assignment", OBJECT_VIEWS, AREA_A),
    **listing("certificate", ADMINS, add=False),
    **pk_routes("certificate", "certificate", ("edit", "inspect", "pdf", "revoke"), AREA_A),
    **listing("certificateexport", ADMINS),
    **snippet_listing(WINDOWS, ADMINS),
    **pk_routes(WINDOWS, "window", SNIPPET_VIEWS, AREA_A),
    **chooser("courses_consultationwindow", "window", CHOOSERS, create=NOBODY, chosen=AREA_A),
    # National content: the question bank and per-course certificate wording.
    **snippet_listing(QUESTIONS, NATIONAL),
    **pk_routes(QUESTIONS, "question", SNIPPET_VIEWS, NATIONAL),
    **chooser("quizzes_question", "question", CHOOSERS, create=NOBODY),
    **snippet_listing(OPTIONS, NATIONAL),
    **pk_routes(OPTIONS, "options", SNIPPET_VIEWS, NATIONAL),
    **chooser("certificates_coursecertificateoptions", "options", CHOOSERS, create=NOBODY),
    # SCORM packages: national content like the pages that use them; a package's files go to
    # the staff assigned its course (and the national administrator, who may edit the page).
    **snippet_listing(SCORM_PACKAGES, NATIONAL),
    **pk_routes(
        SCORM_PACKAGES,
        "scorm_package",
        ("edit", "delete", "history", "history_results", "usage", "inspect"),
        NATIONAL,
    ),
    **chooser("scorm_scormpackage", "scorm_package", CHOOSERS, create=NOBODY),
    "scorm-file": (
        lambda w: reverse("scorm-file", args=[w["scorm_package"].pk, "index.html"]),
        {"staff", "national"},
    ),
    # The SCORM API's commits are POSTs (tests/scorm/test_commit.py): GET answers 405.
    "scorm-commit": (
        lambda w: reverse("scorm-commit", args=[w["scorm_page"].pk, w["scorm_package"].pk]),
        NOBODY,
    ),
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


# --- Wagtail's own admin routes: reports, choosers, bulk actions ------------------------------
# Not ours, but they list records: every report, chooser and bulk action gets a rule too
# (``test_every_wagtail_report_chooser_and_bulk_action_has_a_rule``), and the leak check.

ADMIN_USERS = ADMINS | {"editor"} | ORGANISERS  # everyone who may open the admin


def bulk(app_model, action, key, roles):
    app, model = app_model.split(".")

    def url(w):
        ids = w[key] if isinstance(w[key], list) else [w[key]]
        query = "&".join(f"id={obj.pk}" for obj in ids)
        return reverse("wagtail_bulk_action", args=[app, model, action]) + f"?{query}"

    return {f"bulk:{app_model}:{action}": (url, roles)}


def plain(name, roles, *args):
    return {name: (lambda w: reverse(name, args=[w[a] for a in args]), roles)}


def wagtail_chooser(namespace, key, roles, *, create=NATIONAL, chosen=None):
    return {
        f"{namespace}:choose": (lambda w: reverse(f"{namespace}:choose"), roles),
        f"{namespace}:choose_results": (lambda w: reverse(f"{namespace}:choose_results"), roles),
        f"{namespace}:chosen": (
            lambda w: reverse(f"{namespace}:chosen", args=[w[key].pk]),
            roles if chosen is None else chosen,
        ),
        f"{namespace}:chosen_multiple": (
            lambda w: reverse(f"{namespace}:chosen_multiple") + f"?id={w[key].pk}",
            roles,
        ),
        f"{namespace}:create": (lambda w: reverse(f"{namespace}:create"), create),
    }


WAGTAIL_RULES = {
    # Page reports need page permissions, held by the national administrators only.
    **{
        f"wagtailadmin_reports:{name}": (
            lambda w, name=name: reverse(f"wagtailadmin_reports:{name}"),
            NATIONAL,
        )
        for name in (
            "locked_pages",
            "locked_pages_results",
            "workflow",
            "workflow_results",
            "workflow_tasks",
            "workflow_tasks_results",
            "aging_pages",
            "aging_pages_results",
            "page_types_usage",
            "page_types_usage_results",
        )
    },
    # The site history: everyone in the admin, each reading their own area (leak check).
    "wagtailadmin_reports:site_history": (
        lambda w: reverse("wagtailadmin_reports:site_history"),
        ADMIN_USERS,
    ),
    "wagtailadmin_reports:site_history_results": (
        lambda w: reverse("wagtailadmin_reports:site_history_results"),
        ADMIN_USERS,
    ),
    "site_history_csv": (
        lambda w: reverse("wagtailadmin_reports:site_history") + "?export=csv",
        ADMIN_USERS,
    ),
    # The page chooser: pages are national, public content.
    **plain("wagtailadmin_choose_page", ADMIN_USERS),
    **plain("wagtailadmin_choose_page_child", ADMIN_USERS, "root_page_id"),
    "wagtailadmin_choose_page_search": (
        lambda w: reverse("wagtailadmin_choose_page_search") + "?q=a",
        ADMIN_USERS,
    ),
    "wagtailadmin_choose_page_chosen_multiple": (
        lambda w: reverse("wagtailadmin_choose_page_chosen_multiple") + f"?id={w['lesson'].pk}",
        ADMIN_USERS,
    ),
    **plain("wagtailadmin_choose_page_external_link", ADMIN_USERS),
    **plain("wagtailadmin_choose_page_email_link", ADMIN_USERS),
    **plain("wagtailadmin_choose_page_phone_link", ADMIN_USERS),
    **plain("wagtailadmin_choose_page_anchor_link", ADMIN_USERS),
    # Workflow tasks, images and documents are national content (lesson media, the approval
    # step); Wagtail lets everyone in the admin choose them, and they name no area.
    **plain("wagtailadmin_workflows:task_chooser", ADMIN_USERS),
    **plain("wagtailadmin_workflows:task_chooser_results", ADMIN_USERS),
    **plain("wagtailadmin_workflows:task_chooser_create", ADMIN_USERS),
    **plain("wagtailadmin_workflows:task_chosen", ADMIN_USERS, "task_id"),
    **plain("wagtailembeds:chooser", ADMIN_USERS),
    **plain("wagtailembeds:chooser_upload", ADMIN_USERS),
    # Picking one by its id needs the permission to choose it (national administrators).
    **wagtail_chooser("wagtaildocs_chooser", "document", ADMIN_USERS, chosen=NATIONAL),
    **wagtail_chooser("wagtailimages_chooser", "image", ADMIN_USERS, chosen=NATIONAL),
    "wagtailimages_chooser:select_format": (
        lambda w: reverse("wagtailimages_chooser:select_format", args=[w["image"].pk]),
        NATIONAL,
    ),
    # Bulk actions on another area's rows: the confirmation page is for those whose area
    # holds them; 堺市 gets 404 (its area has no such row), names nothing.
    **bulk("courses.consultationwindow", "delete", "window", AREA_A),
    # One window of 大阪市 and one of 堺市: each administrator is offered their own only.
    **bulk("courses.consultationwindow", "delete", "windows_a_and_b", ADMINS),
    **bulk("quizzes.question", "delete", "question", NATIONAL),
    **bulk("scorm.scormpackage", "delete", "scorm_package", NATIONAL),
    **bulk("certificates.coursecertificateoptions", "delete", "options", NATIONAL),
    **{
        f"bulk:auth.user:{action}": (
            lambda w, action=action: (
                reverse("wagtail_bulk_action", args=["auth", "user", action])
                + f"?id={w['users']['admin_a'].pk}"
            ),
            NATIONAL,
        )
        for action in ("delete", "assign_role", "set_active_state")
    },
    # Pages, images and documents: Wagtail would answer its confirmation page to everyone in
    # the admin, naming what they may not change; ours refuses (403) when nothing may be.
    **{
        f"bulk:wagtailcore.page:{action}": (
            lambda w, action=action: (
                reverse("wagtail_bulk_action", args=["wagtailcore", "page", action])
                + f"?id={w['lesson'].pk}"
            ),
            NATIONAL,
        )
        for action in ("delete", "move", "publish", "unpublish")
    },
    **{
        f"bulk:{app}.{model}:{action}": (
            lambda w, app=app, model=model, action=action: (
                reverse("wagtail_bulk_action", args=[app, model, action]) + f"?id={w[model].pk}"
            ),
            NATIONAL,
        )
        for app, model in (("wagtaildocs", "document"), ("wagtailimages", "image"))
        for action in ("delete", "add_tags", "add_to_collection")
    },
}


def wagtail_listing_routes():
    """Names of Wagtail's report and chooser routes, and every registered bulk action."""
    from wagtail.admin.views.bulk_action.registry import bulk_action_registry

    def walk(patterns, ns=None, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ns
                if pattern.namespace:
                    inner = f"{ns}:{pattern.namespace}" if ns else pattern.namespace
                yield from walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                path = prefix + str(pattern.pattern)
                name = f"{ns}:{pattern.name}" if ns else pattern.name
                if path.startswith("admin/") and (
                    "reports/" in path or "choose" in path or "chooser" in path
                ):
                    yield name

    names = {name for name in walk(get_resolver().url_patterns) if name not in RULES}
    names = {name for name in names if not name.startswith("wagtailsnippetchoosers_")}
    bulk_action_registry._scan_for_bulk_actions()
    for app, models in bulk_action_registry.actions.items():
        for model, actions in models.items():
            for action in actions:
                names.add(f"bulk:{app}.{model}:{action}")
    return sorted(names)


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
    department = Department.objects.create(municipality=osaka, name=DEPARTMENT_A)

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
        name=STAFF_A,
        department=department,
        learner=staff_learner,
    )
    admin_a = account(ADMIN_A, perms=permissions, level="municipality", municipality=osaka)
    # A deputy (not one of the roles) lent the view of 大阪市's unit, and a recorded move.
    delegation = ManagerDelegation.objects.create(
        municipality=osaka,
        department=department,
        deputy=account("deputy-a"),
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2099, 3, 31),
        reason=f"{DEPARTMENT_A}の代理",
        delegated_by=admin_a,
    )
    transfer = StaffTransfer.objects.create(
        staff_member=staff_member,
        to_department=department,
        to_name=DEPARTMENT_A,
        moved_on=dt.date(2025, 4, 1),
        source="roster",
    )
    assignment = StaffAssignment.objects.create(
        municipality=osaka,
        course=staff_course,
        starts_on=dt.date(2025, 4, 1),
        due_on=dt.date(2025, 6, 30),
        fiscal_year=2025,
        created_by=admin_a,
    )
    # The staff course's content is a SCORM package, assigned to the staff member.
    scorm_package = scorm_builders.package()
    scorm_page = scorm_builders.scorm_page(staff_course, scorm_package)
    # Completed, and expiring within a month: the list of people expiring soon names them.
    StaffAssignee.objects.create(
        assignment=assignment,
        staff_member=staff_member,
        assigned_on=dt.date(2025, 4, 1),
        completed_at=dt.datetime(2025, 4, 2, tzinfo=dt.UTC),
        valid_until=tokyo_date() + dt.timedelta(days=30),
    )
    window = ConsultationWindow.objects.create(name=WINDOW_A, municipality=osaka, is_active=False)
    # What the site history shows: 大阪市's edits, by 大阪市's administrator.
    for instance in (department, window, staff_member, assignment):
        log(instance, "wagtail.edit", user=admin_a)
        export = CertificateExport.objects.create(
            requested_by=admin_a, status="done", requested_scope=scope_key(scope_for_user(admin_a))
        )
    export.file.save("certificates.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    admin_b = account("admin-b", perms=permissions, level="municipality", municipality=sakai)

    def organiser(name, municipality, invited_by, organisation):
        found = event_services.organiser_invite(
            organiser=Organiser(
                municipality=municipality,
                organisation_type="npo",
                organisation_name=organisation,
                name=name,
                email=f"{name}@example.jp",
            ),
            invited_by=invited_by,
        )
        return found

    organiser_a = organiser("organiser-a", osaka, admin_a, ORGANISATION_A)
    organiser_a2 = organiser("organiser-a2", osaka, admin_a, "大阪ボランティアの会")
    organiser_b = organiser("organiser-b", sakai, admin_b, "堺の会")
    planned = event_services.planned_course_save(
        course=PlannedCourse(
            organiser=organiser_a,
            course=course,
            held_on=tokyo_date() + dt.timedelta(days=10),
            start_time=dt.time(14),
            end_time=dt.time(15, 30),
            venue_name=COURSE_A_VENUE,
            venue_address="大阪市北区1-1",
            instructor_name=COURSE_A_INSTRUCTOR,
            capacity=20,
            is_public=True,
            signup_enabled=True,
        ),
        user=organiser_a.user,
    )
    for other in (organiser_a2, organiser_b):
        event_services.planned_course_save(
            course=PlannedCourse(
                organiser=other,
                course=course,
                held_on=tokyo_date() + dt.timedelta(days=12),
                start_time=dt.time(10),
                end_time=dt.time(11, 30),
                venue_address="どこかの会館",
                instructor_name="ほかの講師",
                capacity=10,
            ),
            user=other.user,
        )
    # Course A' was held yesterday: some attendees counted on paper, two cards printed for
    # them, and its 実施報告 submitted (申請中).
    held = event_services.planned_course_save(
        course=PlannedCourse(
            organiser=organiser_a,
            course=course,
            held_on=tokyo_date() - dt.timedelta(days=1),
            start_time=dt.time(14),
            end_time=dt.time(15, 30),
            venue_name=COURSE_A_VENUE,
            venue_address="大阪市北区1-1",
            instructor_name=COURSE_A_INSTRUCTOR,
            capacity=20,
        ),
        user=organiser_a.user,
    )
    event_services.paper_attendance_save(course=held, counts={"general": 3}, user=organiser_a.user)
    batch = uuid.uuid4()
    event_services.paper_cards_issue(
        course=held, attendee_type="general", count=2, batch=batch, user=organiser_a.user
    )
    event_services.course_report_submit(
        course=held,
        values={
            "organiser_type": "npo",
            "organiser_name": ORGANISATION_A,
            "instructor_name": COURSE_A_INSTRUCTOR,
            "delivery": "in_person",
            "venue": COURSE_A_VENUE,
            "attendees_general": 3,
        },
        user=organiser_a.user,
    )
    held.refresh_from_db()
    # One attendee of course A' checked in on their phone and answered its questionnaire.
    attendee, _new = event_services.check_in_create(
        course=held, browser_token="b" * 43, attendee_type="general", now=held.starts_at
    )
    event_services.questionnaire_answer(
        check_in=attendee,
        understanding="well",
        satisfaction="very",
        reach_out="yes",
        comment=COMMENT_A,
    )
    log(planned, "wagtail.edit", user=organiser_a.user)
    users = {
        "anonymous": None,
        "citizen": citizen,
        "staff": staff,
        "admin_a": admin_a,
        "admin_b": admin_b,
        "prefecture": account(
            "pref", perms=permissions, level="prefecture", prefecture=osaka.prefecture
        ),
        "national": django_user_model.objects.create_superuser("national", password="pw-1"),
        "editor": account("editor", perms=Permission.objects.filter(codename="access_admin")),
        "organiser_a": organiser_a.user,
        "organiser_a2": organiser_a2.user,
        "organiser_b": organiser_b.user,
    }
    return {
        "users": users,
        "planned": planned,
        "held": held,
        "batch": batch,
        "organiser_a": organiser_a,
        "course_signup": event_services.course_signup_create(course=planned, nickname="ひまわり"),
        "osaka": osaka,
        "root_page_id": Page.get_first_root_node().pk,
        "task_id": Task.objects.create(name="承認").pk,
        "document": Document.objects.create(
            title="資料", file=ContentFile(b"%PDF-1.4\n", name="guide.pdf")
        ),
        "image": Image.objects.create(title="写真", file=get_test_image_file()),
        "windows_a_and_b": [
            window,
            ConsultationWindow.objects.create(name="堺市の窓口", municipality=sakai),
        ],
        "lesson": factories.lessons_of(course)[0],
        "quiz": quiz,
        "questionnaire": questionnaire,
        "code": certificate.code,
        "code_status_list": certificate.status_list,
        "certificate": certificate,
        "department": department,
        "delegation": delegation,
        "transfer": transfer,
        "staff_member": staff_member,
        "sync_run": RosterSyncRun.objects.create(
            municipality=osaka,
            file_name="roster.csv",
            mode="whole",
            status="failed",
            result=f"2 行目 氏名：{STAFF_A}",
        ),
        "assignment": assignment,
        "scorm_package": scorm_package,
        "scorm_page": scorm_page,
        "export": export,
        "window": window,
        "question": quiz.questions.first(),
        "options": CourseCertificateOptions.objects.create(course=course),
        "scope_row": AdminScope.objects.get(user=admin_a),
        "session": factories.training_session(
            course, municipality=osaka, held_on=dt.date(2025, 6, 1), organiser=ORGANISER_A
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


def test_every_wagtail_report_chooser_and_bulk_action_has_a_rule():
    missing = [name for name in wagtail_listing_routes() if name not in WAGTAIL_RULES]
    assert missing == [], f"Wagtail routes without an authorization rule: {missing}"


def test_the_site_history_is_the_area_scoped_one():
    from organizations import site_history

    for name in ("site_history", "site_history_results"):
        match = resolve(reverse(f"wagtailadmin_reports:{name}"))
        assert match.func is getattr(site_history, name)


# --- Exports: every listing and report that downloads rows, for every role --------------------
# The same access as the screen; the leak check reads the CSV and the XLSX cells too.


def export(name, roles, *args, query=""):
    def url(w, fmt):
        return reverse(name, args=[w[a].pk for a in args]) + f"?{query}export={fmt}"

    return {
        f"export:{name}:{fmt}": (lambda w, fmt=fmt: url(w, fmt), roles) for fmt in ("csv", "xlsx")
    }


EXPORT_RULES = {
    # The area-scoped listings that download what they list (``list_export``).
    **export("trainingsession:index", ADMINS),
    # Reports
    **export("kpi_dashboard", AREA_A, query="municipality=271004&"),
    **export("staff_training_report", ADMINS),
    **export("staff_training_assignment", AREA_A, "assignment"),
    **export("staff_training_pending", AREA_A, "assignment"),
    **export("staff_training_expiring", ADMINS, query="days=730&"),
    **export("staff_training_history", AREA_A, "staff_member"),
    **export("quiz_item_analysis", ADMINS, "quiz"),
    **export("questionnaire_summary", ADMINS, "questionnaire"),
}


def test_every_listing_with_an_export_has_export_rules():
    """An area-scoped listing that offers CSV/XLSX downloads (it has ``list_export``; without,
    Wagtail's export has no columns) is in ``EXPORT_RULES``."""
    from wagtail.admin.viewsets import viewsets

    from organizations.admin_scoping import is_area_scoped

    get_resolver().url_patterns  # noqa: B018  (Wagtail registers the viewsets with its URLs)
    exported = {
        f"{viewset.url_namespace}:{'list' if isinstance(viewset, SnippetViewSet) else 'index'}"
        for viewset in viewsets.viewsets
        if isinstance(getattr(viewset, "model", None), type)
        and is_area_scoped(viewset.model)
        and getattr(viewset, "list_export", None) not in (None, viewset.UNDEFINED, [])
    }
    assert exported
    missing = [name for name in exported if f"export:{name}:csv" not in EXPORT_RULES]
    assert missing == []


ALL_RULES = {**RULES, **WAGTAIL_RULES, **EXPORT_RULES}


@pytest.mark.parametrize("route", sorted(ALL_RULES))
def test_each_role_gets_exactly_the_access_it_should(client, world, route):
    make_url, allowed = ALL_RULES[route]
    url = make_url(world)
    wrong = []
    cache.clear()  # the public certificate views are rate-limited per client
    for number, role in enumerate(ROLES):
        client.logout()
        if world["users"][role] is not None:
            client.force_login(world["users"][role])
        response = client.get(url, REMOTE_ADDR=f"192.0.2.{number + 1}")
        status = response.status_code
        if route == "favicon.ico":
            ok = status == 301
        elif role in allowed:
            ok = status in OK
        else:
            ok = status in DENIED or (route.startswith("kpi_api") and status in (401, 403))
        if not ok:
            wrong.append(f"{role}: {status}")
        elif status == 200 and url.startswith("/admin/"):
            markers = (
                (MARKERS_A if role in OUTSIDE_A else ())
                + (MARKERS_COURSE_A if role in OUTSIDE_COURSE_A else ())
                + ((COMMENT_A,) if role not in COMMENT_READERS else ())
            )
            text = page_text(response) if markers else ""
            wrong += [f"{role} sees {m}" for m in markers if m in text]
    assert wrong == [], f"{route} ({url}): {', '.join(wrong)}"


def page_text(response):
    """The text of a page, of a chooser's JSON answer (non-ASCII escaped) or of a download
    (a spreadsheet's cells)."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if content.startswith(b"PK") and "spreadsheet" in response.get("Content-Type", ""):
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if getattr(response, "streaming", False):
        return content.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode("utf-8", "replace")


# --- Writes: another area's administrator changes and deletes nothing ---------------------------
# GET shows the screens; a POST straight to another area's edit, delete or revoke URL must be
# refused as well, and leave the row as it was.

WRITES = {
    "trainingsession:edit": ("session", {"organiser_name": "書き換え"}),
    "trainingsession:delete": ("session", {}),
    "trainingsession:review": ("session", {"decision": "return", "comment": "差し戻し"}),
    "kpitarget:edit": ("target", {"target": "1"}),
    "kpitarget:delete": ("target", {}),
    "population:edit": ("population", {"population": "1"}),
    "population:delete": ("population", {}),
    "municipality:edit": ("osaka", {"name": "書き換え", "name_kana": "かきかえ"}),
    "department:edit": ("department", {"name": "書き換え"}),
    "department:delete": ("department", {}),
    "department:copy": ("department", {"name": "写し"}),
    "staff_members:edit": ("staff_member", {"name": "書き換え"}),
    "staff_members:delete": ("staff_member", {}),
    "roster_sync_runs:delete": ("sync_run", {}),
    "manager_delegations:edit": ("delegation", {"reason": "書き換え"}),
    "manager_delegations:delete": ("delegation", {}),
    "staff_transfers:delete": ("transfer", {}),
    "staff_assignments:edit": ("assignment", {"note": "書き換え"}),
    "staff_assignments:delete": ("assignment", {}),
    "certificate:edit": ("certificate", {"name_printed": "書き換え"}),
    "certificate:revoke": ("certificate", {"reason": "不正", "confirmed": "on"}),
    f"{WINDOWS}:edit": ("window", {"name": "書き換え"}),
    f"{WINDOWS}:delete": ("window", {}),
    f"{WINDOWS}:copy": ("window", {"name": "写し"}),
    "plannedcourse:edit": ("planned", {"instructor_name": "書き換え", "capacity": "1"}),
    "plannedcourse:delete": ("planned", {}),
    "organisers:edit": ("organiser_a", {"organisation_name": "書き換え"}),
    "organisers:delete": ("organiser_a", {}),
    "organisers:approve": ("organiser_a", {}),
    "organisers:suspend": ("organiser_a", {}),
    "plannedcourse:attendance": ("held", {"general": "9"}),
    "plannedcourse:report": ("held", {"attendees_general": "9", "organiser_name": "書き換え"}),
    "plannedcourse:paper_cards": (
        "held",
        {"attendee_type": "general", "count": "1", "batch": "00000000-0000-4000-8000-000000000000"},
    ),
}


def _row(instance):
    model = type(instance)
    fresh = model._default_manager.filter(pk=instance.pk).first()
    return None if fresh is None else model_to_dict(fresh)


@pytest.mark.parametrize("route", sorted(WRITES))
def test_another_areas_administrator_changes_nothing_by_post(client, world, route):
    key, data = WRITES[route]
    instance = world[key]
    before = _row(instance)
    model = type(instance)
    count = model._default_manager.count()
    client.force_login(world["users"]["admin_b"])
    response = client.post(reverse(route, args=[instance.pk]), data)
    assert response.status_code in DENIED
    assert _row(instance) == before
    assert model._default_manager.count() == count


def test_another_areas_administrator_bulk_deletes_nothing_of_area_a(client, world):
    window_a, window_b = world["windows_a_and_b"]
    client.force_login(world["users"]["admin_b"])
    url = reverse("wagtail_bulk_action", args=["courses", "consultationwindow", "delete"])
    response = client.post(f"{url}?id={window_a.pk}")
    assert response.status_code in DENIED
    assert ConsultationWindow.objects.filter(pk=window_a.pk).exists()


# Another organiser of the same municipality reaches course A' by its URL id: refused, and
# nothing of it (paper counts, cards, its report) changes.
ORGANISER_WRITES = [
    "plannedcourse:attendance",
    "plannedcourse:report",
    "plannedcourse:paper_cards",
    "plannedcourse:edit",
    "plannedcourse:delete",
]


@pytest.mark.parametrize("route", ORGANISER_WRITES)
def test_another_organiser_changes_nothing_of_course_a_by_post(client, world, route):
    key, data = WRITES[route]
    held = world["held"] if key == "held" else world[key]
    report = _row(world["held"].report)
    counts = list(PaperAttendance.objects.values_list("course", "attendee_type", "count"))
    cards = Certificate.objects.count()
    before = _row(held)
    client.force_login(world["users"]["organiser_a2"])
    response = client.post(reverse(route, args=[held.pk]), data)
    assert response.status_code in DENIED
    assert _row(held) == before
    assert _row(world["held"].report) == report
    assert TrainingSession.objects.count() >= 1
    assert list(PaperAttendance.objects.values_list("course", "attendee_type", "count")) == counts
    assert Certificate.objects.count() == cards


# The questionnaire's comments of course A', on every screen that summarises it: its
# 当日の受付・実施報告, its report form and the approval screen of its report. Whoever opens the
# screen sees the counts; only its organiser and 大阪市's administrator the comment.
QUESTIONNAIRE_SCREENS = {
    "attendance": lambda w: reverse("plannedcourse:attendance", args=[w["held"].pk]),
    "report": lambda w: reverse("plannedcourse:report", args=[w["held"].pk]),
    "review": lambda w: reverse("trainingsession:review", args=[w["held"].report_id]),
}


@pytest.mark.parametrize("screen", sorted(QUESTIONNAIRE_SCREENS))
def test_questionnaire_comments_only_for_the_organiser_and_the_municipality(client, world, screen):
    url = QUESTIONNAIRE_SCREENS[screen](world)
    seen, opened = set(), set()
    for role in ROLES:
        client.logout()
        if world["users"][role] is not None:
            client.force_login(world["users"][role])
        response = client.get(url)
        if response.status_code != 200:
            continue
        text = response.content.decode()
        opened.add(role)
        assert "講座のアンケート：1 人が回答" in text, role
        if COMMENT_A in text:
            seen.add(role)
    readers = COMMENT_READERS if screen != "review" else {"admin_a"}
    assert seen == readers
    assert opened >= readers
    assert not opened & {"admin_b", "organiser_a2", "organiser_b", "anonymous", "citizen"}
