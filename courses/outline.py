"""Steps of a course that other apps add after its lessons (the quiz, for example).

Apps register a function with the ``course_outline_items`` Wagtail hook; it receives the request
and the course and returns ``OutlineItem``s. The course page lists them after the lessons, and a
learner who finishes the last lesson is sent to the first step not yet done.
"""

from dataclasses import dataclass

from wagtail import hooks


@dataclass(frozen=True)
class OutlineItem:
    title: str
    url: str
    status: str  # shown to the learner, e.g. 「合格」「未受験」
    done: bool
    action_label: str
    required: bool = True
    description: str = ""


def outline_items(request, course) -> list[OutlineItem]:
    """Every registered app's steps for ``course``, in hook order."""
    items = []
    for hook in hooks.get_hooks("course_outline_items"):
        items.extend(hook(request, course))
    return items
