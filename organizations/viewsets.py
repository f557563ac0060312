"""Wagtail admin screens for areas, departments and administrators' scopes."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.views.generic import IndexView, history
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import policy_registry

from .admin_scoping import ScopedAdminForm, scoped
from .models import AdminScope, Department, Municipality


class ScopedIndexView(IndexView):
    """An index view listing only the rows the permission policy lets this user see."""

    def get_base_queryset(self):
        policy = policy_registry.get_by_type(self.model)
        return policy.instances_user_has_any_permission_for(self.request.user, ["view", "change"])


class MunicipalityViewSet(ModelViewSet):
    """Municipalities are reference data (official codes); they are listed, not edited."""

    model = Municipality
    icon = "site"
    menu_label = _("市区町村")
    list_display = ["code", "name", "prefecture", "kind"]
    list_filter = ["prefecture", "kind"]
    search_fields = ["name", "name_kana", "code"]
    inspect_view_enabled = True
    form_fields = ["name", "name_kana"]
    index_view_class = ScopedIndexView
    inspect_view_class = scoped(generic.InspectView)
    edit_view_class = scoped(generic.EditView)


class DepartmentViewSet(ModelViewSet):
    model = Department
    icon = "group"
    menu_label = _("所属")
    list_display = ["name", "code", "municipality"]
    search_fields = ["name", "code"]
    index_view_class = ScopedIndexView
    edit_view_class = scoped(generic.EditView)
    delete_view_class = scoped(generic.DeleteView)
    history_view_class = scoped(history.HistoryView)
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


class OrganizationsViewSetGroup(ViewSetGroup):
    menu_label = _("組織・地域")
    menu_icon = "site"
    menu_order = 300
    items = (MunicipalityViewSet, DepartmentViewSet, AdminScopeViewSet)
