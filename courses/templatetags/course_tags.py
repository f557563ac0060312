from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from courses.ruby import render_ruby, strip_ruby

register = template.Library()


@register.filter(name="ruby")
def ruby_filter(value):
    """Render 漢字《かんじ》 as <ruby> (safe for plain text and for rendered rich text)."""
    return render_ruby(value)


@register.filter(name="strip_ruby")
def strip_ruby_filter(value):
    """Drop the readings: 漢字《かんじ》 → 漢字."""
    return strip_ruby(value)


@register.filter
def percent(part, whole):
    """Integer percentage of ``part`` in ``whole`` (0 when whole is 0)."""
    try:
        return int(round(100 * part / whole)) if whole else 0
    except (TypeError, ValueError):
        return 0


_BODY_TEMPLATE = template.Template(
    "{% load wagtailcore_tags %}"
    "{% for block in page.body %}{% include_block block with block_id=block.id %}{% endfor %}"
)


@register.simple_tag(takes_context=True)
def lesson_body(context, page):
    """The lesson's blocks, rendered once per generation of the page cache.

    A body is the same for every learner except for three things: the consultation windows of
    their municipality (part of the key), the 個人ワーク answers they saved (such bodies are
    rendered every time) and the CSRF token (put in per request)."""
    from courses.windows import windows_for_request
    from elearning.page_cache import CSRF_PLACEHOLDER, is_visitor_request, page_tree_memo

    request = context.get("request")
    if request is None or context.get("saved_reflections"):
        return _BODY_TEMPLATE.render(context)
    visitor = is_visitor_request(request)
    municipality = windows_for_request(request)[2]
    key = ("lesson-body", page.pk, get_language(), visitor, getattr(municipality, "pk", None))
    with context.push(csrf_token=CSRF_PLACEHOLDER):
        html = page_tree_memo.get(key, lambda: _BODY_TEMPLATE.render(context))
    if not visitor:
        html = html.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token")))
    return mark_safe(html)  # noqa: S308 - rendered by our own templates above
