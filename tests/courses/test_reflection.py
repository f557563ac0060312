import pytest

from courses.models import ReflectionNote
from tests import factories


@pytest.fixture
def reflection_lesson(db):
    course = factories.course(
        lessons=1,
        bodies=[[("reflection", {"question": "困ったとき、だれに話しますか。", "hint": ""})]],
    )
    lesson = factories.lessons_of(course)[0]
    block_id = lesson.body[0].id
    return lesson, block_id


def test_reflection_answer_is_not_part_of_completing_a_lesson(client, reflection_lesson):
    lesson, _block_id = reflection_lesson
    html = client.get(lesson.url).content.decode()
    # The answer box is its own form; the lesson's completion form carries no text.
    complete_form = html.split('name="action" value="complete"')[0].rsplit("<form", 1)[1]
    assert "textarea" not in complete_form
    client.post(lesson.url, {"action": "complete", "opened": "", "text": "ひみつ"})
    assert not ReflectionNote.objects.exists()


def test_learner_can_choose_to_save_and_then_delete_an_answer(client, reflection_lesson):
    lesson, block_id = reflection_lesson
    url = f"/my/reflections/{lesson.pk}/"
    response = client.post(url, {"block_id": block_id, "text": "姉に話す"})
    assert response.status_code == 302
    assert ReflectionNote.objects.get().text == "姉に話す"
    assert "姉に話す" in client.get(lesson.url).content.decode()
    assert "姉に話す" in client.get("/my/").content.decode()
    client.post(url, {"block_id": block_id, "text": ""})
    assert not ReflectionNote.objects.exists()


def test_saving_to_an_unknown_block_is_refused(client, reflection_lesson):
    lesson, _block_id = reflection_lesson
    response = client.post(f"/my/reflections/{lesson.pk}/", {"block_id": "nope", "text": "x"})
    assert response.status_code == 400
    assert not ReflectionNote.objects.exists()
    assert client.get("/my/reflections/999999/").status_code == 405


def test_an_answer_longer_than_the_box_is_refused_not_cut(client, reflection_lesson):
    lesson, block_id = reflection_lesson
    url = f"/my/reflections/{lesson.pk}/"
    response = client.post(url, {"block_id": block_id, "text": "あ" * 5000})
    assert response.status_code == 400
    assert "4,000 文字以内で書いてください（いま 5,000 文字です）。" in response.content.decode()
    assert not ReflectionNote.objects.exists()
    # A box filled to its 4,000 characters with line breaks (sent as CR LF) is kept whole.
    text = "あ\r\n" * 2000
    assert client.post(url, {"block_id": block_id, "text": text}).status_code == 302
    assert ReflectionNote.objects.get().text == ("あ\n" * 2000).strip()
