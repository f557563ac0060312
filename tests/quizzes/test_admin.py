import csv
import io
import random

import pytest
from django.contrib.auth.models import Group, Permission

from organizations.models import AdminScope, Learner
from quizzes import services
from quizzes.models import Choice, Question
from tests import factories


def choice_formset(choices, prefix="choices"):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(choices)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "2",
        f"{prefix}-MAX_NUM_FORMS": "8",
    }
    for i, (text, correct) in enumerate(choices):
        data[f"{prefix}-{i}-text"] = text
        data[f"{prefix}-{i}-ORDER"] = str(i + 1)
        if correct:
            data[f"{prefix}-{i}-is_correct"] = "on"
    return data


@pytest.fixture
def admin_client(client, db):
    client.force_login(factories.user(is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize(
    ("kind", "choices", "ok"),
    [
        ("single", [("a", True), ("b", False)], True),
        ("single", [("a", True), ("b", True)], False),
        ("single", [("a", False), ("b", False)], False),
        ("multiple", [("a", True), ("b", True), ("c", False)], True),
        ("multiple", [("a", False), ("b", False)], False),
        ("true_false", [("○", True), ("×", False)], True),
        ("true_false", [("○", True), ("×", False), ("？", False)], False),
    ],
)
def test_question_editor_checks_the_choices_fit_the_kind(admin_client, kind, choices, ok):
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, questions=[])
    data = {
        "quiz": quiz.pk,
        "kind": kind,
        "stem": '{"blocks": [{"key": "a", "type": "unstyled", "text": "問題", "depth": 0, '
        '"inlineStyleRanges": [], "entityRanges": []}], "entityMap": {}}',
        "sort_order": 0,
        "is_active": "on",
        **choice_formset(choices),
    }
    response = admin_client.post("/admin/snippets/quizzes/question/add/", data)
    assert Question.objects.filter(quiz=quiz).exists() is ok
    if not ok:
        assert response.status_code == 200


@pytest.mark.django_db
def test_item_analysis_equals_an_independent_count_and_exports(client):
    rng = random.Random(7)
    course = factories.course(lessons=1)
    quiz = factories.quiz(
        course,
        questions=[
            ("single", [("a", True), ("b", False), ("c", False)]),
            ("multiple", [("x", True), ("y", True), ("z", False)]),
        ],
        pass_mark=100,
    )
    osaka = factories.municipality("271004", "大阪市")
    sakai = factories.municipality("271403", "堺市")
    expected = {"attempts": 0, "passed": 0}
    per_question = {}
    wrong_counts = {}
    for i in range(30):
        learner = Learner.objects.create(municipality=osaka if i % 3 else sakai)
        attempt = services.attempt_start(learner=learner, quiz=quiz)
        selections = {}
        all_right = True
        for answer in attempt.answers.select_related("question"):
            choices = list(answer.question.choices.all())
            picked = rng.sample(choices, 1 if answer.question.kind == "single" else 2)
            selections[answer.question_id] = [c.pk for c in picked]
            right = {c.pk for c in picked} == {c.pk for c in choices if c.is_correct}
            all_right &= right
            if learner.municipality == osaka:
                stats = per_question.setdefault(answer.question_id, [0, 0])
                stats[0] += 1
                stats[1] += right
                for c in picked:
                    if not c.is_correct:
                        key = (answer.question_id, c.text)
                        wrong_counts[key] = wrong_counts.get(key, 0) + 1
        services.attempt_submit(
            learner=learner, attempt_id=attempt.public_id, selections=selections
        )
        if learner.municipality == osaka:
            expected["attempts"] += 1
            expected["passed"] += all_right

    # An administrator of 大阪市 sees 大阪市's attempts only.
    user = factories.user()
    group = Group.objects.create(name="a")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    AdminScope.objects.create(user=user, level="municipality", municipality=osaka)
    client.force_login(user)
    url = f"/admin/reports/quiz/{quiz.pk}/"
    html = client.get(url).content.decode()
    assert f"<dd>{expected['attempts']}</dd>" in html
    assert f"<dd>{expected['passed']}</dd>" in html

    response = client.get(url + "?export=csv")
    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # Excel in Japan reads UTF-8 only with a BOM
    content = raw.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 2
    for row, question in zip(
        rows, Question.objects.filter(quiz=quiz).order_by("sort_order"), strict=True
    ):
        answered, correct = per_question[question.pk]
        assert int(row["回答数"]) == answered
        assert int(row["正解数"]) == correct
        wrong = {text: n for (qid, text), n in wrong_counts.items() if qid == question.pk}
        if wrong:
            assert int(row["その選択数"]) == max(wrong.values())
            assert wrong[row["最も多く選ばれた誤答"]] == max(wrong.values())
    assert client.get(url + "?export=xlsx").status_code == 200


@pytest.mark.django_db
def test_item_analysis_is_refused_to_users_without_a_scope(client):
    course = factories.course(lessons=1)
    quiz = factories.quiz(course)
    user = factories.user()
    group = Group.objects.create(name="editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    client.force_login(user)
    assert client.get(f"/admin/reports/quiz/{quiz.pk}/").status_code in (302, 403)
    assert client.get("/admin/reports/quizzes/").status_code in (302, 403)
    assert Choice.objects.exists()
