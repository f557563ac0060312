"""Wagtail admin screens for areas, departments and administrators' scopes.

The screens of area-scoped models are ``ScopedModelViewSet``s: their views are plain Wagtail
views, scoped to the user's area when the viewset constructs them.
"""

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton

from .admin_scoping import ScopedAdminForm, ScopedModelViewSet
from .models import (
    AdminScope,
    Department,
    ManagerDelegation,
    Municipality,
    RosterSyncRun,
    StaffMember,
    StaffTransfer,
)
from .scopes import scope_for_user
from .services import (
    department_delete,
    department_save,
    manager_delegation_delete,
    manager_delegation_save,
    staff_member_delete,
    staff_member_update,
)
from .unit_choices import UnitPathFilter, show_unit_paths
from .units import department_path_names


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


class DepartmentForm(ScopedAdminForm):
    """A unit and its place in the tree: the parent is one of the same municipality's units
    in the user's area, never the unit itself or one below it (a cycle)."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_for_user(for_user)
        parent = self.fields["parent"]
        units = Department.objects.none() if scope is None else scope.filter(parent.queryset)
        if self.instance.pk:
            self.fields["municipality"].disabled = True
            units = units.filter(municipality_id=self.instance.municipality_id).exclude(
                path__startswith=self.instance.path
            )
        # Units by their path from the top, in tree order (``organizations.unit_choices``).
        show_unit_paths(parent, units)
        # A unit not offered (the unit itself or one below it, as a page opened before a move
        # may still name) is refused before ``clean``: say why, not Django's "not a choice".
        parent.error_messages = {
            **parent.error_messages,
            "invalid_choice": _(
                "この所属は上位の所属に選べません。所属を、それ自身やその下の所属の下に"
                "移すことはできません（循環します）。一覧から選び直してください。"
            ),
        }

    def clean(self):
        data = super().clean()
        municipality = data.get("municipality") or getattr(self.instance, "municipality", None)
        parent = data.get("parent")
        if municipality is not None and parent is not None:
            probe = Department(
                pk=self.instance.pk, municipality=municipality, path=self.instance.path
            )
            for field, message in probe.tree_errors(parent).items():
                self.add_error(field, message)
        return data


class DepartmentIndexView(IndexView):
    """Units listed in tree order, each named by its path from the top and linked to its
    edit screen (where 「上位の所属」 moves it in the tree)."""

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("municipality", "parent")

    def get_table(self, object_list):
        names = department_path_names({unit.municipality_id for unit in object_list})
        for unit in object_list:
            unit.path_name = names.get(unit.pk, unit.name)
            # The path is computed per page, so the column is a TitleColumn of our own, not
            # Wagtail's (which links a model field): without a link no unit could be edited.
            unit.edit_url = self.get_edit_url(unit)
        return super().get_table(object_list)


class DepartmentSaveMixin:
    def save_instance(self):
        return department_save(department=self.form.save(commit=False))

    def form_valid(self, form):
        # The service re-checks under the municipality's lock (a roster import may have just
        # created the same unit): its refusal is shown on the form, not as a server error.
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)


class DepartmentCreateView(DepartmentSaveMixin, generic.CreateView):
    pass


class DepartmentEditView(DepartmentSaveMixin, generic.EditView):
    pass


class DepartmentDeleteView(generic.DeleteView):
    """Refuses a unit that still has units below it: Wagtail's usage check says so (the
    parent is a protected reference); the service refuses too, with a message."""

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.index_url_name)

    def delete_action(self):
        department_delete(department=self.object)


class DepartmentViewSet(ScopedModelViewSet):
    """所属: each municipality's tree of units (局・部 → 課 → 係), also filled by rosters."""

    model = Department
    icon = "group"
    menu_label = _("所属")
    list_display = [
        TitleColumn(
            "path_name",
            label=_("所属（上位から）"),
            accessor="path_name",
            get_url=lambda unit: unit.edit_url,
        ),
        "code",
        "municipality",
    ]
    search_fields = ["name", "code"]
    list_per_page = 100
    index_view_class = DepartmentIndexView
    add_view_class = DepartmentCreateView
    edit_view_class = DepartmentEditView
    delete_view_class = DepartmentDeleteView
    edit_handler = ObjectList(
        [
            FieldPanel("municipality"),
            FieldPanel("parent"),
            FieldPanel("name"),
            FieldPanel("code"),
        ],
        base_form_class=DepartmentForm,
    )


class ManagerDelegationForm(ScopedAdminForm):
    """The unit (one the user sees) and the deputy: someone of the user's municipality — on
    its roster or an administrator there — never a person of another municipality."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_for_user(for_user)
        deputy = self.fields["deputy"]
        if scope is None:
            deputy.queryset = deputy.queryset.none()
        else:
            municipalities = scope.municipalities().values("pk")
            deputy.queryset = (
                deputy.queryset.filter(
                    Q(learner__staff_member__municipality__in=municipalities)
                    | Q(admin_scope__municipality__in=municipalities),
                    is_active=True,
                )
                .exclude(pk=getattr(for_user, "pk", None))
                .distinct()
                .order_by("username")
            )
        show_unit_paths(self.fields["department"])
        if not self.instance.pk and scope is not None and scope.municipality_id:
            self.fields["municipality"].initial = scope.municipality_id

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("終了日は開始日以降にしてください。"))
        department, municipality = data.get("department"), data.get("municipality")
        if department and municipality and department.municipality_id != municipality.pk:
            self.add_error("department", _("選んだ市区町村の所属を選んでください。"))
        return data


class ManagerDelegationSaveMixin:
    def save_instance(self):
        return manager_delegation_save(
            delegation=self.form.save(commit=False), user=self.request.user
        )


class ManagerDelegationCreateView(ManagerDelegationSaveMixin, generic.CreateView):
    pass


class ManagerDelegationEditView(ManagerDelegationSaveMixin, generic.EditView):
    pass


class ManagerDelegationDeleteView(generic.DeleteView):
    def delete_action(self):
        manager_delegation_delete(delegation=self.object)


class ManagerDelegationViewSet(ScopedModelViewSet):
    """管理監督者の代理: who sees a unit's subtree in the manager's place, from when to when."""

    model = ManagerDelegation
    name = "manager_delegations"
    url_prefix = "manager-delegations"
    icon = "user"
    menu_label = _("管理監督者の代理")
    list_display = ["deputy", "department", "starts_on", "ends_on", "delegated_by", "municipality"]
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = True
    add_view_class = ManagerDelegationCreateView
    edit_view_class = ManagerDelegationEditView
    delete_view_class = ManagerDelegationDeleteView
    edit_handler = ObjectList(
        [
            FieldPanel("municipality"),
            FieldPanel("department"),
            FieldPanel("deputy"),
            FieldPanel("starts_on"),
            FieldPanel("ends_on"),
            FieldPanel("reason"),
        ],
        base_form_class=ManagerDelegationForm,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("deputy", "department", "delegated_by")


class StaffTransferViewSet(ScopedModelViewSet):
    """異動履歴: each move between units the roster (or a correction) made; read-only."""

    model = StaffTransfer
    name = "staff_transfers"
    url_prefix = "staff-transfers"
    icon = "history"
    menu_label = _("異動履歴")
    list_display = ["moved_on", "staff_member", "from_name", "to_name", "source"]
    list_filter = ["source"]
    list_per_page = 100
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["moved_on"]  # never shown: nobody may add or edit a transfer

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("staff_member")


class AdminScopeForm(WagtailAdminModelForm):
    """A scope's unit (for a manager, 管理監督者) named by its path: the units of the editing
    user's own area, every municipality's for the national administrator."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_for_user(for_user)
        department = self.fields["department"]
        show_unit_paths(
            department,
            department.queryset.none() if scope is None else scope.filter(department.queryset),
        )


class AdminScopeViewSet(ModelViewSet):
    model = AdminScope
    icon = "lock"
    menu_label = _("管理者の範囲")
    list_display = ["user", "level", "prefecture", "municipality", "department"]
    list_filter = ["level"]
    form_fields = ["user", "level", "prefecture", "municipality", "department"]
    edit_handler = ObjectList(
        [FieldPanel(name) for name in form_fields], base_form_class=AdminScopeForm
    )


class StaffMemberFilterSet(WagtailFilterSet):
    """Filters offering only the departments of the user's area."""

    department = UnitPathFilter(
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
        departments = departments.filter(pk__in=scope.department_ids)
    return departments.order_by("path")


class StaffMemberForm(ScopedAdminForm):
    """Corrections between imports; the staff number and municipality stay as imported."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        department = self.fields.get("department")
        if department is not None:
            # The person's own municipality's units (of the user's area), by path.
            units = department.queryset
            if self.instance.municipality_id:
                units = units.filter(municipality_id=self.instance.municipality_id)
            show_unit_paths(department, units)


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
    list_display = [
        "staff_number",
        "name",
        "department",
        "position",
        "employment_type",
        "status",
        "email",
        "municipality",
    ]
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
        "position",
        "employment_type",
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
            FieldPanel("position"),
            FieldPanel("employment_type"),
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
        StaffTransferViewSet,
        ManagerDelegationViewSet,
        RosterSyncRunViewSet,
        AdminScopeViewSet,
    )
