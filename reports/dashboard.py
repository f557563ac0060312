"""The KPI dashboard in the Wagtail admin (レポート → KPI（養成数）) and its summary panel on the
admin home. Figures come from ``reports.figures``; every table of ``reports.tables`` exports to
CSV/XLSX."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView

from base.dates import fiscal_year_of, tokyo_date
from base.spreadsheets import ExcelCsvMixin
from organizations.models import Municipality, Prefecture
from organizations.scopes import require_scope, scope_for_user

from .areas import CHILD_LEVEL, MUNICIPALITY, PREFECTURE, Area, AreaNotFound, resolve_area
from .charts import monthly_chart
from .figures import area_report, kpi_report
from .models import PROGRAMME_START, MonthlyTally, TrainingSession
from .parameters import InvalidParameter, check_fiscal_year
from .pending_sessions import pending_sessions
from .tables import DEFAULT_TABLE, TABLES, report_tables


def _fiscal_year_choices():
    current = fiscal_year_of(tokyo_date())
    return [(year, f"{year}年度") for year in range(current, PROGRAMME_START.year - 1, -1)]


def _prefectures(request):
    scope = require_scope(request.user)
    if scope.is_nation:
        return Prefecture.objects.order_by("code")
    return Prefecture.objects.filter(code=scope.prefecture_code or "")


def _municipalities(request):
    scope = require_scope(request.user)
    return scope.municipalities().select_related("prefecture").order_by("code")


class KpiFilterSet(WagtailFilterSet):
    fiscal_year = django_filters.ChoiceFilter(
        label=_("年度"), choices=_fiscal_year_choices, method="noop", empty_label=None
    )
    prefecture = django_filters.ModelChoiceFilter(
        label=_("都道府県"), queryset=_prefectures, method="noop", to_field_name="code"
    )
    municipality = django_filters.ModelChoiceFilter(
        label=_("市区町村"), queryset=_municipalities, method="noop", to_field_name="code"
    )

    class Meta:
        model = MonthlyTally
        fields = []

    def noop(self, queryset, name, value):
        return queryset


class NumberColumn(Column):
    """A right-aligned figure; empty when unknown."""

    cell_template_name = "reports/admin/number_cell.html"

    def __init__(self, name, *, percent=False, **kwargs):
        super().__init__(name, sort_key=name, **kwargs)
        self.percent = percent

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["percent"] = self.percent
        return context


class KpiDashboardView(ExcelCsvMixin, ReportView):
    """Supporters trained against the target for the nation, a prefecture or a municipality,
    with a drill-down table that sorts by any column."""

    page_title = _("KPI（つながりサポーター養成数）")
    header_icon = "table"
    template_name = "reports/admin/kpi_dashboard.html"
    results_template_name = "reports/admin/kpi_dashboard_results.html"
    filterset_class = KpiFilterSet
    index_url_name = "kpi_dashboard"
    index_results_url_name = "kpi_dashboard_results"
    paginate_by = None
    default_ordering = None

    def dispatch(self, request, *args, **kwargs):
        self.scope = require_scope(request.user)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def fiscal_year(self) -> int:
        value = self.request.GET.get("fiscal_year", "")
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if value.isascii() and value.isdigit() and len(value) <= 6:
            return int(value)
        return fiscal_year_of(tokyo_date())

    @cached_property
    def area(self) -> Area:
        """The area asked for, in the administrator's scope; the pending reports beside the
        figures are counted for it too. The year is checked first, as ``kpi_report`` does."""
        try:
            check_fiscal_year(self.fiscal_year)
            return resolve_area(
                scope=self.scope,
                prefecture=self.request.GET.get("prefecture") or None,
                municipality=self.request.GET.get("municipality") or None,
            )
        except (InvalidParameter, AreaNotFound) as error:
            raise Http404(str(error)) from error

    @cached_property
    def report(self):
        return area_report(self.area, self.fiscal_year)

    def get_queryset(self):
        return self.report.rows

    def get_filtered_queryset(self):
        return self.order_queryset(self.get_queryset())

    def order_queryset(self, rows):
        ordering = self.ordering
        if not ordering:
            return rows
        key = ordering.lstrip("-")
        present = [row for row in rows if getattr(row, key) is not None]
        missing = [row for row in rows if getattr(row, key) is None]
        present.sort(key=lambda row: getattr(row, key), reverse=ordering.startswith("-"))
        return present + missing

    def _drill_url(self, row):
        level = CHILD_LEVEL[self.area.level]
        if level is None or row.code is None:
            return None
        query = {"fiscal_year": self.fiscal_year, level: row.code}
        return reverse("kpi_dashboard") + "?" + urlencode(query)

    @cached_property
    def columns(self):
        return [
            TitleColumn("name", label=_("地域"), sort_key="name", get_url=self._drill_url),
            NumberColumn("actual", label=_("実績")),
            NumberColumn("online", label=_("オンライン")),
            NumberColumn("in_person", label=_("講座")),
            NumberColumn("target", label=_("目標")),
            NumberColumn("progress", label=_("進捗率"), percent=True),
            NumberColumn("rate_per_10000", label=_("人口1万人あたり")),
        ]

    # Exports: ?export=csv|xlsx&table=<a key of reports.tables.TABLES>

    @cached_property
    def export_table(self) -> str:
        table = self.request.GET.get("table", DEFAULT_TABLE)
        return table if table in TABLES else DEFAULT_TABLE

    def as_spreadsheet(self, queryset, spreadsheet_format):
        headings, rows = TABLES[self.export_table].build(self.report)
        self.list_export = [f"c{i}" for i in range(len(headings))]
        self.export_headings = dict(zip(self.list_export, headings, strict=True))
        items = [dict(zip(self.list_export, row, strict=True)) for row in rows]
        return super().as_spreadsheet(items, spreadsheet_format)

    def to_row_dict(self, item):
        return item

    def get_export_details(self):
        return [(_("年度"), f"{self.fiscal_year}年度"), (_("地域"), self.report.area.name)]

    def get_filename(self):
        area = self.report.area
        return f"kpi-{self.fiscal_year}-{area.code or 'nation'}-{self.export_table}"

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        report = self.report
        context["report"] = report
        context["tables"] = report_tables(report)
        context["chart"] = monthly_chart(report.by_month)
        context["pending"] = pending_sessions(self.area, report.fiscal_year)
        context["pending_url"] = (
            reverse("trainingsession:index")
            + "?"
            + urlencode(
                {"status": TrainingSession.Status.SUBMITTED, "fiscal_year": report.fiscal_year}
            )
        )
        context["breadcrumbs"] = self._breadcrumbs()
        context["export_links"] = {table: self._export_query(table) for table in TABLES}
        # Every registered table, in reading order: the list of downloads under the report.
        context["downloads"] = [
            (table.title, context["export_links"][key]) for key, table in TABLES.items()
        ]
        context["child_level_label"] = {
            "nation": _("都道府県別"),
            PREFECTURE: _("市区町村別"),
            MUNICIPALITY: _("区別"),
        }[report.area.level]
        return context

    def _export_query(self, table):
        params = self.request.GET.copy()
        params["table"] = table
        params.pop("export", None)
        return params.urlencode()

    def _breadcrumbs(self):
        area = self.area
        base = reverse("kpi_dashboard")
        crumbs = []
        if self.scope.is_nation:
            crumbs.append((_("全国"), f"{base}?fiscal_year={self.fiscal_year}"))
        if area.level in (PREFECTURE, MUNICIPALITY) and self.scope.allows_prefecture(
            area.prefecture_code
        ):
            name = (
                Prefecture.objects.filter(code=area.prefecture_code)
                .values_list("name", flat=True)
                .first()
            )
            crumbs.append(
                (name, f"{base}?fiscal_year={self.fiscal_year}&prefecture={area.prefecture_code}")
            )
        if area.level == MUNICIPALITY:
            crumbs.append((area.name, None))
        return crumbs


class KpiSummaryPanel(Component):
    """The admin home panel: this fiscal year for the administrator's own area."""

    name = "kpi_summary"
    template_name = "reports/admin/home_panel.html"
    order = 50

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context):
        scope = scope_for_user(self.request.user)
        context = {"report": None}
        if scope is None:
            return context
        try:
            context["report"] = kpi_report(scope=scope, fiscal_year=fiscal_year_of(tokyo_date()))
        except PermissionDenied:
            return context
        context["dashboard_url"] = reverse("kpi_dashboard")
        return context

    def render_html(self, parent_context=None):
        if scope_for_user(self.request.user) is None or not Municipality.objects.exists():
            return ""
        return super().render_html(parent_context)
