"""Admin screens for certificates: list (scoped), inspect, reissue, revoke (with a
confirmation step), PDF and history; and bulk exports."""

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.models import CoursePage
from organizations.admin_scoping import (
    ScopedAdminForm,
    ScopedModelViewSet,
    SnippetChooserViewSet,
)

from . import services
from .admin_forms import (
    REVOKE_PRIVATE_TEXT,
    REVOKE_PUBLIC_TEXT,
    CertificateAdminForm,
    CertificateRevokeForm,
)
from .admin_views import CertificatePdfView
from .exports import certificate_export_request
from .models import Certificate, CertificateExport, CourseCertificateOptions


def _issued_on(certificate) -> str:
    return date_format(localtime(certificate.issued_at), "Y年n月j日")


def _printed_name(certificate) -> str:
    if certificate.name_withheld:
        return _("（氏名非表示: 受講者がデータを削除）")
    return certificate.name_printed or _("（未設定）")


def _status(certificate) -> str:
    if certificate.is_revoked:
        revoked_on = date_format(localtime(certificate.revoked_at), "Y年n月j日")
        return _("失効（%(date)s）") % {"date": revoked_on}
    return _("有効")


def _pdf_link(certificate):
    url = reverse("certificate:pdf", args=[certificate.pk])
    label = _("PDF（第%(version)s版）") % {"version": certificate.version}
    return format_html('<a href="{}">{}</a>', url, label)


def certificate_columns():
    """The list's columns: what an administrator needs to find and answer about a certificate."""
    return [
        "serial",
        Column("name", label=_("氏名"), accessor=_printed_name),
        Column("course", label=_("コース"), accessor="completion.course.title"),
        Column("issued", label=_("発行日"), accessor=_issued_on, sort_key="issued_at"),
        Column("area", label=_("市区町村"), accessor="completion.municipality"),
        StatusTagColumn(
            "status",
            label=_("状態"),
            accessor=_status,
            primary=lambda certificate: not certificate.is_revoked,
        ),
        Column("pdf", label=_("PDF"), accessor=_pdf_link),
    ]


class CertificateFilterSet(WagtailFilterSet):
    """Find certificates by year, course and whether they are still valid."""

    fiscal_year = django_filters.NumberFilter(label=_("年度"))
    course = django_filters.ModelChoiceFilter(
        label=_("コース"),
        field_name="completion__course",
        queryset=lambda request: CoursePage.objects.order_by("title"),
    )
    status = django_filters.ChoiceFilter(
        label=_("状態"),
        choices=[("valid", _("有効")), ("revoked", _("失効"))],
        method="filter_status",
    )

    class Meta:
        model = Certificate
        fields = []

    def filter_status(self, queryset, name, value):
        if value == "valid":
            return queryset.filter(revoked_at__isnull=True)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


def _revoke_button(view, certificate):
    if certificate.is_revoked or not view.user_has_permission_for_instance("change", certificate):
        return []
    url = reverse("certificate:revoke", args=[certificate.pk])
    return [Button(_("失効させる…"), url=url, icon_name="warning", priority=40)]


def _pdf_button(certificate):
    url = reverse("certificate:pdf", args=[certificate.pk])
    return Button(_("PDF を表示"), url=url, icon_name="doc-full", priority=35)


class CertificateEditView(generic.EditView):
    """Correcting the name reissues through the service, so every change is versioned and
    logged; revoking has its own screen (``CertificateRevokeView``)."""

    def save_instance(self):
        certificate = self.object
        if "name_printed" in self.form.changed_data:
            return services.certificate_reissue(
                certificate=certificate,
                name=self.form.cleaned_data["name_printed"],
                user=self.request.user,
            )
        return certificate

    def get_success_message(self):
        if "name_printed" in self.form.changed_data:
            return _("修了証 %(serial)s を第%(version)s版として再発行しました。") % {
                "serial": self.object.serial,
                "version": self.object.version,
            }
        return _("変更はありません。")

    @cached_property
    def header_more_buttons(self):
        return [
            *super().header_more_buttons,
            _pdf_button(self.object),
            *_revoke_button(self, self.object),
        ]


class CertificateInspectView(generic.InspectView):
    """Everything about one certificate, including the internal revocation reason."""

    labels = {
        "name": _("印字する氏名"),
        "course": _("コース"),
        "area": _("市区町村"),
        "issued": _("発行日"),
        "status": _("状態"),
        "pdf": _("PDF"),
        "verify": _("確認ページ（公開）"),
    }

    def get_field_label(self, field_name, field):
        if field_name in self.labels:
            return self.labels[field_name]
        return super().get_field_label(field_name, field)

    def get_name_display_value(self):
        return _printed_name(self.object)

    def get_course_display_value(self):
        return self.object.completion.course.title

    def get_area_display_value(self):
        return self.object.completion.municipality or _("（未設定）")

    def get_issued_display_value(self):
        return _issued_on(self.object)

    def get_status_display_value(self):
        return _status(self.object)

    def get_pdf_display_value(self):
        return _pdf_link(self.object)

    def get_verify_display_value(self):
        url = self.object.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, url)

    def get_revoke_reason_display_value(self):
        return self.object.revoke_reason or "-"

    def get_revoked_at_display_value(self):
        if not self.object.revoked_at:
            return "-"
        return date_format(localtime(self.object.revoked_at), "Y年n月j日 H:i")

    @cached_property
    def header_more_buttons(self):
        buttons = [*super().header_more_buttons, _pdf_button(self.object)]
        buttons.append(
            Button(
                _("履歴"),
                url=reverse("certificate:history", args=[self.object.pk]),
                icon_name="history",
                priority=50,
            )
        )
        return [*buttons, *_revoke_button(self, self.object)]


class CertificateRevokeView(
    PermissionCheckedMixin,
    BaseObjectMixin,
    WagtailAdminTemplateMixin,
    FormView,
):
    """Revoke in two steps: give the (internal) reason, then confirm having read what becomes
    public. Only the confirmed second step changes anything. Outside the user's area: 403
    (``CertificateViewSet`` constructs it area-scoped)."""

    model = Certificate
    permission_required = "change"
    form_class = CertificateRevokeForm
    template_name = "certificates/admin/revoke.html"
    page_title = _("修了証を失効させる")
    header_icon = "warning"
    index_url_name = None
    edit_url_name = None
    inspect_url_name = None

    def get_page_subtitle(self):
        return self.object.serial

    def get_base_object_queryset(self):
        return Certificate.objects.select_related("completion__course", "completion__municipality")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": Certificate._meta.verbose_name},
            {"url": reverse(self.inspect_url_name, args=[self.object.pk]), "label": self.object},
            {"url": "", "label": self.get_page_title()},
        ]

    def dispatch(self, request, *args, **kwargs):
        if self.object.is_revoked:
            messages.info(request, _("この修了証はすでに失効しています。"))
            return redirect(self.inspect_url_name, self.object.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        certificate = self.object
        context.update(
            certificate=certificate,
            summary=[
                (_("修了証番号"), certificate.serial),
                (_("氏名"), _printed_name(certificate)),
                (_("コース"), certificate.completion.course.title),
                (_("発行日"), _issued_on(certificate)),
                (_("市区町村"), certificate.completion.municipality or _("（未設定）")),
            ],
            public_text=REVOKE_PUBLIC_TEXT,
            private_text=REVOKE_PRIVATE_TEXT,
            cancel_url=reverse(self.inspect_url_name, args=[certificate.pk]),
        )
        return context

    def form_valid(self, form):
        reason = form.cleaned_data["reason"]
        if not form.cleaned_data["confirmed"]:
            confirm = self.form_class(initial={"reason": reason, "confirmed": True})
            return self.render_to_response(
                self.get_context_data(form=confirm, confirming=True, reason=reason)
            )
        services.certificate_revoke(certificate=self.object, reason=reason, user=self.request.user)
        messages.success(
            self.request,
            _("修了証 %(serial)s を失効させました。確認ページには「失効」と失効日が表示されます。")
            % {"serial": self.object.serial},
        )
        return redirect(self.inspect_url_name, self.object.pk)


class CertificateViewSet(ScopedModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = _("修了証")
    menu_order = 260
    add_to_admin_menu = True
    filterset_class = CertificateFilterSet
    search_fields = ["serial", "name_printed", "code"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "serial",
        "name",
        "course",
        "area",
        "issued",
        "status",
        "version",
        "pdf",
        "verify",
        "revoked_at",
        "revoke_reason",
    ]
    edit_view_class = CertificateEditView
    inspect_view_class = CertificateInspectView
    copy_view_enabled = False
    edit_handler = ObjectList([FieldPanel("name_printed")], base_form_class=CertificateAdminForm)

    @property
    def list_display(self):
        return certificate_columns()

    def get_queryset(self, request):
        return Certificate.objects.select_related("completion__course", "completion__municipality")

    @property
    def revoke_view(self):
        return self.construct_view(CertificateRevokeView)

    @property
    def pdf_view(self):
        return self.construct_view(CertificatePdfView)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("revoke/<id:pk>/", self.revoke_view, name="revoke"),
            path("pdf/<id:pk>/", self.pdf_view, name="pdf"),
        ]


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
