from django import template
from django.template.base import token_kwargs

from courses import wording
from courses.figures import FIGURES, render_figure
from courses.ruby import render_ruby, strip_ruby

register = template.Library()


class WordingNode(template.Node):
    def __init__(self, key, params, nodelist):
        self.key, self.params, self.nodelist = key, params, nodelist

    def render(self, context):
        key = self.key.resolve(context)
        if key in wording.CHILDREN and wording.is_children(wording.audience_of_context(context)):
            params = {name: value.resolve(context) for name, value in self.params.items()}
            return wording.children_html(key, **params)
        return self.nodelist.render(context)


@register.tag(name="wording")
def wording_tag(parser, token):
    """``{% wording "key" name=value %}general wording{% endwording %}``: in a children's
    course the children's entry ``key`` of ``courses.wording`` is printed instead (with ruby,
    ``{name}`` filled in); elsewhere the general wording between the tags, as written."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("wording needs a key")
    key = parser.compile_filter(bits[1])
    params = token_kwargs(bits[2:], parser)
    if len(params) != len(bits) - 2:
        raise template.TemplateSyntaxError("wording takes name=value parameters only")
    nodelist = parser.parse(("endwording",))
    parser.delete_first_token()
    return WordingNode(key, params, nodelist)


@register.simple_tag(takes_context=True)
def children_wording(context) -> bool:
    """Whether the page is worded for children (``{% children_wording as for_children %}``)."""
    return wording.is_children(wording.audience_of_context(context))


@register.simple_tag(takes_context=True)
def word_form(context, form) -> str:
    """In a children's course, label the form's fields (and their help) with the children's
    entries ``field_<name>_label`` / ``field_<name>_help``; elsewhere leave them. Prints
    nothing."""
    if not wording.is_children(wording.audience_of_context(context)):
        return ""
    for bound in form:
        label_key, help_key = f"field_{bound.name}_label", f"field_{bound.name}_help"
        if label_key in wording.CHILDREN:
            bound.label = wording.children_html(label_key)
        if help_key in wording.CHILDREN:
            bound.help_text = wording.children_html(help_key)
    return ""


@register.simple_tag(takes_context=True)
def audience_title(context, value):
    """A title as this page's reader reads it: with ruby for children, plain otherwise (for
    breadcrumbs, which show plain titles to adults)."""
    return wording.title_for(wording.audience_of_context(context), value)


@register.filter(name="ruby")
def ruby_filter(value):
    """Render 漢字《かんじ》 as <ruby> (safe for plain text and for rendered rich text)."""
    return render_ruby(value)


@register.filter(name="strip_ruby")
def strip_ruby_filter(value):
    """Drop the readings: 漢字《かんじ》 → 漢字."""
    return strip_ruby(value)


@register.simple_tag
def figure_svg(slug, for_children, block_id):
    """A figure of courses/figures.py as inline SVG, in the children's words when asked."""
    return render_figure(slug, children=bool(for_children), element_id=f"figure-{block_id}")


@register.simple_tag
def figure_title(slug, for_children):
    """The title of a figure, for its caption."""
    figure = FIGURES.get(slug)
    if figure is None:
        return ""
    return (figure.children if for_children else figure.general).title


@register.filter
def percent(part, whole):
    """Integer percentage of ``part`` in ``whole`` (0 when whole is 0)."""
    try:
        return int(round(100 * part / whole)) if whole else 0
    except (TypeError, ValueError):
        return 0
