"""Figures drawn for the project: an image with a text alternative, readable on a phone."""

import re
import xml.etree.ElementTree as ET

import pytest

from courses.figures import FIGURES, WIDTH, render_figure
from courses.seed_content.children import COURSE as CHILDREN_COURSE
from courses.seed_content.citizen import COURSE as CITIZEN_COURSE
from tsunagari.management.commands.seed_demo import Command as SeedDemo

KANJI = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF々〆]")


def drawings():
    for slug in FIGURES:
        for children in (False, True):
            yield slug, children


@pytest.mark.parametrize(("slug", "children"), list(drawings()))
def test_each_figure_is_an_image_with_a_full_text_alternative(slug, children):
    svg = ET.fromstring(str(render_figure(slug, children=children, element_id="f1")))  # noqa: S314
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "f1-title f1-desc"
    title, desc = svg.find("title"), svg.find("desc")
    assert title.get("id") == "f1-title" and title.text
    assert desc.get("id") == "f1-desc" and len(desc.text) > 40
    # Every label drawn is said in the text alternative too (the words, not the layout).
    for text in svg.iter("text"):
        if not text.text.isdigit():
            words = [w for w in re.split(r"[\s・、。（）「」？]+", text.text) if w]
            assert all(word in desc.text or word in title.text for word in words), text.text


@pytest.mark.parametrize(("slug", "children"), list(drawings()))
def test_each_figure_scales_to_the_phone_and_keeps_its_text_inside(slug, children):
    markup = str(render_figure(slug, children=children, element_id="f1"))
    svg = ET.fromstring(markup)  # noqa: S314 - our own markup
    _x, _y, width, height = (float(v) for v in svg.get("viewBox").split())
    assert width == WIDTH and svg.get("width") is None  # as wide as the page, no wider
    assert "http" not in markup and "href" not in markup  # nothing loaded
    for text in svg.iter("text"):
        size = float(text.get("font-size"))
        # At 360 px a 320-unit drawing is drawn at about 1:1: labels stay 13 px or larger.
        assert size >= 13
        # A full-width character is at most one em wide.
        half = len(text.text) * size / 2
        x, y = float(text.get("x")), float(text.get("y"))
        assert x - half >= 0 and x + half <= width, text.text
        assert size <= y <= height, text.text


@pytest.mark.parametrize("slug", list(FIGURES))
def test_the_childrens_figures_use_no_kanji(slug):
    markup = str(render_figure(slug, children=True, element_id="f1"))
    assert not KANJI.search(markup)


def test_an_unknown_figure_draws_nothing():
    assert render_figure("nope", children=False, element_id="x") == ""


@pytest.mark.django_db
def test_the_seeded_lessons_show_the_figures_with_the_words_of_their_audience(client):
    seed = SeedDemo()
    seed.created = []
    home = seed.install_home()
    for data, children in ((CITIZEN_COURSE, False), (CHILDREN_COURSE, True)):
        course = seed.install_course(home, data)
        shown = set()
        for lesson in course.get_lessons():
            html = client.get(lesson.url).content.decode()
            for slug, figure in FIGURES.items():
                wording = figure.children if children else figure.general
                if "<title id=" in html and wording.title in html:
                    shown.add(slug)
        assert shown == set(FIGURES), data["slug"]
