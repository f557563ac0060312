import pytest

from tests import factories


@pytest.mark.django_db
def test_the_interface_is_available_in_english_with_content_marked_japanese(client):
    course = factories.course(title="つながりサポーター養成講座", lessons=1)
    lesson = factories.lessons_of(course)[0]
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Skip to main content" in html and "Courses" in html and "My learning" in html
    assert '<h3 class="course-card__title" lang="ja">' in html
    lesson_html = client.get(lesson.url).content.decode()
    assert "Complete this lesson" in lesson_html
    assert '<article class="stream lesson-body" lang="ja">' in lesson_html
    client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
    assert "本文へ移動" in client.get("/").content.decode()
