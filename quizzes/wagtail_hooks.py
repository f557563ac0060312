from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from organizations.admin_scoping import ScopedMenuItem
from organizations.scopes import scope_for_user

from .hooks import (
    questionnaire_outline_item,
    quiz_attempts_export,
    quiz_outline_item,
    quiz_requirement,
)
from .models import QuestionnairePage, QuizPage
from .viewsets import ItemAnalysisView, QuestionnaireSummaryView, QuestionViewSet

hooks.register("course_completion_requirements", quiz_requirement)
hooks.register("course_outline_items", quiz_outline_item)
hooks.register("course_outline_items", questionnaire_outline_item)
hooks.register("learner_data_export", quiz_attempts_export)
register_snippet(QuestionViewSet)


def report_index(request):
    """The quizzes and questionnaires, each linking to its report."""
    if scope_for_user(request.user) is None:
        raise PermissionDenied
    return TemplateResponse(
        request,
        "quizzes/admin/report_index.html",
        {
            "quizzes": QuizPage.objects.live().order_by("path"),
            "questionnaires": QuestionnairePage.objects.live().order_by("path"),
        },
    )


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path("reports/quiz/<id:page_id>/", ItemAnalysisView.as_view(), name="quiz_item_analysis"),
        path(
            "reports/quiz/<id:page_id>/results/",
            ItemAnalysisView.as_view(results_only=True),
            name="quiz_item_analysis_results",
        ),
        path(
            "reports/questionnaire/<id:page_id>/",
            QuestionnaireSummaryView.as_view(),
            name="questionnaire_summary",
        ),
        path(
            "reports/questionnaire/<id:page_id>/results/",
            QuestionnaireSummaryView.as_view(results_only=True),
            name="questionnaire_summary_results",
        ),
        path("reports/quizzes/", report_index, name="quiz_reports"),
    ]


@hooks.register("register_reports_menu_item")
def register_quiz_report_menu_item():
    return ScopedMenuItem(
        _("確認テストとアンケート"), reverse("quiz_reports"), icon_name="help", order=700
    )
