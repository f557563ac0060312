"""Area scope inside the Wagtail admin: object views and forms that respect ``AdminScope``.

Wagtail checks instance permissions when copying and deleting but not when editing or
inspecting, so every scoped viewset uses these views; forms only offer areas in scope.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .scopes import scope_for_user


class ScopedObjectMixin:
    """Refuse (403) an object outside the user's area, whatever the URL says."""

    def get_object(self, *args, **kwargs):
        # Some views (history) take no queryset argument: pass on only what was given.
        obj = super().get_object(*args, **kwargs)
        policy = self.permission_policy
        actions = ["change", "view", "delete"]
        if policy and not policy.user_has_any_permission_for_instance(
            self.request.user, actions, obj
        ):
            raise PermissionDenied
        return obj


def scoped(view_class):
    """``view_class`` with the object check of ``ScopedObjectMixin`` in front of it."""
    return type(f"Scoped{view_class.__name__}", (ScopedObjectMixin, view_class), {})


class ScopedAdminForm(WagtailAdminModelForm):
    """Offer only the municipalities (and departments) in the editing user's scope.

    Only the national administrator may leave the municipality empty (= national record).
    """

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_for_user(for_user)
        field = self.fields.get("municipality")
        if field is not None:
            if scope is None:
                field.queryset = field.queryset.none()
            else:
                field.queryset = scope.municipalities().select_related("prefecture")
                if not scope.is_nation:
                    field.required = True
                    field.help_text = _("担当する市区町村の中から選んでください。")
        department = self.fields.get("department")
        if department is not None:
            if scope is None:
                department.queryset = department.queryset.none()
            else:
                queryset = scope.filter(department.queryset)
                if scope.department_id:
                    queryset = queryset.filter(pk=scope.department_id)
                department.queryset = queryset
