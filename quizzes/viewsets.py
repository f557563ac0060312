"""Admin screens of the quizzes app: the question bank and the item analysis report."""

import django_filters
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import AdminDateInput
from wagtail.contrib.forms.views import SubmissionsListView
from wagtail.snippets.views.snippets import SnippetViewSet

from base.spreadsheets import ExcelCsvMixin
from organizations.admin_scoping import SnippetChooserViewSet
from organizations.scopes import require_scope

from .models import Attempt, Question, QuestionnairePage, QuizPage
from .queries import attempt_summary, attempts_in_scope, item_analysis, questionnaire_summary


class QuestionViewSet(SnippetViewSet):
    # No "create" step in the chooser (it has no form; a POST there failed with a 500).
    chooser_viewset_class = SnippetChooserViewSet
    model = Question
    icon = "help"
    menu_label = _("確認テストの問題")
    list_display = ["__str__", "quiz", "kind", "is_active"]
    list_filter = ["quiz", "kind", "is_active"]
    ordering = ["quiz", "sort_order", "pk"]


class ItemAnalysisFilterSet(WagtailFilterSet):
    date_from = django_filters.DateFilter(
        label=_("提出日（から）"),
        field_name="submitted_at",
        lookup_expr="date__gte",
        widget=AdminDateInput,
    )
    date_to = django_filters.DateFilter(
        label=_("提出日（まで）"),
        field_name="submitted_at",
        lookup_expr="date__lte",
        widget=AdminDateInput,
    )
    municipality = django_filters.ModelChoiceFilter(
        label=_("市区町村"), queryset=lambda request: _municipalities(request), method="noop"
    )

    class Meta:
        model = Attempt
        fields = []

    def noop(self, queryset, name, value):
        return queryset


def _municipalities(request):
    scope = require_scope(request.user)
    return scope.municipalities().order_by("code")


class PageReportBase(ExcelCsvMixin, ReportView):
    """A report about one page (a quiz, a questionnaire): found by the URL's ``page_id``,
    shown to administrators with an area scope, its rows plain objects listed as columns."""

    page_model = None
    paginate_by = None
    permission_policy = None
    list_export: list[str] = []
    export_headings: dict = {}
    filename_prefix = "report"

    def setup(self, request, *args, page_id, **kwargs):
        super().setup(request, *args, **kwargs)
        self.report_page = self.page_model.objects.filter(pk=page_id).first()

    def dispatch(self, request, *args, **kwargs):
        self.scope = require_scope(request.user)
        if self.report_page is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.report_page.pk])

    def get_index_results_url(self):
        return reverse(self.index_results_url_name, args=[self.report_page.pk])

    def get_filename(self):
        return f"{self.filename_prefix}-{self.report_page.pk}"

    def get_page_subtitle(self):
        return self.report_page.get_parent().title

    def get_queryset(self):
        return []

    @cached_property
    def columns(self):
        return [Column(field, label=self.export_headings[field]) for field in self.list_export]


class ItemAnalysisView(PageReportBase):
    """Per question of one quiz: answered, share correct, most chosen wrong choice."""

    page_model = QuizPage
    page_title = _("確認テストの分析")
    header_icon = "help"
    results_template_name = "quizzes/admin/item_analysis_results.html"
    filterset_class = ItemAnalysisFilterSet
    index_url_name = "quiz_item_analysis"
    index_results_url_name = "quiz_item_analysis_results"
    filename_prefix = "item-analysis-quiz"
    list_export = [
        "question_text",
        "kind",
        "answered",
        "correct",
        "correct_rate",
        "top_wrong_choice",
        "top_wrong_count",
    ]
    export_headings = {
        "question_text": _("問題"),
        "kind": _("形式"),
        "answered": _("回答数"),
        "correct": _("正解数"),
        "correct_rate": _("正答率（%）"),
        "top_wrong_choice": _("最も多く選ばれた誤答"),
        "top_wrong_count": _("その選択数"),
    }

    def get_filtered_queryset(self):
        data = self.filters.form.cleaned_data if self.filters and self.filters.is_valid() else {}
        self.attempts = attempts_in_scope(
            self.report_page,
            self.scope,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            municipality=data.get("municipality"),
        )
        return item_analysis(self.report_page, self.attempts)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["quiz"] = self.report_page
        context["summary"] = attempt_summary(self.attempts)
        return context


class QuestionnaireSummaryView(PageReportBase):
    """Aggregated answers of one course questionnaire (anonymous), exportable."""

    page_model = QuestionnairePage
    page_title = _("アンケートの集計")
    header_icon = "form"
    results_template_name = "quizzes/admin/questionnaire_results.html"
    index_url_name = "questionnaire_summary"
    index_results_url_name = "questionnaire_summary_results"
    filename_prefix = "questionnaire"
    list_export = ["question", "answer", "count", "share"]
    export_headings = {
        "question": _("質問"),
        "answer": _("回答"),
        "count": _("件数"),
        "share": _("回答者に占める割合（%）"),
    }

    def get_filtered_queryset(self):
        self.total, rows = questionnaire_summary(self.report_page)
        return rows

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["total"] = self.total
        context["questionnaire"] = self.report_page
        return context


class QuestionnaireSubmissionsView(ExcelCsvMixin, SubmissionsListView):
    """Wagtail's list of raw questionnaire answers; its CSV goes through the shared writer so
    that a formula typed into a free-text answer is not run by the administrator's Excel.
    Attached to ``QuestionnairePage`` when the app is ready (the view needs loaded models)."""
