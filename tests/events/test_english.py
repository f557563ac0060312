"""The in-person course pages in English (README, "Languages"): the finder, a course's page,
the attendee's sign-up page, check-in and the supporter card, and the organiser's 当日の受付・
実施報告 screens. What the English reader sees is English: the only Japanese left is the data
(course title, which the page marks ``lang="ja"``, place and organisation names).

And the catalogue: every string the events templates and code pass through gettext has an
English translation in the compiled catalogue, so a string added without one fails here.
"""

import ast
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from wagtail.users.models import UserProfile

from base.glyphs import GOTHIC
from certificates.pdf import register_fonts
from events import checkin_codes, services
from events.checkin_admin import poster_pdf
from events.models import CheckIn
from organizations.models import Municipality, Prefecture
from tests import factories

from .test_checkin import check_in, open_now, url

POSTER_LINES = [
    "1. スマートフォンのカメラで QR コードを読み取ってください。",
    "2. 会場の画面に出ている 4 けたの番号（または主催者が読み上げる番号）を",
    "    入力してください。番号は 1 分ごとに変わります。",
    "3. 受講者区分を選んで「受付する」を押すと、受付は完了です。",
    "    そのままサポーターカードを受け取れます。アカウントは要りません。",
    "名前は聞きません。受付は講座の開始 30 分前から終了 30 分後までです。",
]
# Kana and kanji; not the punctuation a Japanese font shares (・ U+30FB, 〜, full-width brackets).
JAPANESE = re.compile(
    r"[\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff々]+"
)
EVENTS_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "events"
EVENTS_CODE = Path(settings.BASE_DIR) / "events"
PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def organiser(areas, admin_osaka, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"], organisation="受付の会")


@pytest.fixture
def english(client):
    """A visitor who chose English in the footer (the language cookie) and whose browser asks
    for English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def data_names(*plans, titles=False) -> list[str]:
    """The Japanese that is data, not wording: area, venue, organiser and instructor names (and
    with ``titles``, the course's title, for the admin's header, which shows it unmarked)."""
    names = list(Prefecture.objects.values_list("name", flat=True))
    for municipality in Municipality.objects.select_related("prefecture"):
        names += [municipality.full_name, municipality.name]
    for plan in plans:
        names += [
            plan.venue_name,
            plan.venue_address,
            plan.instructor_name,
            plan.organiser.organisation_name,
            plan.organiser.name,
        ]
        if titles:
            names.append(plan.course.plain_title)
    # Longest first, so that 大阪府大阪市 goes before 大阪市.
    return sorted({name for name in names if name}, key=len, reverse=True)


def visible_text(html: str, *, within: str = "main") -> str:
    """The text a reader sees in ``within``, without what is marked as Japanese (``lang="ja"``:
    the course's own title) and without scripts."""
    soup = BeautifulSoup(html, "html.parser")
    root = soup.select_one(within) or soup
    for node in root.select('script, style, template, [lang="ja"]'):
        node.decompose()
    return " ".join(root.get_text(" ").split())


def japanese_left(html: str, plans, *, within: str = "main", titles=False) -> list[str]:
    """The runs of kana or kanji left in the visible text once the data names are taken out."""
    text = visible_text(html, within=within)
    for name in data_names(*plans, titles=titles):
        text = text.replace(name, " ")
    return JAPANESE.findall(text)


def assert_english(response, plans, *expected, within="main", titles=False):
    assert response.status_code == 200, response.content.decode()[:2000]
    html = response.content.decode()
    assert BeautifulSoup(html, "html.parser").html["lang"] == "en"
    text = visible_text(html, within=within)
    for phrase in expected:
        assert phrase in text, f"{phrase!r} not in {text!r}"
    assert japanese_left(html, plans, within=within, titles=titles) == []
    return text


def test_the_finder_and_a_courses_page_are_in_english(english, organiser, make_plan):
    plan = make_plan(organiser)
    finder = english.get(reverse("course-finder"))
    text = assert_english(
        finder,
        [plan],
        "Find a course near you",
        "1 course",
        f"Organised by {organiser.organisation_name}",
        "Search",
        "For organisations that want to run courses",
    )
    # The site's header links to the finder in English too.
    assert "Courses near you" in visible_text(finder.content.decode(), within="header")
    # The date is written the English way ("Mon 7 Dec"), not 12月7日（月）.
    with translation.override("en"):
        assert plan.held_on.strftime("%a %-d %b") in text

    page = english.get(plan.get_absolute_url())
    assert_english(
        page,
        [plan],
        "← Find a course",
        "Date and time",
        "In person",
        "Organised by",
        "20 people",
        "20 places left",
        "Sign up",
        "Add to calendar (.ics file)",
    )
    # The course's title is there, marked as Japanese for screen readers.
    soup = BeautifulSoup(page.content.decode(), "html.parser")
    assert soup.find("h1", lang="ja").get_text() == plan.course.plain_title


def test_the_finder_with_no_match_and_its_filters_are_in_english(english, areas):
    response = english.get(reverse("course-finder"), {"municipality": areas["kyoto"].pk})
    assert_english(response, [], "0 courses", "There are no upcoming courses", "Clear filters")


def test_signing_up_and_the_attendees_own_page_are_in_english(english, organiser, make_plan):
    plan = make_plan(organiser, capacity=1)
    form = english.get(reverse("course-event-signup", args=[plan.pk]))
    assert_english(form, [plan], "Course sign-up", "Nickname", "We only ask for a nickname")
    response = english.post(reverse("course-event-signup", args=[plan.pk]), {"nickname": ""})
    assert_english(response, [plan], "Enter a nickname.")

    booked = services.course_signup_create(course=plan, nickname="sakura")
    assert_english(
        english.get(booked.get_absolute_url()),
        [plan],
        "Your sign-up",
        "sakura, your sign-up has been received (booked).",
        "Cancel my sign-up",
    )
    waiting = services.course_signup_create(course=plan, nickname="momo")
    page = assert_english(
        english.get(waiting.get_absolute_url()),
        [plan],
        "momo, you are number 1 on the waiting list.",
        "Full: you can join the waiting list",
    )
    assert "momo" in page

    cancelled = english.post(booked.get_absolute_url())
    assert cancelled.status_code == 302
    assert_english(
        english.get(booked.get_absolute_url()), [plan], "This sign-up has been cancelled."
    )


def test_the_sign_up_email_of_an_english_visitor_is_in_english(
    english, organiser, make_plan, mailoutbox, django_capture_on_commit_callbacks
):
    plan = make_plan(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(
            reverse("course-event-signup", args=[plan.pk]),
            {"nickname": "sakura", "wants_reminder": "on", "email": "sakura@example.jp"},
        )
    assert response.status_code == 302
    [message] = mailoutbox
    assert message.subject.endswith(f"Sign-up received: {plan.course.plain_title}")
    assert "Dear sakura," in message.body
    assert "Your sign-up for the following course has been received." in message.body
    with translation.override("en"):
        assert f"Date and time: {plan.held_on:%a %-d %B %Y}" in message.body
    # The site's name is a setting, the same in every language (as in the other mails).
    text = f"{message.subject}\n{message.body}".replace(settings.WAGTAIL_SITE_NAME, " ")
    for name in data_names(plan, titles=True):
        text = text.replace(name, " ")
    assert JAPANESE.findall(text) == []


@pytest.mark.parametrize("audience", ["citizen", "children"])
def test_check_in_and_the_supporter_card_are_in_english(english, organiser, make_plan, audience):
    """In a children's course the check-in pages speak to children in Japanese; in English they
    fall back to the general wording, which is plain enough for both."""
    plan = make_plan(organiser, course=factories.course(audience=audience, lessons=1))
    plan = open_now(plan)

    asking = english.get(url(plan))
    assert_english(asking, [plan], "Check-in", "Enter the 4-digit number", "Next")
    right = checkin_codes.current_code(plan.pk)
    wrong = english.get(url(plan, f"{(int(right) + 5000) % 10000:04d}"))
    assert wrong.status_code == 400
    assert "The number is wrong" in visible_text(wrong.content.decode())

    form = english.get(url(plan, checkin_codes.current_code(plan.pk)))
    assert_english(
        form,
        [plan],
        "Check in to this course",
        "Learner category",
        "General public",
        "Age group (optional)",
        "Prefer not to say",
        "We do not ask your name.",
        "Check in",
    )
    refused = english.post(url(plan), {"pass_token": "forged"})
    assert refused.status_code in (400, 403)

    done = check_in(english, plan)
    assert done.status_code == 302
    card_form = english.get(done["Location"])
    assert_english(
        card_form,
        [plan],
        "You are checked in",
        "Welcome! You have been counted",
        "Get your supporter card",
        "Name to print on the card (optional)",
    )
    taken = english.post(done["Location"], {"name": ""})
    assert taken.status_code == 302
    card = english.get(done["Location"])
    assert_english(
        card,
        [plan],
        "Your supporter card is ready.",
        "Supporter card (card size, two on an A4 sheet)",
        "Certificate number",
        "This page only opens in the browser you checked in with.",
    )
    assert CheckIn.objects.filter(course=plan).count() == 1


def test_check_in_outside_its_window_says_when_in_english(english, organiser, make_plan):
    plan = make_plan(organiser)
    response = english.get(url(plan))
    assert response.status_code == 403
    text = visible_text(response.content.decode())
    assert "Check-in has not started yet." in text
    with translation.override("en"):
        assert plan.held_on.strftime(f"%-d {plan.held_on:%B}") in text
    assert japanese_left(response.content.decode(), [plan]) == []


@pytest.fixture
def english_organiser(organiser):
    """The organiser, who chose English in their account's preferences."""
    profile = UserProfile.get_for_user(organiser.user)
    profile.preferred_language = "en"
    profile.save()
    return organiser


@pytest.fixture
def held(english_organiser, make_plan):
    """A course held yesterday with two phone check-ins."""
    plan = make_plan(english_organiser, days=-1)
    for n, kind in enumerate(["general", "school"]):
        CheckIn.objects.create(course=plan, attendee_type=kind, browser=f"b{n}")
    return plan


def test_the_organisers_check_in_and_report_screens_are_in_english(client, held, english_organiser):
    client.force_login(english_organiser.user)
    attendance = client.get(reverse("plannedcourse:attendance", args=[held.pk]))
    assert_english(
        attendance,
        [held],
        "Check-in and course report",
        "Attendees: 2",
        "Checked in by phone",
        "Checked in on paper",
        "Save the numbers",
        "Supporter cards for paper check-ins",
        "Write the course report",
        within="#main",
        titles=True,
    )
    report = client.get(reverse("plannedcourse:report", args=[held.pk]))
    assert_english(
        report,
        [held],
        "Number of attendees (by category)",
        "By age group and gender (optional)",
        "Submit",
        "Back",
        within="#main",
        titles=True,
    )


def test_the_organisers_check_in_slide_is_in_english(client, english_organiser, make_plan):
    plan = open_now(make_plan(english_organiser))
    client.force_login(english_organiser.user)
    slide = client.get(reverse("plannedcourse:checkin", args=[plan.pk]))
    assert_english(
        slide,
        [plan],
        "Check-in number",
        "Scan the QR code, or enter this number on the check-in page.",
        "Checked in: 0 (capacity: 20)",
        "Poster to put up (A4, PDF)",
        within="body",
        titles=True,
    )


def test_the_english_poster_fits_its_lines_on_the_page(english_organiser, make_plan):
    """The poster draws each line as it is (no wrapping): in English every line still fits on
    the A4 sheet, and the PDF is made."""
    plan = make_plan(english_organiser)
    register_fonts()
    with translation.override("en"):
        lines = [translation.gettext(line) for line in POSTER_LINES]
        assert all(not JAPANESE.search(line) for line in lines)
        assert poster_pdf(plan).startswith(b"%PDF")
    for line in lines[:-1]:  # the steps, from the left margin at 13 pt
        assert stringWidth(line, GOTHIC, 13) <= A4[0] - 35 * mm, line
    assert stringWidth(lines[-1], GOTHIC, 11) <= A4[0] - 20 * mm, lines[-1]  # centred, 11 pt


# --- the catalogue -----------------------------------------------------------------------------

GETTEXT_CALL = re.compile(
    r"\b(gettext|pgettext|ngettext|npgettext)\(((?:u'(?:[^'\\]|\\.)*'(?:, )?)+)"
)
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext"}


def template_messages():
    """(context, msgid, plural) of every {% translate %} and {% blocktranslate %} in the events
    templates, as makemessages reads them."""
    for path in sorted(EVENTS_TEMPLATES.rglob("*")):
        if not path.is_file():
            continue
        for function, arguments in GETTEXT_CALL.findall(templatize(path.read_text())):
            strings = ast.literal_eval(f"({arguments.rstrip(', ')},)")
            context = strings[0] if function.startswith("np") or function == "pgettext" else None
            rest = strings[1:] if context is not None else strings
            yield path.relative_to(settings.BASE_DIR), context, rest[0], rest[1:2]


def code_messages():
    """(context, msgid, plural) of every literal passed to gettext in events/ Python code."""
    for path in sorted(EVENTS_CODE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in GETTEXT_NAMES or not node.args:
                continue
            strings = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if not strings or not all(isinstance(s, str) for s in strings):
                continue
            if node.func.id.startswith("pgettext"):
                yield path.relative_to(settings.BASE_DIR), strings[0], strings[1], ()
            else:
                yield path.relative_to(settings.BASE_DIR), None, strings[0], tuple(strings[1:2])


def untranslated(messages):
    missing = []
    with translation.override("en"):
        for where, context, msgid, plural in messages:
            if not JAPANESE.search(msgid):
                continue
            if plural:
                found = translation.ngettext(msgid, plural[0], 2)
            elif context is not None:
                found = translation.pgettext(context, msgid)
            else:
                found = translation.gettext(msgid)
            if found == msgid or JAPANESE.search(found):
                missing.append(f"{where}: {msgid}")
    return missing


def test_every_string_of_the_events_templates_has_an_english_translation():
    messages = list(template_messages())
    assert len(messages) > 150  # the extraction found the templates' strings
    assert untranslated(messages) == []


def test_every_string_of_the_events_code_has_an_english_translation():
    messages = list(code_messages())
    assert len(messages) > 100
    assert untranslated(messages) == []


def po_entries(text: str):
    """The entries of a .po file: (references, flags, msgid, msgstrs), obsolete ones left out."""
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        references = " ".join(line[2:] for line in lines if line.startswith("#:")).split()
        flags = {f.strip() for line in lines if line.startswith("#,") for f in line[2:].split(",")}
        fields, current = {}, None
        for line in lines:
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
            if match:
                current = match.group(1)
                fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if "msgid" in fields:
            msgstrs = [value for key, value in fields.items() if key.startswith("msgstr")]
            yield references, flags, fields["msgid"], msgstrs


def test_no_events_entry_of_the_catalogue_is_empty_or_fuzzy():
    entries = [
        (msgid, flags, msgstrs)
        for references, flags, msgid, msgstrs in po_entries(PO_FILE.read_text())
        if any(ref.startswith(("events/", "templates/events/")) for ref in references)
    ]
    assert len(entries) > 250
    assert [msgid for msgid, flags, msgstrs in entries if "fuzzy" in flags] == []
    assert [msgid for msgid, flags, msgstrs in entries if not all(msgstrs)] == []


def test_the_japanese_pages_are_unchanged_by_the_catalogue(client, organiser, make_plan):
    """The date formats and the check-in title now go through the catalogue; in Japanese they
    still read as before."""
    plan = make_plan(organiser)
    text = visible_text(client.get(plan.get_absolute_url()).content.decode())
    assert f"{plan.held_on.year}年{plan.held_on.month}月{plan.held_on.day}日（" in text
    finder = visible_text(client.get(reverse("course-finder")).content.decode())
    assert f"{plan.held_on.month}月{plan.held_on.day}日（" in finder
    closed = client.get(url(plan))
    assert "受付" in visible_text(closed.content.decode())
    assert f"{plan.held_on.month}月{plan.held_on.day}日 の" in closed.content.decode()
