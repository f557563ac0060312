"""Wagtail admin screens for areas, departments and administrators' scopes.

The screens of area-scoped models are ``ScopedModelViewSet``s: their views are plain Wagtail
views, scoped to the user's area when the viewset constructs them.
"""

import django_filters
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton

from .admin_scoping import ScopedAdminForm, ScopedModelViewSet
from .models import AdminScope, Department, Municipality, RosterSyncRun, StaffMember
from .scopes import scope_for_user
from .services import staff_member_delete, staff_member_update


class MunicipalityViewSet(ScopedModelViewSet):
    """Municipalities are reference data (official codes); they are listed, not edited."""

    model = Municipality
    icon = "site"
    menu_label = _("市区町村")
    list_display = ["code", "name", "prefecture", "kind"]
    list_filter = ["prefecture", "kind"]
    search_fields = ["name", "name_kana", "code"]
    # The database's substring match: it finds part of a Japanese name (the search index
    # splits no Japanese words) and needs no index fields for codes.
    search_backend_name = None
    inspect_view_enabled = True
    form_fields = ["name", "name_kana"]


class DepartmentViewSet(ScopedModelViewSet):
    model = Department
    icon = "group"
    menu_label = _("所属")
    list_display = ["name", "code", "municipality"]
    search_fields = ["name", "code"]
    edit_handler = ObjectList(
        [FieldPanel("municipality"), FieldPanel("name"), FieldPanel("code")],
        base_form_class=ScopedAdminForm,
    )


class AdminScopeViewSet(ModelViewSet):
    model = AdminScope
    icon = "lock"
    menu_label = _("管理者の範囲")
    list_display = ["user", "level", "prefecture", "municipality", "department"]
    list_filter = ["level"]
    form_fields = ["user", "level", "prefecture", "municipality", "department"]


class StaffMemberFilterSet(WagtailFilterSet):
    """Filters offering only the departments of the user's area."""

    department = django_filters.ModelChoiceFilter(
        label=_("所属"), queryset=lambda request: _departments_in_scope(request)
    )
    status = django_filters.ChoiceFilter(label=_("在職区分"), choices=StaffMember.Status.choices)

    class Meta:
        model = StaffMember
        fields = []


def _departments_in_scope(request):
    scope = scope_for_user(request.user)
    if scope is None:
        return Department.objects.none()
    departments = scope.filter(Department.objects.all())
    if scope.department_id:
        departments = departments.filter(pk=scope.department_id)
    return departments.order_by("name")


class StaffMemberForm(ScopedAdminForm):
    """Corrections between imports; the staff number and municipality stay as imported."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        department = self.fields.get("department")
        if department is not None and self.instance.municipality_id:
            department.queryset = department.queryset.filter(
                municipality_id=self.instance.municipality_id
            )


class StaffMemberIndexView(IndexView):
    """The roster in the user's area (a manager: their department), with the import and the
    password links one click away for those who keep rosters."""

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("department", "municipality")

    @cached_property
    def header_buttons(self):
        scope = scope_for_user(self.request.user)
        if (
            scope is None
            or scope.department_id
            or not self.request.user.has_perm("organizations.add_staffmember")
        ):
            return []
        return [
            HeaderButton(
                _("名簿を取り込む"), url=reverse("staff_roster_import"), icon_name="upload"
            ),
            HeaderButton(
                _("パスワード設定の案内"), url=reverse("staff_invitations"), icon_name="mail"
            ),
        ]


class StaffMemberEditView(generic.EditView):
    def save_instance(self):
        fields = {name: self.form.cleaned_data[name] for name in self.form.changed_data}
        return staff_member_update(staff_member=self.object, fields=fields)


class StaffMemberDeleteView(generic.DeleteView):
    def delete_action(self):
        staff_member_delete(staff_member=self.object)


class StaffMemberViewSet(ScopedModelViewSet):
    """職員名簿: filled by roster imports, corrected here, personal data deleted here."""

    model = StaffMember
    name = "staff_members"
    url_prefix = "staff"
    icon = "group"
    menu_label = _("職員名簿")
    list_display = ["staff_number", "name", "department", "status", "email", "municipality"]
    filterset_class = StaffMemberFilterSet
    search_fields = ["staff_number", "name", "name_kana"]
    list_per_page = 100
    inspect_view_enabled = True
    inspect_view_fields = [
        "municipality",
        "staff_number",
        "name",
        "name_kana",
        "department",
        "email",
        "status",
        "invited_at",
        "created_at",
        "updated_at",
    ]
    index_view_class = StaffMemberIndexView
    edit_view_class = StaffMemberEditView
    delete_view_class = StaffMemberDeleteView
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("name_kana"),
            FieldPanel("department"),
            FieldPanel("email"),
            FieldPanel("status"),
        ],
        base_form_class=StaffMemberForm,
    )


class RosterSyncRunViewSet(ScopedModelViewSet):
    """名簿の自動取り込み: each run of ``import_roster --from DIR`` (file, mode, result, counts),
    read-only (``RecordPermissionPolicy``) and limited to the user's area."""

    model = RosterSyncRun
    name = "roster_sync_runs"
    url_prefix = "roster-sync"
    icon = "history"
    menu_label = _("名簿の自動取り込み")
    list_display = ["started_at", "municipality", "file_name", "mode", "status", "error_count"]
    list_filter = ["status", "mode"]
    list_per_page = 50
    inspect_view_enabled = True
    copy_view_enabled = False
    inspect_view_fields = [
        "municipality",
        "file_name",
        "archived_as",
        "sha256",
        "mode",
        "status",
        "started_at",
        "finished_at",
        "total_rows",
        "new",
        "updated",
        "unchanged",
        "leaving",
        "error_count",
        "result",
    ]
    form_fields = ["file_name"]  # never shown: nobody may add or edit a run

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("municipality")


class OrganizationsViewSetGroup(ViewSetGroup):
    menu_label = _("組織・地域")
    menu_icon = "site"
    menu_order = 300
    items = (
        MunicipalityViewSet,
        DepartmentViewSet,
        StaffMemberViewSet,
        RosterSyncRunViewSet,
        AdminScopeViewSet,
    )
