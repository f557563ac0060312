"""Admin screens of staff rosters that are not plain model views: importing a roster, and
sending (or printing) the one-time links with which staff set their password."""

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.permissions import policy_registry

from base.converters import parse_object_id

from .admin_scoping import ScopedImportView
from .invitations import invitation_url, staff_needing_invitation
from .models import AdminScope, Department, StaffMember
from .resources import MASS_LEAVING, RosterMode, StaffRosterResource, roster_import
from .scopes import scope_for_user
from .services import staff_send_invitations


def roster_scope(user, permission: str):
    """The scope of a user who may keep rosters (municipal level or wider), else 403."""
    scope = scope_for_user(user)
    if scope is None or scope.level == AdminScope.Level.DEPARTMENT or not user.has_perm(permission):
        raise PermissionDenied
    return scope


class RosterImportView(ScopedImportView):
    """職員名簿の取り込み: CSV/XLSX → preview → confirm (``StaffRosterResource``)."""

    resource_class = StaffRosterResource
    page_title = gettext_lazy("職員名簿の取り込み")
    header_icon = "group"
    url_name = "staff_roster_import"
    template_filename = "staff-roster-template"
    help_text = gettext_lazy(
        "職員番号で照合し、既存の職員は更新します。「この名簿が全員分」を選ぶと、ファイルに"
        "いない職員を「退職・異動」にします（削除はしません）。一部の人だけのファイルなら"
        "「この人たちだけ更新する」を選んでください。新しい所属は自動で作られます。"
    )

    permission = "organizations.add_staffmember"
    department_managers = False

    def get_extra_fields(self, request):
        municipalities = self.scope.municipalities().select_related("prefecture")
        return {
            "municipality": forms.ModelChoiceField(
                label=_("市区町村"),
                queryset=municipalities,
                initial=self.scope.municipality_id,
            ),
            # No default: a partial file taken for the whole roster switches everyone else off.
            "mode": forms.ChoiceField(
                label=_("このファイルは"),
                choices=RosterMode.CHOICES,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("ファイルが全員分か、一部の人だけかを選んでください。")
                },
            ),
        }

    def get_resource_kwargs(self, request, data):
        municipality = data["municipality"]
        if not self.scope.allows_municipality(municipality):
            raise PermissionDenied
        return {"municipality": municipality, "mode": data["mode"]}

    def run(self, dataset, data, *, dry_run):
        return roster_import(
            municipality=data["municipality"],
            dataset=dataset,
            dry_run=dry_run,
            scope=self.scope,
            mode=data["mode"],
            allow_mass_leaving=MASS_LEAVING in self.confirmed,
        )

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("staff_members:index"), "label": _("職員名簿")},
            {"url": "", "label": self.page_title},
        ]


def _staff_in_scope(request):
    policy = policy_registry.get_by_type(StaffMember)
    return policy.instances_user_has_any_permission_for(request.user, ["change"])


def invitations(request):
    """Accounts waiting for their password: send the one-time links by email, or print them
    (for offices without email)."""
    roster_scope(request.user, "organizations.change_staffmember")
    pending = staff_needing_invitation(_staff_in_scope(request))
    department_param = request.GET.get("department") or request.POST.get("department")
    department_id = parse_object_id(department_param)
    if department_param and department_id is None:
        raise BadRequest(_("所属の指定が正しくありません。一覧から選び直してください。"))
    departments = Department.objects.filter(pk__in=pending.values("department_id")).order_by("name")
    if department_id:
        pending = pending.filter(department_id=department_id)
    if request.method == "POST":
        sent = staff_send_invitations(staff_members=list(pending.filter(email__gt="")))
        messages.success(
            request, _("%(count)d 人にパスワード設定のメールを送りました。") % {"count": sent}
        )
        return redirect(
            reverse("staff_invitations") + (f"?department={department_id}" if department_id else "")
        )
    if request.GET.get("print"):
        rows = [
            (staff, staff.learner.user.get_username(), invitation_url(staff.learner.user))
            for staff in pending.filter(email="")
        ]
        return TemplateResponse(
            request, "organizations/admin/invitation_print.html", {"rows": rows}
        )
    return TemplateResponse(
        request,
        "organizations/admin/invitations.html",
        {
            "page_title": _("パスワード設定の案内"),
            "header_icon": "mail",
            "with_email": pending.filter(email__gt="").count(),
            "without_email": pending.filter(email="").count(),
            "departments": departments,
            "department_id": department_id,
        },
    )
