from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import Department, Municipality
from .permissions import ScopedModelPermissionPolicy
from .viewsets import OrganizationsViewSetGroup

register_permission_policy(
    Municipality, ScopedModelPermissionPolicy(Municipality, municipality_field=None)
)
register_permission_policy(Department, ScopedModelPermissionPolicy(Department))


@hooks.register("register_admin_viewset")
def register_viewset():
    return OrganizationsViewSetGroup()
