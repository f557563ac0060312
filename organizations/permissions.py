"""Permission policies that add area scope to Django's model permissions.

A municipal administrator may hold "change department" and still only ever reach the
departments of their own municipality: the policy checks both.
"""

from wagtail.permission_policies import ModelPermissionPolicy

from .scopes import scope_for_user


class AreaPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, limited to the instances of the user's area.

    Registering one for a model is what makes the model *area-scoped*: its admin screens,
    choosers, bulk actions and site history keep to the user's area
    (``organizations.admin_scoping``), and the system check ``tsunagari.E010`` refuses a
    viewset of it that is not one of the scoped bases. Subclasses say which instances are in
    the area (``user_has_any_permission_for_instance``, ``instances_user_has_any_permission_for``).
    """


class ScopedModelPermissionPolicy(AreaPermissionPolicy):
    """Model permissions, limited to instances whose municipality lies in the user's scope."""

    def __init__(self, model, *, municipality_field: str | None = "municipality", **kwargs):
        # municipality_field=None: the instances are municipalities themselves.
        super().__init__(model, **kwargs)
        self.municipality_field = municipality_field

    def _instance_municipality(self, instance):
        value = instance
        if self.municipality_field is None:
            return value
        for part in self.municipality_field.split("__"):
            value = getattr(value, part, None)
        return value

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not self.user_has_any_permission(user, actions):
            return False
        scope = scope_for_user(user)
        if scope is None:
            return False
        municipality = self._instance_municipality(instance)
        if municipality is None:
            # A national record (e.g. a national consultation window): the nation's only.
            return scope.is_nation
        return scope.allows_municipality(municipality)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        scope = scope_for_user(user)
        if scope is None:
            return self.model._default_manager.none()
        if self.municipality_field is None:
            return scope.municipalities()
        return scope.filter(self.model._default_manager.all(), field=self.municipality_field)


class StaffPermissionPolicy(ScopedModelPermissionPolicy):
    """Staff rosters: municipal scope as above, and a department manager (管理監督者) reaches
    only the staff of their unit and the units below it. New people come from roster imports
    only."""

    def user_has_permission(self, user, action):
        if action == "add":
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        actions = [action for action in actions if action != "add"]
        return bool(actions) and super().user_has_any_permission(user, actions)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not super().user_has_any_permission_for_instance(user, actions, instance):
            return False
        scope = scope_for_user(user)
        return scope.allows_department(instance.department_id)

    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        scope = scope_for_user(user)
        return scope.filter_departments(instances) if scope is not None else instances


class RecordPermissionPolicy(ScopedModelPermissionPolicy):
    """Records the product writes itself (e.g. roster sync runs): viewed in the area, never
    added, changed or deleted in the admin, not even by a superuser. Department managers see
    none (the roster is kept for the whole municipality)."""

    READ = ("view",)

    def user_has_permission(self, user, action):
        return action in self.READ and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        actions = [action for action in actions if action in self.READ]
        return bool(actions) and super().user_has_any_permission(user, actions)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        actions = [action for action in actions if action in self.READ]
        if not actions or not super().user_has_any_permission_for_instance(user, actions, instance):
            return False
        return scope_for_user(user).department_id is None

    def instances_user_has_any_permission_for(self, user, actions):
        actions = [action for action in actions if action in self.READ]
        if not actions:
            return self.model._default_manager.none()
        instances = super().instances_user_has_any_permission_for(user, actions)
        scope = scope_for_user(user)
        if scope is None or scope.department_id is not None:
            return instances.none()
        return instances


class DelegationPermissionPolicy(ScopedModelPermissionPolicy):
    """Delegations (管理監督者の代理): the municipality's administrators keep all of theirs; a
    manager those of the units they see; a deputy (whose view is itself lent) none — a
    delegation is not delegated on."""

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not super().user_has_any_permission_for_instance(user, actions, instance):
            return False
        scope = scope_for_user(user)
        if scope.delegated:
            return False
        return scope.allows_department(instance.department_id)

    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        scope = scope_for_user(user)
        if scope is None or scope.delegated:
            return instances.none()
        return scope.filter_departments(instances)


class TransferPermissionPolicy(RecordPermissionPolicy):
    """The transfer history (異動履歴), written by roster imports: read-only, in the area; a
    manager sees the moves of the staff of their units."""

    def __init__(self, model, **kwargs):
        super().__init__(model, municipality_field="staff_member__municipality", **kwargs)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        actions = [action for action in actions if action in self.READ]
        if not actions or not ScopedModelPermissionPolicy.user_has_any_permission_for_instance(
            self, user, actions, instance
        ):
            return False
        return scope_for_user(user).allows_department(instance.staff_member.department_id)

    def instances_user_has_any_permission_for(self, user, actions):
        actions = [action for action in actions if action in self.READ]
        if not actions:
            return self.model._default_manager.none()
        instances = ScopedModelPermissionPolicy.instances_user_has_any_permission_for(
            self, user, actions
        )
        scope = scope_for_user(user)
        if scope is None:
            return instances.none()
        return scope.filter_departments(instances, field="staff_member__department")
