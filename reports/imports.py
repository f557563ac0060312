"""Admin import screens of the reports app (upload → preview with per-row errors → confirm)."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from base.dates import fiscal_year_of, tokyo_date
from organizations.admin_scoping import ScopedImportView

from .resources import (
    KpiTargetResource,
    PopulationResource,
    TrainingSessionResource,
    valid_fiscal_years,
)


def _fiscal_year_field():
    return forms.TypedChoiceField(
        label=_("年度"),
        coerce=int,
        choices=[(year, f"{year}年度") for year in reversed(valid_fiscal_years())],
        initial=fiscal_year_of(tokyo_date()),
    )


class TrainingSessionImportView(ScopedImportView):
    resource_class = TrainingSessionResource
    page_title = _("開催報告の取り込み")
    url_name = "training_session_import"
    template_filename = "kaisai-houkoku"
    permission = "reports.add_trainingsession"
    help_text = _(
        "1行が1回の講座です。受講者の氏名は書かないでください。同じ市区町村・開催日・主催者・人数の"
        "報告は重複として取り込みません。担当する地域の講座だけを取り込めます。"
    )

    def get_resource_kwargs(self, request, data):
        return {"scope": self.scope, "user": request.user}


class KpiTargetImportView(ScopedImportView):
    resource_class = KpiTargetResource
    page_title = _("KPI目標の取り込み")
    url_name = "kpi_target_import"
    template_filename = "kpi-mokuhyou"
    permission = "reports.add_kpitarget"
    help_text = _(
        "地域コードは、全国なら空欄か「全国」、都道府県は2桁、市区町村は6桁です。月別の内訳を"
        "入れる場合は12か月すべてを入れ、合計を年間目標と同じにしてください。"
    )

    def get_extra_fields(self, request):
        return {"fiscal_year": _fiscal_year_field()}

    def get_resource_kwargs(self, request, data):
        return {"scope": self.scope, "fiscal_year": data["fiscal_year"]}


class PopulationImportView(ScopedImportView):
    resource_class = PopulationResource
    page_title = _("人口の取り込み")
    url_name = "population_import"
    template_filename = "jinkou"
    permission = "reports.add_population"
    help_text = _(
        "住民基本台帳人口（1月1日現在）を、団体コードと人口の2列で取り込みます。"
        "全国の管理者だけが取り込めます。"
    )

    def check_permission(self, request):
        super().check_permission(request)
        if not self.scope.is_nation:
            raise PermissionDenied

    def get_extra_fields(self, request):
        return {"fiscal_year": _fiscal_year_field()}

    def get_resource_kwargs(self, request, data):
        return {"fiscal_year": data["fiscal_year"]}
