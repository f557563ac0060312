"""The seeded courses teach what to do in a crisis, as a learner reads it on the lesson page."""

import re

import pytest
from django.core.management import call_command

from courses.models import LessonPage


def page_text(client, slug: str, course_slug: str) -> str:
    lesson = LessonPage.objects.get(slug=slug, url_path__contains=f"/{course_slug}/")
    response = client.get(lesson.url)
    assert response.status_code == 200, (slug, response.status_code)
    html = response.content.decode()
    main = html.split("<main", 1)[1].split('class="site-footer"', 1)[0]
    # Ruby readings would split the words a learner reads as one: drop them for the checks.
    main = re.sub(r"<rp>.*?</rp>|<rt>.*?</rt>", "", main)
    return re.sub(r"<[^>]+>", "", main)


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)


def test_citizen_lessons_teach_crisis_response_as_the_learner_reads_them(client, seeded):
    course = "tsunagari-supporter"
    first = page_text(client, "kodoku-to-koritsu", course)
    assert "書かなくてもかまいません" in first and "0120-279-338" in first
    assert "ひとり暮らしというだけで、孤立していると決めつけることはできない" in first
    assert "孤独でも孤立でもありません" not in first

    law = page_text(client, "houritsu-to-kihonrinen", course)
    assert "第9条" in law and "普及・啓発" in law
    assert "「支える人材を育てる」" not in law
    assert "当事者等" not in law

    notice = page_text(client, "kizuku-koe-wo-kakeru", course)
    assert "ゲートキーパー" in notice and "どれか1つができるだけでも" in notice
    assert "呼び鈴に返事がないときは" in notice
    for who in ("地域包括支援センター", "民生委員", "110番"):
        assert who in notice.split("呼び鈴に返事がないときは", 1)[1]
    assert "詮索" not in notice

    listen = page_text(client, "kiku-tsunagu-mimamoru", course)
    crisis = listen.split("「死にたい」と打ち明けられたら", 1)[1]
    for step in ("はっきり尋ねる", "ひとりにしない", "精神保健福祉センター", "119番"):
        assert step in crisis
    assert "「もう死んでしまいたい」と話したLさん" in crisis
    assert "本当に死のうと考えているの？" in crisis

    where = page_text(client, "soudansaki", course)
    assert "年末年始" in where and "18歳以下の人の相談" in where
    assert "よりそいホットライン" in where and "24時間" in where
    assert "0120-0-78310" in where and "児童相談所虐待対応ダイヤル" in where

    places = page_text(client, "ibasho-to-tsunagari", course)
    assert "2021年（令和3年）10月" in places
    assert "都道府県や市区町村（地方公共団体）" in places

    for text in (first, law, notice, listen, where, places):
        assert "子ども" not in text


def test_childrens_reflections_and_lines_point_to_the_childrens_phone_lines(client, seeded):
    course = "kodomo"
    texts = {
        lesson.slug: page_text(client, lesson.slug, course)
        for lesson in LessonPage.objects.filter(url_path__contains=f"/{course}/")
    }
    assert texts, "the children's course has lessons"
    joined = " ".join(texts.values())
    assert "書かなくてもだいじょうぶです" in joined
    assert "0120-0-78310" in joined and "0120-99-7777" in joined
    assert "「死にたい」と言われたら" in joined and "一人にしない" in joined
    assert "189" in joined
    assert "子ども" not in joined


def test_staff_module_teaches_duties_to_report_and_comprehensive_support(client, seeded):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="staff01"))
    course = "staff-training"
    law = page_text(client, "houritsu-to-sekimu", course)
    assert "第9条の普及・啓発" in law
    privacy = page_text(client, "kojin-jouhou", course)
    assert "児童虐待防止法第6条" in privacy and "高齢者虐待防止法第7条" in privacy
    assert "妨げるものと解釈してはならない" in privacy
    assert "本人が同意したとき" in privacy and "明らかに本人の利益になるとき" in privacy
    cooperation = page_text(client, "renkei-to-chiiki-zukuri", course)
    assert "重層的支援体制整備事業" in cooperation and "アウトリーチ" in cooperation
    assert "包括的な支援体制" in cooperation
    assert "孤独・孤立対策特命委員会の提言" in cooperation
