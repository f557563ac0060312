from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from organizations.admin_scoping import ScopedMenuItem
from organizations.permissions import ScopedModelPermissionPolicy

from .hooks import learning_records_export
from .models import ConsultationWindow, StaffAssignment
from .viewsets import (
    AssignmentDepartmentReport,
    AssignmentPendingReport,
    ConsultationWindowViewSet,
    ExpiringReport,
    StaffAssignmentViewSet,
    StaffHistoryLookup,
    StaffHistoryReport,
    TrainingOverviewReport,
)

register_permission_policy(ConsultationWindow, ScopedModelPermissionPolicy(ConsultationWindow))
register_permission_policy(StaffAssignment, ScopedModelPermissionPolicy(StaffAssignment))
register_snippet(ConsultationWindowViewSet)
hooks.register("learner_data_export", learning_records_export)


@hooks.register("register_admin_viewset")
def register_staff_assignment_viewset():
    return StaffAssignmentViewSet()


def report_paths(route: str, view, name: str) -> list:
    """A report's page and its ``results/`` twin (what Wagtail's report views refresh with
    when a filter changes), named ``name`` and ``name_results``."""
    return [
        path(route, view.as_view(), name=name),
        path(f"{route}results/", view.as_view(results_only=True), name=f"{name}_results"),
    ]


@hooks.register("register_admin_urls")
def register_staff_training_reports():
    return [
        *report_paths("reports/staff-training/", TrainingOverviewReport, "staff_training_report"),
        *report_paths(
            "reports/staff-training/<id:assignment_id>/",
            AssignmentDepartmentReport,
            "staff_training_assignment",
        ),
        *report_paths(
            "reports/staff-training/<id:assignment_id>/not-completed/",
            AssignmentPendingReport,
            "staff_training_pending",
        ),
        *report_paths(
            "reports/staff-training/expiring/", ExpiringReport, "staff_training_expiring"
        ),
        *report_paths(
            "reports/staff-training/history/", StaffHistoryLookup, "staff_training_history_index"
        ),
        *report_paths(
            "reports/staff-training/history/<id:staff_member_id>/",
            StaffHistoryReport,
            "staff_training_history",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_staff_training_menu_item():
    return ScopedMenuItem(
        _("職員研修の受講状況"),
        reverse("staff_training_report"),
        icon_name="calendar-check",
        order=650,
    )


@hooks.register("register_reports_menu_item")
def register_staff_training_expiring_menu_item():
    return ScopedMenuItem(
        _("修了の期限が近い職員"),
        reverse("staff_training_expiring"),
        icon_name="calendar-check",
        order=651,
    )


@hooks.register("register_reports_menu_item")
def register_staff_training_history_menu_item():
    return ScopedMenuItem(
        _("職員の受講履歴"),
        reverse("staff_training_history_index"),
        icon_name="calendar-check",
        order=652,
    )
