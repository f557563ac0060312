from django import template

register = template.Library()


@register.simple_tag
def selected_for(selections, question_id):
    """The choice ids a learner had ticked for a question (kept when the form is shown again)."""
    return selections.get(question_id, []) if selections else []
