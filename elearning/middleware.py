"""Content-Security-Policy for the public site and the Wagtail admin."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, relaxed only under the Wagtail admin.

    The public site runs no inline script or style at all. The Wagtail admin (used by logged-in
    administrators) depends on inline styles and scripts, so its pages get the extra sources in
    ``CSP_ADMIN_UPDATE`` and nothing else.
    """

    admin_prefixes = ("/admin/", "/django-admin/")

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(self.admin_prefixes):
            update = dict(parts.update or {})
            for directive, sources in settings.CSP_ADMIN_UPDATE.items():
                update[directive] = [*update.get(directive, []), *sources]
            parts.update = update
        return parts
