from django.urls import path
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin_scoping import ScopedDeleteBulkAction
from .admin_views import RosterImportView, invitations
from .models import (
    Department,
    ManagerDelegation,
    Municipality,
    RosterSyncRun,
    StaffMember,
    StaffTransfer,
)
from .permissions import (
    DelegationPermissionPolicy,
    RecordPermissionPolicy,
    ScopedModelPermissionPolicy,
    StaffPermissionPolicy,
    TransferPermissionPolicy,
)
from .services import staff_record_export
from .viewsets import OrganizationsViewSetGroup

register_permission_policy(
    Municipality, ScopedModelPermissionPolicy(Municipality, municipality_field=None)
)
register_permission_policy(Department, ScopedModelPermissionPolicy(Department))
register_permission_policy(StaffMember, StaffPermissionPolicy(StaffMember))
register_permission_policy(RosterSyncRun, RecordPermissionPolicy(RosterSyncRun))
register_permission_policy(StaffTransfer, TransferPermissionPolicy(StaffTransfer))
register_permission_policy(ManagerDelegation, DelegationPermissionPolicy(ManagerDelegation))
hooks.register("learner_data_export", staff_record_export)
# After Wagtail's own bulk delete (order 0), so that this one replaces it for every snippet.
hooks.register("register_bulk_action", ScopedDeleteBulkAction, order=100)


@hooks.register("register_admin_viewset")
def register_viewset():
    return OrganizationsViewSetGroup()


@hooks.register("register_admin_urls")
def register_staff_urls():
    return [
        *RosterImportView.urls("staff-roster/import"),
        path("staff-roster/invitations/", invitations, name="staff_invitations"),
    ]
