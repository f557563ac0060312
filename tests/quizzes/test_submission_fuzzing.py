"""Any quiz submission a browser (or an attacker) can send gets a page or a clear 400 — never a
500 — and an invalid one writes nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import Completion
from quizzes.models import Attempt, SelectedChoice
from tests import factories

from .test_quiz_flow import answers_for, finish_lessons, open_attempt

value = st.one_of(
    st.text(max_size=10),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.sampled_from(["", "0", "1", "-1", "9" * 30, "１", "1.5", "null", "[]"]),
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.data(),
    extra=st.dictionaries(
        st.text(min_size=1, max_size=8).map(lambda k: f"q-{k}"),
        st.lists(value, max_size=3),
        max_size=3,
    ),
    attempt_field=st.one_of(st.none(), value),
)
def test_any_submission_answers_without_a_server_error(client, data, extra, attempt_field):
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, pass_mark=100)
    finish_lessons(client, course)
    attempt = open_attempt(client, quiz)
    form = answers_for(attempt, right=data.draw(st.booleans()))
    for key in list(form):
        if key.startswith("q-") and data.draw(st.booleans()):
            form[key] = data.draw(st.lists(value, max_size=3))
    form.update(extra)
    if attempt_field is not None:
        form["attempt"] = attempt_field
    response = client.post(quiz.url, form)
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 400:
        attempt.refresh_from_db()
        assert attempt.submitted_at is None
        assert not SelectedChoice.objects.filter(answer__attempt=attempt).exists()
        assert not Completion.objects.filter(course=course).exists()
    Attempt.objects.filter(quiz=quiz).delete()
