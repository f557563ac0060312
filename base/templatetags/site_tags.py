"""Template tags of the site shell."""

from django import template
from django.template.defaulttags import CsrfTokenNode

from base.page_cache import is_visitor_request

register = template.Library()


@register.simple_tag(takes_context=True)
def form_csrf_token(context):
    """Django's ``{% csrf_token %}``, left out on pages rendered for a visitor.

    A visitor's page may be served from the page cache to anyone, so it cannot hold one
    browser's token; ``base.csrf`` checks those POSTs by their origin headers instead.
    Using the token would also set the CSRF cookie and make the page uncacheable.
    """
    request = context.get("request")
    if request is not None and is_visitor_request(request):
        return ""
    return CsrfTokenNode().render(context)
