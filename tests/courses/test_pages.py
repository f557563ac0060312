import re

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from tests import factories


@pytest.fixture
def every_block_body(db):
    image = Image.objects.create(title="つながり", file=get_test_image_file())
    video = Document.objects.create(
        title="講座動画", file=ContentFile(b"\x00" * 64, name="intro.mp4")
    )
    captions = Document.objects.create(
        title="字幕", file=ContentFile(b"WEBVTT\n\n", name="intro.vtt")
    )
    handout = Document.objects.create(
        title="配布資料", file=ContentFile(b"%PDF-1.4\n", name="handout.pdf")
    )
    return [
        ("heading", {"text": "孤独と孤立の違い", "level": "h2"}),
        ("paragraph", "<p>ひとりでいること自体は<b>問題ではありません</b>。</p>"),
        (
            "image",
            {
                "image": image,
                "alt_text": "手をつなぐ二人",
                "decorative": False,
                "caption": "つながりのイメージ",
            },
        ),
        (
            "video",
            {
                "title": "講座の紹介",
                "video_file": video,
                "embed": None,
                "captions": captions,
                "transcript": "<p>こんにちは。文字起こしです。</p>",
            },
        ),
        ("point", {"title": "ポイント", "text": "<p>解決しなくて大丈夫。</p>"}),
        (
            "case_study",
            {
                "title": "となりの高齢の方",
                "situation": "<p>新聞がたまっている。</p>",
                "response": "<p>あいさつをしてみた。</p>",
            },
        ),
        (
            "reflection",
            {"question": "身近な人が困っていたら、どうしますか。", "hint": "小さなことで大丈夫"},
        ),
        ("consultation_windows", {"heading": "相談できる窓口", "intro": ""}),
        ("document", {"document": handout, "title": "講座の資料", "description": "印刷用"}),
    ]


@pytest.mark.django_db
def test_home_lists_the_published_courses(client):
    factories.course(title="つながりサポーター養成講座")
    factories.course(title="こども向け つながりサポーター講座", audience="children")
    factories.course(title="職員向け 孤独・孤立対策研修", audience="staff")
    html = client.get("/").content.decode()
    for title in (
        "つながりサポーター養成講座",
        "こども向け つながりサポーター講座",
        "職員向け 孤独・孤立対策研修",
    ):
        assert title in html
    assert "3 レッスン" in html


@pytest.mark.django_db
def test_lesson_renders_every_block_type(client, every_block_body):
    osaka = factories.municipality()
    factories.window("孤独・孤立相談ダイヤル", phone="#9999")
    factories.window("地域包括支援センター", municipality=osaka, topics="高齢者の介護")
    course = factories.course(lessons=1, bodies=[every_block_body])
    lesson = factories.lessons_of(course)[0]
    response = client.get(lesson.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 class="block-heading">孤独と孤立の違い</h2>' in html
    assert "<b>問題ではありません</b>" in html
    assert 'alt="手をつなぐ二人"' in html
    assert "<video" in html and '<track kind="captions"' in html and "文字起こしです" in html
    assert "解決しなくて大丈夫" in html
    assert "新聞がたまっている" in html and "あいさつをしてみた" in html
    assert "身近な人が困っていたら" in html and "<textarea" in html
    assert "孤独・孤立相談ダイヤル" in html
    # The learner has not chosen a municipality: local windows are not guessed.
    assert "地域包括支援センター" not in html.split('class="site-footer"')[0]
    assert "講座の資料" in html and "PDF" in html


@pytest.mark.django_db
def test_lesson_shows_its_position_navigation_and_table_of_contents(client):
    course = factories.course(lessons=3)
    first, second, third = factories.lessons_of(course)
    html = client.get(second.url).content.decode()
    assert "レッスン 2 / 3" in html
    assert f'href="{first.url}" rel="prev"' in html
    assert f'href="{third.url}" rel="next"' in html
    assert html.count('class="lesson-toc__item') == 3
    assert "<progress" in html


@pytest.mark.django_db
def test_children_course_renders_furigana_as_ruby(client):
    course = factories.course(
        title="こども向け講座《こうざ》",
        audience="children",
        lessons=1,
        bodies=[
            [
                (
                    "paragraph",
                    "<p>孤独《こどく》はだれにでもあります。｜一人《ひとり》で悩まない。</p>",
                )
            ]
        ],
    )
    lesson = factories.lessons_of(course)[0]
    html = client.get(lesson.url).content.decode()
    assert "<ruby>孤独<rp>（</rp><rt>こどく</rt><rp>）</rp></ruby>" in html
    assert "<ruby>一人<rp>（</rp><rt>ひとり</rt><rp>）</rp></ruby>" in html
    assert "《" not in re.sub(r"<title>.*?</title>", "", html, flags=re.S)
    # The window title carries the plain text, without readings.
    assert "<title>レッスン1 |" in html
    course_html = client.get(course.url).content.decode()
    assert "<title>こども向け講座 |" in course_html


@pytest.mark.django_db
def test_every_page_shows_the_national_help_and_it_can_be_switched_off(client):
    from website.models import SiteHelpSettings

    factories.course()
    html = client.get("/").content.decode()
    assert "#9999" in html and "0120-494949" in html
    assert "https://www.notalone-cao.go.jp/under18/" in html
    from wagtail.models import Site

    settings_obj = SiteHelpSettings.for_site(Site.objects.get(is_default_site=True))
    settings_obj.show_dial = False
    settings_obj.save()
    html = client.get("/").content.decode()
    assert "#9999" not in html
    assert "https://www.notalone-cao.go.jp/" in html


@pytest.mark.django_db
def test_pages_have_one_h1_landmarks_and_a_skip_link(client):
    course = factories.course(lessons=1)
    lesson = factories.lessons_of(course)[0]
    for url in ("/", course.url, lesson.url, "/my/", "/my/profile/", "/accounts/login/"):
        html = client.get(url).content.decode()
        assert html.count("<h1") == 1, url
        assert '<main id="main"' in html and "<header" in html and "<footer" in html, url
        assert 'href="#main"' in html, url
        assert '<html lang="ja">' in html, url


@pytest.mark.django_db
def test_public_pages_load_nothing_from_other_hosts(client):
    course = factories.course(lessons=1)
    lesson = factories.lessons_of(course)[0]
    response = client.get(lesson.url)
    html = response.content.decode()
    for match in re.findall(r'(?:src|href)="([^"]+)"', html):
        if match.startswith(("http://", "https://", "//")):
            # Only links a person clicks (the national portal) may point elsewhere.
            assert not re.search(r"(?:<script|<link|<img)[^>]+" + re.escape(match), html)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.django_db
def test_the_start_note_says_the_right_thing_to_each_visitor(client, django_user_model):
    citizen_course = factories.course(audience="citizen", lessons=1)
    staff_course = factories.course(audience="staff", lessons=1)
    # A first-time visitor of a citizen course needs no account.
    assert "アカウントは不要です" in client.get(citizen_course.url).content.decode()
    # A visitor of a staff course is asked to log in first, and the link brings them back.
    staff_page = client.get(staff_course.url).content.decode()
    assert "アカウントは不要です" not in staff_page
    assert f'href="/accounts/login/?next={staff_course.url}"' in staff_page
    # Signed in (staff or a citizen with an account): progress goes with the account.
    client.force_login(django_user_model.objects.create_user("staff-1", password="pw-12345678"))
    for course in (citizen_course, staff_course):
        page = client.get(course.url).content.decode()
        assert "アカウントは不要です" not in page
        assert "あなたのアカウントに記録されます" in page
