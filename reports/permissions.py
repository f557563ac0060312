"""Who may edit which KPI target: the area of the target must lie in the editor's scope."""

from organizations.permissions import AreaPermissionPolicy
from organizations.scopes import scope_for_user

from .models import KpiTarget


def scope_allows_target(scope, target: KpiTarget) -> bool:
    """Whether ``scope`` covers the area of ``target`` (the nation's only for national)."""
    if scope is None:
        return False
    if target.level == KpiTarget.Level.NATION:
        return scope.is_nation
    if target.level == KpiTarget.Level.PREFECTURE:
        return scope.allows_prefecture(target.prefecture_id)
    return target.municipality is not None and scope.allows_municipality(target.municipality)


class KpiTargetPermissionPolicy(AreaPermissionPolicy):
    """Model permissions, limited to targets of areas in the user's scope."""

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and scope_allows_target(
            scope_for_user(user), instance
        )

    def instances_user_has_any_permission_for(self, user, actions):
        scope = scope_for_user(user)
        if scope is None or not self.user_has_any_permission(user, actions):
            return KpiTarget.objects.none()
        if scope.is_nation:
            return KpiTarget.objects.all()
        rows = KpiTarget.objects.filter(
            level=KpiTarget.Level.MUNICIPALITY, municipality__in=scope.municipalities()
        )
        if scope.prefecture_code:
            rows = rows | KpiTarget.objects.filter(
                level=KpiTarget.Level.PREFECTURE, prefecture_id=scope.prefecture_code
            )
        return rows
