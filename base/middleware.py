"""Content-Security-Policy for the public site and the Wagtail admin."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404

from .converters import parse_object_id


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


def _is_id_parameter(name: str) -> bool:
    return name == "pk" or name == "id" or name.endswith("_id")


class MalformedIdMiddleware:
    """A path whose id is no id (``/chosen/abc/``, ``/chosen/日本語/``) is a 404, not a 500.

    Our routes take ids through the ``<id:…>`` converter; some of Wagtail's (the image,
    document and snippet choosers) take any text as the key and hand it to the database,
    which raises ``ValueError``. Only that case is turned into 404: the exception must be a
    conversion error and the URL must carry an id parameter that is not a database id.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ValueError | ValidationError | OverflowError):
            return None
        match = getattr(request, "resolver_match", None)
        if match is None:
            return None
        malformed = any(
            _is_id_parameter(name) and parse_object_id(value) is None
            for name, value in match.kwargs.items()
        )
        if malformed:
            raise Http404
        return None
