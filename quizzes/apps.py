from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = _("確認テスト")

    def ready(self):
        # Django's app loading: receivers and models import only once apps are ready. The
        # submissions view is attached here because the viewsets import the page models, and a
        # model must not import a view.
        from . import receivers  # noqa: F401  (receivers)
        from .models import QuestionnairePage
        from .viewsets import QuestionnaireSubmissionsView

        QuestionnairePage.submissions_list_view_class = QuestionnaireSubmissionsView
