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


@hooks.register("register_admin_urls")
def register_staff_training_reports():
    return [
        path(
            "reports/staff-training/",
            TrainingOverviewReport.as_view(),
            name="staff_training_report",
        ),
        path(
            "reports/staff-training/results/",
            TrainingOverviewReport.as_view(results_only=True),
            name="staff_training_report_results",
        ),
        path(
            "reports/staff-training/<id:assignment_id>/",
            AssignmentDepartmentReport.as_view(),
            name="staff_training_assignment",
        ),
        path(
            "reports/staff-training/<id:assignment_id>/results/",
            AssignmentDepartmentReport.as_view(results_only=True),
            name="staff_training_assignment_results",
        ),
        path(
            "reports/staff-training/<id:assignment_id>/not-completed/",
            AssignmentPendingReport.as_view(),
            name="staff_training_pending",
        ),
        path(
            "reports/staff-training/<id:assignment_id>/not-completed/results/",
            AssignmentPendingReport.as_view(results_only=True),
            name="staff_training_pending_results",
        ),
        path(
            "reports/staff-training/expiring/",
            ExpiringReport.as_view(),
            name="staff_training_expiring",
        ),
        path(
            "reports/staff-training/expiring/results/",
            ExpiringReport.as_view(results_only=True),
            name="staff_training_expiring_results",
        ),
        path(
            "reports/staff-training/history/",
            StaffHistoryLookup.as_view(),
            name="staff_training_history_index",
        ),
        path(
            "reports/staff-training/history/results/",
            StaffHistoryLookup.as_view(results_only=True),
            name="staff_training_history_index_results",
        ),
        path(
            "reports/staff-training/history/<id:staff_member_id>/",
            StaffHistoryReport.as_view(),
            name="staff_training_history",
        ),
        path(
            "reports/staff-training/history/<id:staff_member_id>/results/",
            StaffHistoryReport.as_view(results_only=True),
            name="staff_training_history_results",
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
