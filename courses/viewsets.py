"""Wagtail admin screens of the courses app: consultation windows, staff training
assignments and the staff training reports."""

import re

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.reports import ReportView
from wagtail.snippets.views import snippets as snippet_views

from base.dates import tokyo_date
from base.imports import normalise_code
from base.spreadsheets import ExcelCsvMixin
from organizations.admin_scoping import (
    ScopedAdminForm,
    ScopedModelViewSet,
    ScopedSnippetViewSet,
)
from organizations.models import Department, EmploymentType, StaffMember
from organizations.scopes import require_scope, scope_for_user
from organizations.unit_choices import UnitPathFilter, show_unit_paths
from organizations.units import department_path_names

from .models import (
    Audience,
    ConsultationWindow,
    CoursePage,
    StaffAssignee,
    StaffAssignment,
)
from .queries import (
    assignment_figures,
    assignments_in_scope,
    department_figures,
    not_completed,
)
from .services.assignments import (
    AssignmentError,
    assignment_delete,
    assignment_save,
    validity_errors,
)
from .validity_reports import expiring_within, history_for_learner, staff_in_scope

UNREACHABLE_WINDOW_WARNING = _(
    "「%(name)s」には電話番号もウェブサイトもないため、受講者には表示されません。"
    "電話番号かウェブサイトを入れてください。"
)


def _warn_if_unreachable(request, window) -> None:
    if window is not None and window.pk and not window.has_contact:
        messages.warning(request, UNREACHABLE_WINDOW_WARNING % {"name": window.name})


class UnreachableWindowWarningMixin:
    """Tell the editor, on opening and after saving, that a window without contact is hidden."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        _warn_if_unreachable(request, getattr(self, "object", None))
        return response

    def save_action(self):
        response = super().save_action()
        _warn_if_unreachable(self.request, self.object)
        return response


def _window_visibility(window) -> str:
    if not window.is_active:
        return _("非表示")
    if not window.has_contact:
        return _("⚠ 連絡先がないため表示されません")
    return _("表示中")


class ConsultationWindowViewSet(ScopedSnippetViewSet):
    """Consultation windows: each municipality keeps its own; the nation keeps the national ones."""

    model = ConsultationWindow
    icon = "list-ul"
    menu_label = _("相談窓口")
    menu_order = 250
    add_to_admin_menu = True
    list_display = [
        "name",
        "municipality",
        "topics",
        "phone",
        Column("visibility", label=_("受講者への表示"), accessor=_window_visibility),
        "checked_on",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "topics"]
    # The database's substring match within the area-scoped list (the search index can filter
    # on no municipality, and it splits no Japanese words).
    search_backend_name = None
    edit_handler = ObjectList(ConsultationWindow.panels, base_form_class=ScopedAdminForm)
    # With the warning about windows learners cannot reach (the viewset adds the scope).
    add_view_class = type(
        "WindowCreateView", (UnreachableWindowWarningMixin, snippet_views.CreateView), {}
    )
    edit_view_class = type(
        "WindowEditView", (UnreachableWindowWarningMixin, snippet_views.EditView), {}
    )

    def get_queryset(self, request):
        return ConsultationWindow.objects.select_related("municipality")


# --- Mandatory staff training --------------------------------------------------------------


def _staff_numbers(text: str) -> list[str]:
    return [normalise_code(part) for part in re.split(r"[\s,、，]+", text or "") if part.strip()]


class StaffAssignmentForm(ScopedAdminForm):
    """Municipality, staff course, target (everyone / departments / named people), dates."""

    staff_numbers = forms.CharField(
        label=_("対象の職員（職員番号）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("「職員を指定」のとき、職員番号を改行またはカンマで区切って入れてください。"),
    )
    positions = forms.CharField(
        label=_("対象の役職"),
        required=False,
        max_length=500,
        help_text=_(
            "名簿の「役職」のとおりに、読点（、）か改行で区切って入れてください"
            "（例：課長、係長）。空欄なら役職で絞りません。"
        ),
    )
    employment_types = forms.MultipleChoiceField(
        label=_("対象の雇用形態"),
        required=False,
        choices=EmploymentType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("選ばなければ、雇用形態で絞りません。"),
    )

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_for_user(for_user)
        course = self.fields["course"]
        course.queryset = CoursePage.objects.live().filter(audience=Audience.STAFF).order_by("path")
        # A short list of staff courses: a plain select, not the page chooser.
        course.widget = forms.Select()
        course.widget.choices = course.choices
        if not self.instance.pk and scope is not None and scope.municipality_id:
            self.fields["municipality"].initial = scope.municipality_id
        departments = Department.objects.none()
        if scope is not None:
            departments = scope.filter(Department.objects.select_related("municipality"))
        if self.instance.pk:
            departments = departments.filter(municipality_id=self.instance.municipality_id)
            self.fields["municipality"].disabled = True
            self.initial["staff_numbers"] = "\n".join(
                self.instance.staff_members.values_list("staff_number", flat=True)
            )
        # Forms posted without the validity panel (older clients, scripts) keep "no expiry".
        for name in ("validity", "renewal_window_months"):
            if name in self.fields:
                self.fields[name].required = False
        if self.instance.pk:
            self.initial["positions"] = "、".join(self.instance.positions or [])
        # Units by their path from the top, in tree order: two 庶務係 of different 課 can be
        # told apart (``organizations.unit_choices``).
        self.fields["departments"].widget = forms.CheckboxSelectMultiple()
        show_unit_paths(self.fields["departments"], departments)

    def clean_positions(self):
        return [
            part for part in re.split(r"[\n,、，]+", self.cleaned_data["positions"]) if part.strip()
        ]

    def clean(self):
        data = super().clean()
        municipality = data.get("municipality")
        if municipality is None and self.instance.municipality_id:
            municipality = self.instance.municipality  # disabled when editing
        starts_on, due_on = data.get("starts_on"), data.get("due_on")
        if starts_on and due_on and due_on < starts_on:
            self.add_error("due_on", _("期限は開始日より後にしてください。"))
        target = data.get("target")
        departments = data.get("departments") or []
        if municipality and any(d.municipality_id != municipality.pk for d in departments):
            self.add_error("departments", _("選んだ市区町村の所属だけを選んでください。"))
        if target == StaffAssignment.Target.DEPARTMENTS and not departments:
            self.add_error("departments", _("対象の所属を選んでください。"))
        numbers = _staff_numbers(data.get("staff_numbers", ""))
        self.resolved_staff = []
        if target == StaffAssignment.Target.PEOPLE:
            if not numbers:
                self.add_error("staff_numbers", _("対象の職員の職員番号を入れてください。"))
            elif municipality:
                found = {
                    s.staff_number: s
                    for s in StaffMember.objects.filter(
                        municipality=municipality, staff_number__in=numbers
                    )
                }
                unknown = [n for n in numbers if n not in found]
                if unknown:
                    self.add_error(
                        "staff_numbers",
                        _("名簿にない職員番号です：%(numbers)s") % {"numbers": "、".join(unknown)},
                    )
                self.resolved_staff = list(found.values())
        self._check_validity(data)
        return data

    def _check_validity(self, data):
        if "validity" in self.fields and not data.get("validity"):
            data["validity"] = StaffAssignment.Validity.NONE
        if "renewal_window_months" in self.fields and data.get("renewal_window_months") is None:
            data["renewal_window_months"] = 0
        rule = StaffAssignment(
            validity=data.get("validity") or StaffAssignment.Validity.NONE,
            validity_months=data.get("validity_months"),
            annual_month=data.get("annual_month"),
            annual_day=data.get("annual_day"),
            renewal_window_months=data.get("renewal_window_months") or 0,
        )
        for field, message in validity_errors(rule).items():
            if field in self.fields:
                self.add_error(field, message)


class StaffAssignmentSaveMixin:
    def save_instance(self):
        assignment = self.form.save(commit=False)
        try:
            return assignment_save(
                assignment=assignment,
                departments=self.form.cleaned_data.get("departments") or [],
                staff_members=self.form.resolved_staff,
                user=self.request.user,
            )
        except AssignmentError as exc:
            raise PermissionDenied(str(exc)) from exc


class StaffAssignmentCreateView(StaffAssignmentSaveMixin, generic.CreateView):
    pass


class StaffAssignmentEditView(StaffAssignmentSaveMixin, generic.EditView):
    pass


class StaffAssignmentDeleteView(generic.DeleteView):
    def delete_action(self):
        assignment_delete(assignment=self.object)


class StaffAssignmentIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("course", "municipality")


class StaffAssignmentViewSet(ScopedModelViewSet):
    """研修の割り当て: which staff course, for whom, by when."""

    model = StaffAssignment
    name = "staff_assignments"
    url_prefix = "staff-assignments"
    icon = "calendar-check"
    menu_label = _("研修の割り当て")
    menu_order = 260
    add_to_admin_menu = True
    list_display = [
        "course",
        "municipality",
        "target",
        "starts_on",
        "due_on",
        "retrain",
        "validity",
        TitleColumn(
            "progress",
            label=_("受講状況"),
            accessor=lambda assignment: _("受講状況を見る"),
            get_url=lambda assignment: reverse("staff_training_assignment", args=[assignment.pk]),
        ),
    ]
    list_filter = ["target", "retrain"]
    index_view_class = StaffAssignmentIndexView
    add_view_class = StaffAssignmentCreateView
    edit_view_class = StaffAssignmentEditView
    delete_view_class = StaffAssignmentDeleteView
    inspect_view_enabled = True
    inspect_view_fields = [
        "municipality",
        "course",
        "target",
        "departments",
        "include_subunits",
        "positions",
        "employment_types",
        "starts_on",
        "due_on",
        "fiscal_year",
        "retrain",
        "validity",
        "validity_months",
        "annual_month",
        "annual_day",
        "renewal_window_months",
        "renewal_of",
        "note",
        "created_by",
        "created_at",
    ]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("municipality"),
            FieldPanel("course"),
            FieldPanel("target"),
            FieldPanel("departments"),
            FieldPanel("include_subunits"),
            FieldPanel("staff_numbers"),
            FieldPanel("positions"),
            FieldPanel("employment_types"),
            FieldPanel("starts_on"),
            FieldPanel("due_on"),
            FieldPanel("retrain"),
            MultiFieldPanel(
                [
                    FieldPanel("validity"),
                    FieldPanel("validity_months"),
                    FieldPanel("annual_month"),
                    FieldPanel("annual_day"),
                    FieldPanel("renewal_window_months"),
                ],
                heading=_("有効期限と更新"),
            ),
            FieldPanel("note"),
        ],
        base_form_class=StaffAssignmentForm,
    )


class TrainingReportBase(ExcelCsvMixin, ReportView):
    """Reports of staff training: shown to anyone with an area scope (a department manager
    sees their department only); figures from ``courses.queries``."""

    paginate_by = None
    list_export: list[str] = []
    export_headings: dict = {}
    header_icon = "calendar-check"

    def dispatch(self, request, *args, **kwargs):
        self.scope = require_scope(request.user)
        self.today = tokyo_date()
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return []

    @cached_property
    def columns(self):
        return [Column(field, label=self.export_headings[field]) for field in self.list_export]


FIGURE_HEADINGS = {
    "assigned": _("対象者"),
    "completed": _("修了"),
    "in_progress": _("受講中"),
    "not_started": _("未受講"),
    "overdue": _("期限超過"),
    "expired": _("期限切れ"),
    "completion_rate": _("受講率（%）"),
}


class TrainingOverviewReport(TrainingReportBase):
    """Every assignment in the user's area with its figures."""

    page_title = _("職員研修の受講状況")
    index_url_name = "staff_training_report"
    index_results_url_name = "staff_training_report_results"
    export_filename = "staff-training"
    list_export = [
        "assignment.course.plain_title",
        "assignment.municipality.name",
        "assignment.starts_on",
        "assignment.due_on",
        *FIGURE_HEADINGS,
    ]
    export_headings = {
        "assignment.course.plain_title": _("コース"),
        "assignment.municipality.name": _("市区町村"),
        "assignment.starts_on": _("開始日"),
        "assignment.due_on": _("期限"),
        **FIGURE_HEADINGS,
    }

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "label",
                label=_("研修"),
                get_url=lambda row: reverse("staff_training_assignment", args=[row.assignment.pk]),
            ),
            Column("assignment.municipality", label=_("市区町村")),
            *[Column(field, label=label) for field, label in FIGURE_HEADINGS.items()],
        ]

    def get_filtered_queryset(self):
        return assignment_figures(self.scope, today=self.today)


class AssignmentReportBase(TrainingReportBase):
    def setup(self, request, *args, assignment_id, **kwargs):
        super().setup(request, *args, **kwargs)
        self.assignment_id = assignment_id

    def dispatch(self, request, *args, **kwargs):
        scope = require_scope(request.user)
        self.assignment = assignments_in_scope(scope).filter(pk=self.assignment_id).first()
        if self.assignment is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.assignment.pk])

    def get_index_results_url(self):
        return reverse(self.index_results_url_name, args=[self.assignment.pk])

    def get_page_subtitle(self):
        return str(self.assignment)

    def get_filename(self):
        return f"{self.export_filename}-{self.assignment.pk}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("staff_training_report"), "label": _("職員研修の受講状況")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["assignment"] = self.assignment
        return context


class AssignmentDepartmentReport(AssignmentReportBase):
    """One assignment, department by department, with the total."""

    page_title = _("所属別の受講状況")
    index_url_name = "staff_training_assignment"
    index_results_url_name = "staff_training_assignment_results"
    results_template_name = "courses/admin/assignment_departments_results.html"
    export_filename = "staff-training-departments"
    list_export = ["label", *FIGURE_HEADINGS]
    export_headings = {"label": _("所属"), **FIGURE_HEADINGS}

    def get_filtered_queryset(self):
        departments, self.total = department_figures(self.assignment, self.scope, today=self.today)
        return [*departments, self.total]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["total"] = self.total
        return context


class PendingFilterSet(WagtailFilterSet):
    department = UnitPathFilter(
        label=_("所属"), queryset=lambda request: _departments_for(request), method="noop"
    )

    class Meta:
        model = StaffAssignee
        fields = []

    def noop(self, queryset, name, value):
        return queryset


def _departments_for(request):
    scope = require_scope(request.user)
    departments = scope.filter(Department.objects.all())
    if scope.department_id:
        departments = departments.filter(pk__in=scope.department_ids)
    return departments.order_by("path")


class AssignmentPendingReport(AssignmentReportBase):
    """The people of one assignment who have not completed it yet, with their department."""

    page_title = _("未修了者の一覧")
    index_url_name = "staff_training_pending"
    index_results_url_name = "staff_training_pending_results"
    filterset_class = PendingFilterSet
    export_filename = "staff-training-not-completed"
    list_export = ["department", "staff_number", "name", "status", "due_on", "overdue_label"]
    results_template_name = "courses/admin/pending_results.html"
    export_headings = {
        "department": _("所属"),
        "staff_number": _("職員番号"),
        "name": _("氏名"),
        "status": _("状況"),
        "due_on": _("期限"),
        "overdue_label": _("期限超過"),
    }

    @cached_property
    def columns(self):
        return [
            Column(field, label=self.export_headings[field])
            if field != "name"
            else TitleColumn(
                "name",
                label=self.export_headings["name"],
                get_url=lambda row: reverse("staff_training_history", args=[row.staff_member_id]),
            )
            for field in self.list_export
        ]

    def get_filtered_queryset(self):
        data = self.filters.form.cleaned_data if self.filters and self.filters.is_valid() else {}
        department = data.get("department")
        rows = not_completed(
            self.assignment,
            self.scope,
            today=self.today,
            department_id=department.pk if department else None,
        )
        for row in rows:
            row.overdue_label = _("期限超過") if row.overdue else ""
        return rows


class ExpiringFilterSet(WagtailFilterSet):
    days = django_filters.NumberFilter(
        label=_("何日以内に期限が来るか"),
        method="noop",
        min_value=1,
        max_value=730,
        help_text=_("1〜730 日。既定は 60 日です。"),
    )

    class Meta:
        model = StaffAssignee
        fields = []

    def noop(self, queryset, name, value):
        return queryset


DEFAULT_EXPIRING_DAYS = 60


class ExpiringReport(TrainingReportBase):
    """People whose completion expires within N days (default 60), soonest first, with
    whether their renewal has been assigned (``courses.validity_reports``)."""

    page_title = _("修了の期限が近い職員")
    index_url_name = "staff_training_expiring"
    index_results_url_name = "staff_training_expiring_results"
    filterset_class = ExpiringFilterSet
    export_filename = "staff-training-expiring"
    list_export = [
        "department",
        "staff_number",
        "name",
        "course",
        "completed_on",
        "valid_until",
        "days_left",
        "renewal_label",
    ]
    export_headings = {
        "department": _("所属"),
        "staff_number": _("職員番号"),
        "name": _("氏名"),
        "course": _("コース"),
        "completed_on": _("修了日"),
        "valid_until": _("有効期限"),
        "days_left": _("残り日数"),
        "renewal_label": _("更新の研修"),
    }

    @cached_property
    def days(self) -> int:
        if self.filters is not None and self.filters.is_valid():
            value = self.filters.form.cleaned_data.get("days")
            if value:
                return int(value)
        return DEFAULT_EXPIRING_DAYS

    @cached_property
    def columns(self):
        return [
            Column("department", label=_("所属")),
            Column("staff_number", label=_("職員番号")),
            TitleColumn(
                "name",
                label=_("氏名"),
                get_url=lambda row: reverse("staff_training_history", args=[row.staff_member_id]),
            ),
            *[Column(field, label=self.export_headings[field]) for field in self.list_export[3:]],
        ]

    def get_page_subtitle(self):
        return _("%(days)s 日以内") % {"days": self.days}

    def get_export_details(self):
        return [(_("期間"), _("今日から %(days)s 日以内") % {"days": self.days})]

    def get_filtered_queryset(self):
        return expiring_within(self.scope, days=self.days, today=self.today)


class StaffHistoryReport(TrainingReportBase):
    """受講履歴 of one staff member: every completion of a staff course across the years,
    its certificate, until when it is valid and its status (有効/期限切れ/更新待ち)."""

    page_title = _("受講履歴")
    index_url_name = "staff_training_history"
    index_results_url_name = "staff_training_history_results"
    results_template_name = "courses/admin/history_results.html"
    export_filename = "staff-training-history"
    list_export = [
        "course_title",
        "completed_on",
        "fiscal_year",
        "certificate_serial",
        "valid_until",
        "status_label",
    ]
    export_headings = {
        "course_title": _("コース"),
        "completed_on": _("修了日"),
        "fiscal_year": _("年度"),
        "certificate_serial": _("修了証番号"),
        "valid_until": _("有効期限"),
        "status_label": _("状況"),
    }

    def setup(self, request, *args, staff_member_id, **kwargs):
        super().setup(request, *args, **kwargs)
        self.staff_member_id = staff_member_id

    def dispatch(self, request, *args, **kwargs):
        scope = require_scope(request.user)
        self.staff_member = (
            staff_in_scope(scope)
            .select_related("department", "municipality")
            .filter(pk=self.staff_member_id)
            .first()
        )
        if self.staff_member is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.staff_member.pk])

    def get_index_results_url(self):
        return reverse(self.index_results_url_name, args=[self.staff_member.pk])

    def get_page_subtitle(self):
        return f"{self.staff_member.name}（{self.staff_member.staff_number}）"

    def get_filename(self):
        return f"{self.export_filename}-{self.staff_member.staff_number}"

    @cached_property
    def unit_path(self) -> str:
        """The person's unit by its path from the top (「総務局/人事部/研修課」), as the roster
        and the other staff reports name it."""
        member = self.staff_member
        if member.department_id is None:
            return ""
        return department_path_names([member.municipality_id]).get(member.department_id, "")

    def get_export_details(self):
        return [
            (_("市区町村"), self.staff_member.municipality.name),
            (_("所属"), self.unit_path),
        ]

    @cached_property
    def columns(self):
        return [
            Column("course_title", label=_("コース")),
            Column("completed_on", label=_("修了日")),
            Column("fiscal_year", label=_("年度")),
            TitleColumn(
                "certificate_serial",
                label=_("修了証番号"),
                get_url=lambda row: row.certificate_url or None,
            ),
            Column("valid_until", label=_("有効期限")),
            Column("status_label", label=_("状況")),
        ]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["staff_member"] = self.staff_member
        context["unit_path"] = self.unit_path
        return context

    def get_filtered_queryset(self):
        return history_for_learner(self.staff_member.learner_id, today=self.today)


class StaffLookupFilterSet(WagtailFilterSet):
    q = django_filters.CharFilter(
        label=_("職員番号または氏名"), method="search", help_text=_("一部でも探せます。")
    )

    class Meta:
        model = StaffMember
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(staff_number__icontains=normalise_code(value)) | Q(name__icontains=value)
        )


class StaffHistoryLookup(TrainingReportBase):
    """Find a staff member in the user's area to open their 受講履歴 (a manager: their staff)."""

    page_title = _("職員の受講履歴")
    index_url_name = "staff_training_history_index"
    index_results_url_name = "staff_training_history_index_results"
    filterset_class = StaffLookupFilterSet
    paginate_by = 50

    def get_queryset(self):
        return (
            staff_in_scope(self.scope)
            .select_related("municipality", "department")
            .order_by("municipality__code", "staff_number")
        )

    @cached_property
    def columns(self):
        return [
            Column("municipality", label=_("市区町村")),
            Column("department", label=_("所属")),
            Column("staff_number", label=_("職員番号")),
            TitleColumn(
                "name",
                label=_("氏名"),
                get_url=lambda member: reverse("staff_training_history", args=[member.pk]),
            ),
            Column("get_status_display", label=_("在職区分")),
        ]

    def get_filtered_queryset(self):
        return self.filter_queryset(self.get_queryset())
