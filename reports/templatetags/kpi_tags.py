from django import template

register = template.Library()


@register.filter
def percent(value):
    """0.4567 → "45.7%"; empty for unknown."""
    if value is None or value == "":
        return "—"
    return f"{value * 100:.1f}%"
