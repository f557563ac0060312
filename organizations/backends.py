"""Permissions lent by a delegation (管理監督者の代理) for as long as it is in force.

A deputy needs to open the admin and read their units' roster, as the manager does. Group
membership would outlast the delegation; this backend grants the permissions only while a
delegation of the user is in force (``organizations.scopes.delegations_in_force``), so they
end by themselves with it. It authenticates nobody.
"""

from .scopes import delegations_in_force

# What a manager (管理監督者) may do, and so what a deputy is lent: open the admin, read the
# staff of the units in scope (the training reports need only the scope).
DEPUTY_PERMISSIONS = frozenset({"wagtailadmin.access_admin", "organizations.view_staffmember"})


class DelegationBackend:
    """Grants ``DEPUTY_PERMISSIONS`` to active users with a delegation in force today."""

    def authenticate(self, request, **credentials):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return set()
        cached = getattr(user_obj, "_delegated_perm_cache", None)
        if cached is None:
            cached = set(DEPUTY_PERMISSIONS) if delegations_in_force(user_obj).exists() else set()
            user_obj._delegated_perm_cache = cached
        return cached

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label):
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
