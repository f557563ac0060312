from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from organizations.permissions import ScopedModelPermissionPolicy
from organizations.scopes import scope_for_user

from .admin_views import export_download
from .hooks import (
    certificate_outline_item,
    certificates_export,
    certificates_follow_display_name,
    learner_by_certificate,
    my_certificates_section,
)
from .models import Certificate
from .viewsets import (
    CertificateExportViewSet,
    CertificateViewSet,
    CourseCertificateOptionsViewSet,
)


class CertificatePermissionPolicy(ScopedModelPermissionPolicy):
    """Certificates are made only by completing a course and are never deleted (revoked
    instead), so nobody may add or delete them in the admin; area scope as everywhere, and a
    department manager sees only their department's staff."""

    def user_has_permission(self, user, action):
        return action not in ("add", "delete") and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    # A department manager (管理監督者) reaches only the certificates of their unit's subtree.
    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not super().user_has_any_permission_for_instance(user, actions, instance):
            return False
        scope = scope_for_user(user)
        if scope.department_id is None:
            return True
        learner = instance.completion.learner
        return learner is not None and scope.allows_department(learner.department_id)

    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        scope = scope_for_user(user)
        if scope is None:
            return instances
        return scope.filter_departments(instances, field="completion__learner__department")


register_permission_policy(
    Certificate,
    CertificatePermissionPolicy(Certificate, municipality_field="completion__municipality"),
)
register_snippet(CourseCertificateOptionsViewSet)
hooks.register("course_outline_items", certificate_outline_item)
hooks.register("my_learning_sections", my_certificates_section)
hooks.register("learner_lookup", learner_by_certificate)
hooks.register("learner_display_name_changed", certificates_follow_display_name)
hooks.register("learner_data_export", certificates_export)


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    """What the certificate history (履歴) says for each action of ``services``."""
    actions.register_action("tsunagari.certificate.issue", _("発行"), _("修了証を発行しました"))
    actions.register_action(
        "tsunagari.certificate.name_confirm",
        _("氏名の確認"),
        _("受講者が印字する氏名を確認しました"),
    )

    @actions.register_action("tsunagari.certificate.reissue")
    class Reissue(LogFormatter):
        label = _("再発行（氏名の訂正）")

        def format_message(self, log_entry):
            version = log_entry.data.get("version")
            if version:
                return _("氏名を訂正して第%(version)s版を発行しました") % {"version": version}
            return _("氏名を訂正して再発行しました")

    actions.register_action(
        "tsunagari.certificate_export.download", _("ダウンロード"), _("ZIP をダウンロードしました")
    )
    actions.register_action(
        "tsunagari.certificate.revoke",
        _("失効"),
        _("失効させました（確認ページに「失効」と失効日を表示）"),
    )


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return CertificateViewSet()


@hooks.register("register_admin_viewset")
def register_certificate_export_viewset():
    return CertificateExportViewSet()


@hooks.register("register_admin_urls")
def register_certificate_admin_urls():
    return [
        path(
            "certificate-exports/<id:pk>/download/",
            export_download,
            name="certificate_export_download",
        ),
    ]
