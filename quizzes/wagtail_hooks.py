from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet

from organizations.scopes import scope_for_user

from .hooks import quiz_attempts_export, quiz_outline_item, quiz_requirement
from .viewsets import ItemAnalysisView, QuestionViewSet

hooks.register("course_completion_requirements", quiz_requirement)
hooks.register("course_outline_items", quiz_outline_item)
hooks.register("learner_data_export", quiz_attempts_export)
register_snippet(QuestionViewSet)


@hooks.register("register_admin_urls")
def register_item_analysis_urls():
    return [
        path(
            "reports/quiz/<int:quiz_id>/",
            ItemAnalysisView.as_view(),
            name="quiz_item_analysis",
        ),
        path(
            "reports/quiz/<int:quiz_id>/results/",
            ItemAnalysisView.as_view(results_only=True),
            name="quiz_item_analysis_results",
        ),
        path("reports/quizzes/", quiz_report_index, name="quiz_reports"),
    ]


def quiz_report_index(request):
    """List the quizzes, each linking to its item analysis."""
    from django.core.exceptions import PermissionDenied
    from django.template.response import TemplateResponse

    from .models import QuizPage

    if scope_for_user(request.user) is None:
        raise PermissionDenied
    quizzes = QuizPage.objects.live().order_by("path")
    return TemplateResponse(request, "quizzes/admin/report_index.html", {"quizzes": quizzes})


class ScopedMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for_user(request.user) is not None


@hooks.register("register_reports_menu_item")
def register_quiz_report_menu_item():
    return ScopedMenuItem(
        _("確認テストの分析"), reverse("quiz_reports"), icon_name="help", order=700
    )
