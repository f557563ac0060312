from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from organizations.permissions import ScopedModelPermissionPolicy

from .hooks import learning_records_export
from .models import ConsultationWindow
from .viewsets import ConsultationWindowViewSet

register_permission_policy(ConsultationWindow, ScopedModelPermissionPolicy(ConsultationWindow))
register_snippet(ConsultationWindowViewSet)
hooks.register("learner_data_export", learning_records_export)
