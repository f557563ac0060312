"""Admin screens for certificates: list (scoped), inspect, reissue and revoke."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from organizations.admin_scoping import scoped
from organizations.viewsets import ScopedIndexView

from . import services
from .admin_forms import CertificateAdminForm
from .models import Certificate


class CertificateEditView(scoped(generic.EditView)):
    """Saving goes through the services, so every change is versioned and logged."""

    def save_instance(self):
        certificate = self.object
        data = self.form.cleaned_data
        if data.get("revoke"):
            return services.certificate_revoke(
                certificate=certificate, reason=data["reason"], user=self.request.user
            )
        if "name_printed" in self.form.changed_data:
            return services.certificate_reissue(
                certificate=certificate, name=data["name_printed"], user=self.request.user
            )
        return certificate


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = _("修了証")
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["serial", "name_printed", "completion", "issued_at", "revoked_at"]
    list_filter = ["fiscal_year", "course_code"]
    search_fields = ["serial", "name_printed", "code"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "serial",
        "code",
        "name_printed",
        "name_withheld",
        "issued_at",
        "version",
        "revoked_at",
        "revoke_reason",
    ]
    index_view_class = ScopedIndexView
    edit_view_class = CertificateEditView
    inspect_view_class = scoped(generic.InspectView)
    copy_view_enabled = False
    edit_handler = ObjectList(
        [FieldPanel("name_printed"), FieldPanel("revoke"), FieldPanel("reason")],
        base_form_class=CertificateAdminForm,
    )

    def get_queryset(self, request):
        return Certificate.objects.select_related("completion__course")
