from django import template

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
