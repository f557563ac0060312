"""Who reaches which organisers and course plans in the admin.

Administrators reach those of their area (``organizations.scopes``), as for every area-scoped
record. An organiser holds no administrator scope — so every report, listing, export and API
of the area shows them nothing, by construction — and reaches only the course plans they
organise: the organiser is a scope of its own, narrower than a municipality.
"""

from organizations.permissions import ScopedModelPermissionPolicy
from organizations.scopes import scope_for_user

from .services import organiser_of


class OrganiserPermissionPolicy(ScopedModelPermissionPolicy):
    """Organisers are managed by the administrators of their municipality (or above)."""


class PlannedCoursePermissionPolicy(ScopedModelPermissionPolicy):
    """Course plans: an administrator's area, or an organiser's own plans only."""

    def _own_organiser(self, user):
        # An administrator who also organises keeps their area; the organiser scope is for
        # those who hold no area.
        if scope_for_user(user) is not None:
            return None
        return organiser_of(user)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        organiser = self._own_organiser(user)
        if organiser is None:
            return super().user_has_any_permission_for_instance(user, actions, instance)
        return self.user_has_any_permission(user, actions) and instance.organiser_id == organiser.pk

    def instances_user_has_any_permission_for(self, user, actions):
        organiser = self._own_organiser(user)
        if organiser is None:
            return super().instances_user_has_any_permission_for(user, actions)
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return self.model._default_manager.filter(organiser=organiser)
