from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = _("確認テスト")

    def ready(self):
        from . import receivers  # noqa: F401
        from .models import QuestionnairePage
        from .viewsets import QuestionnaireSubmissionsView

        QuestionnairePage.submissions_list_view_class = QuestionnaireSubmissionsView
