from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from organizations.admin_scoping import ScopedMenuItem
from organizations.permissions import ScopedModelPermissionPolicy
from organizations.scopes import scope_for_user

from .dashboard import KpiDashboardView, KpiSummaryPanel
from .imports import KpiTargetImportView, PopulationImportView, TrainingSessionImportView
from .models import KpiTarget, Population, TrainingSession
from .permissions import KpiTargetPermissionPolicy
from .viewsets import ReportsViewSetGroup

register_permission_policy(TrainingSession, ScopedModelPermissionPolicy(TrainingSession))
register_permission_policy(Population, ScopedModelPermissionPolicy(Population))
register_permission_policy(KpiTarget, KpiTargetPermissionPolicy(KpiTarget))


@hooks.register("register_admin_viewset")
def register_reports_viewsets():
    return ReportsViewSetGroup()


@hooks.register("register_admin_urls")
def register_dashboard_urls():
    return [
        path("reports/kpi/", KpiDashboardView.as_view(), name="kpi_dashboard"),
        path(
            "reports/kpi/results/",
            KpiDashboardView.as_view(results_only=True),
            name="kpi_dashboard_results",
        ),
        *TrainingSessionImportView.urls("reports/sessions/import"),
        *KpiTargetImportView.urls("reports/targets/import"),
        *PopulationImportView.urls("reports/population/import"),
    ]


class KpiMenuItem(ScopedMenuItem):
    """Shown to administrators whose scope covers an area (not to department managers)."""

    def is_shown(self, request):
        if not super().is_shown(request):
            return False
        scope = scope_for_user(request.user)
        return scope.is_nation or bool(scope.prefecture_code or scope.municipality_id)


@hooks.register("register_reports_menu_item")
def register_kpi_menu_item():
    return KpiMenuItem(_("KPI（養成数）"), reverse("kpi_dashboard"), icon_name="table", order=50)


@hooks.register("construct_homepage_panels")
def add_kpi_summary_panel(request, panels):
    panels.insert(0, KpiSummaryPanel(request))


@hooks.register("register_log_actions")
def register_session_log_actions(actions):
    """What a session report's history (履歴) says of its approval."""
    actions.register_action(
        "tsunagari.session.approve", _("承認"), _("開催報告を承認しました（集計に含めました）")
    )

    @actions.register_action("tsunagari.session.return")
    class Return(LogFormatter):
        label = _("差し戻し")

        def format_message(self, log_entry):
            comment = log_entry.data.get("comment")
            if comment:
                return _("開催報告を差し戻しました：%(comment)s") % {"comment": comment}
            return _("開催報告を差し戻しました")
