"""Admin screens for certificates: list (scoped), inspect, reissue and revoke."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from organizations.admin_scoping import ScopedAdminForm, SnippetChooserViewSet, scoped
from organizations.viewsets import ScopedIndexView

from . import services
from .admin_forms import CertificateAdminForm
from .exports import certificate_export_request
from .models import Certificate, CertificateExport, CourseCertificateOptions


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
    history_view_class = scoped(history.HistoryView)
    usage_view_class = scoped(usage.UsageView)
    copy_view_enabled = False
    edit_handler = ObjectList(
        [FieldPanel("name_printed"), FieldPanel("revoke"), FieldPanel("reason")],
        base_form_class=CertificateAdminForm,
    )

    def get_queryset(self, request):
        return Certificate.objects.select_related("completion__course")


class CertificateExportCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return certificate_export_request(
            user=self.request.user,
            course=data.get("course"),
            department=data.get("department"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class CertificateExportIndexView(generic.IndexView):
    """Each administrator sees the exports they asked for (the national one sees all)."""

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        if self.request.user.is_superuser:
            return queryset
        return queryset.filter(requested_by=self.request.user)


def export_download_column():
    from django.utils.html import format_html
    from wagtail.admin.ui.tables import Column

    class DownloadColumn(Column):
        def get_value(self, instance):
            if instance.status == CertificateExport.Status.DONE:
                url = reverse("certificate_export_download", args=[instance.pk])
                return format_html('<a href="{}">{}</a>', url, _("ZIP をダウンロード"))
            if instance.status == CertificateExport.Status.RUNNING:
                return f"{instance.done} / {instance.total}（{instance.progress_percent}%）"
            return instance.get_status_display()

    return DownloadColumn("download", label=_("ダウンロード・進み具合"))


class OwnExportMixin:
    """An export (it holds certificates with names) is seen only by whoever asked for it."""

    def get_object(self, *args, **kwargs):
        export = super().get_object(*args, **kwargs)
        user = self.request.user
        if not (user.is_superuser or export.requested_by_id == user.pk):
            raise PermissionDenied
        return export


class CertificateExportViewSet(ModelViewSet):
    model = CertificateExport
    icon = "download"
    menu_label = _("修了証の一括ダウンロード")
    add_to_admin_menu = True
    menu_order = 261
    copy_view_enabled = False
    index_view_class = CertificateExportIndexView
    add_view_class = CertificateExportCreateView
    edit_view_class = type("CertificateExportEditView", (OwnExportMixin, generic.EditView), {})
    delete_view_class = type(
        "CertificateExportDeleteView", (OwnExportMixin, generic.DeleteView), {}
    )
    history_view_class = type(
        "CertificateExportHistoryView", (OwnExportMixin, history.HistoryView), {}
    )
    usage_view_class = type("CertificateExportUsageView", (OwnExportMixin, usage.UsageView), {})
    edit_handler = ObjectList(
        [
            FieldPanel("course"),
            FieldPanel("department"),
            FieldPanel("date_from"),
            FieldPanel("date_to"),
        ],
        base_form_class=ScopedAdminForm,
    )

    @property
    def list_display(self):
        return ["created_at", "course", "department", "status", export_download_column()]


class CourseCertificateOptionsViewSet(SnippetViewSet):
    """Per-course wording, issuer, logo and seal; empty fields use 設定 → 修了証の設定."""

    # No "create" step in the chooser (it has no form; a POST there failed with a 500).
    chooser_viewset_class = SnippetChooserViewSet
    model = CourseCertificateOptions
    icon = "doc-full"
    menu_label = _("修了証の設定（コース別）")
    list_display = ["course", "issuer_name", "era_only"]
