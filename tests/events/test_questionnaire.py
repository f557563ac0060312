"""The questionnaire of a held course (アンケート): answered once per check-in from the
attendee's own page, in the browser that checked in, until a week after the course; summed up
by ``events.questionnaire_summary`` on the organiser's 当日の受付・実施報告 screen, in the
prefilled 実施報告 and on the approver's screen; comments for the course's organiser and its
municipality's administrators only, and blanked with the purge (docs/checkin.md)."""

import datetime as dt
import io
import threading

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from events import checkin_codes, services
from events.models import CheckIn, PlannedCourse, QuestionnaireAnswer
from events.questionnaire_summary import course_questionnaire_summary
from organizations.models import AdminScope
from reports.models import TrainingSession
from tests import factories
from tsunagari.management.commands.seed_demo import MUNICIPAL_ADMIN_PERMISSIONS

from .test_checkin import kanji_outside_ruby, open_now

pytestmark = pytest.mark.django_db

COMMENT = "事例の話がとても分かりやすかったです"


@pytest.fixture
def organiser(areas, admin_osaka, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"], name="organiser-a", organisation="受付の会")


@pytest.fixture
def other_organiser(areas, admin_osaka, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"], name="organiser-a2", organisation="別の会")


@pytest.fixture
def prefecture_admin(areas, django_user_model):
    user = django_user_model.objects.create_user("pref-admin", password="pw-Secret-1")
    user.user_permissions.add(
        *[
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in MUNICIPAL_ADMIN_PERMISSIONS
        ]
    )
    AdminScope.objects.create(user=user, level="prefecture", prefecture=areas["osaka"].prefecture)
    return user


@pytest.fixture
def course(organiser, make_plan):
    return open_now(make_plan(organiser, days=0, capacity=20))


def check_in(client, plan, attendee_type="general") -> str:
    """Check in from ``client`` (its own browser): the address of the attendee's page."""
    url = reverse("course-check-in", args=[plan.pk])
    page = client.get(url, {"code": checkin_codes.current_code(plan.pk)})
    token = BeautifulSoup(page.content.decode(), "html.parser").find(
        "input", {"name": "pass_token"}
    )["value"]
    response = client.post(url, {"pass_token": token, "attendee_type": attendee_type})
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def questionnaire_url(done_url: str) -> str:
    return done_url + "questionnaire/"


def answer(client, done_url, **fields):
    data = {"understanding": "well", "satisfaction": "very", "reach_out": "yes", "comment": ""}
    data.update(fields)
    return client.post(questionnaire_url(done_url), data)


def counts_on(html: str) -> dict[str, int]:
    """The counts of the questionnaire summary on an admin page, by question-choice."""
    soup = BeautifulSoup(html, "html.parser")
    return {cell["data-choice"]: int(cell.text) for cell in soup.select("td[data-choice]")}


def answered_course(course):
    """Three attendees of ``course`` answer (two leave a comment); a fourth does not."""
    answers = [
        {"understanding": "well", "satisfaction": "very", "reach_out": "yes", "comment": COMMENT},
        {"understanding": "mostly", "satisfaction": "very", "reach_out": "maybe"},
        {
            "understanding": "not",
            "satisfaction": "little",
            "reach_out": "not_yet",
            "comment": "会場が\r\n少し寒かった",
        },
    ]
    for fields in answers:
        client = Client()
        done = check_in(client, course)
        response = answer(client, done, **fields)
        assert response.status_code == 302
        assert response["Location"] == questionnaire_url(done)
        thanks = client.get(response["Location"])
        assert "回答ありがとうございました" in thanks.content.decode()
        assert "アンケートに回答しました" in client.get(done).content.decode()
    check_in(Client(), course)


# --- the attendee ------------------------------------------------------------------------------


def test_the_attendee_answers_and_the_organiser_sees_the_exact_counts_and_comments(
    client, course, organiser
):
    answered_course(course)
    assert QuestionnaireAnswer.objects.count() == 3
    # No name, nothing but the choices and the comment (line breaks kept as one).
    assert sorted(QuestionnaireAnswer.objects.values_list("comment", flat=True)) == sorted(
        ["", "会場が\n少し寒かった", COMMENT]
    )
    client.force_login(organiser.user)
    page = client.get(reverse("plannedcourse:attendance", args=[course.pk]))
    html = page.content.decode()
    assert "講座のアンケート：3 人が回答" in html
    assert counts_on(html) == {
        "understanding-well": 1,
        "understanding-mostly": 1,
        "understanding-little": 0,
        "understanding-not": 1,
        "satisfaction-very": 2,
        "satisfaction-satisfied": 0,
        "satisfaction-little": 1,
        "satisfaction-not": 0,
        "reach_out-yes": 1,
        "reach_out-maybe": 1,
        "reach_out-not_yet": 1,
    }
    assert COMMENT in html
    assert "会場が<br>少し寒かった" in html
    assert "感想・ご意見（2 件）" in html


def test_the_attendees_page_leads_to_the_questionnaire_without_javascript(client, course):
    done = check_in(client, course)
    page = BeautifulSoup(client.get(done).content.decode(), "html.parser")
    link = page.find("a", href=questionnaire_url(done))
    assert link is not None and "アンケートに答える" in link.text
    form_page = client.get(questionnaire_url(done))
    assert form_page.status_code == 200
    soup = BeautifulSoup(form_page.content.decode(), "html.parser")
    assert soup.find("script") is None or not soup.select("main script")
    form = soup.select_one("main form")
    assert form["method"] == "post"
    for name in ("understanding", "satisfaction", "reach_out"):
        radios = form.find_all("input", {"type": "radio", "name": name})
        assert radios and all(form.find("label", {"for": radio["id"]}) for radio in radios)
    assert form.find("textarea", {"name": "comment"})["maxlength"] == "400"
    assert "名前はお聞きしません" in form_page.content.decode()


def test_it_cannot_be_answered_without_having_checked_in_in_this_browser(client, course):
    done = check_in(client, course)
    # Another browser with the same address (a forwarded link), or none at all.
    stranger = Client()
    assert stranger.get(questionnaire_url(done)).status_code == 404
    assert answer(stranger, done).status_code == 404
    check_in(stranger, course)  # a check-in of its own does not open someone else's either
    assert answer(stranger, done).status_code == 404
    # A forged address.
    assert answer(client, "/courses/check-in/1:forged/").status_code == 404
    assert not QuestionnaireAnswer.objects.exists()


def test_one_answer_per_check_in_a_second_is_refused_and_changes_nothing(client, course):
    done = check_in(client, course)
    assert answer(client, done, understanding="well", comment="はじめの感想").status_code == 302
    again = answer(client, done, understanding="not", comment="書き直し")
    assert again.status_code == 409
    assert "もう回答しています" in again.content.decode()
    found = QuestionnaireAnswer.objects.get()
    assert (found.understanding, found.comment) == ("well", "はじめの感想")
    # The page itself now thanks instead of asking again.
    page = client.get(questionnaire_url(done)).content.decode()
    assert "回答ありがとうございました" in page and "<textarea" not in page


def test_bad_answers_get_a_japanese_error_and_write_nothing(client, course):
    done = check_in(client, course)
    missing = client.post(questionnaire_url(done), {"comment": "選ばずに送る"})
    assert missing.status_code == 400
    html = missing.content.decode()
    assert "分かりやすさを選んでください" in html and "満足度を選んでください" in html
    assert "選ばずに送る" in html  # what was typed stays in the form
    assert answer(client, done, satisfaction="best").status_code == 400
    too_long = answer(client, done, comment="あ" * 401)
    assert too_long.status_code == 400
    assert "400 文字以内" in too_long.content.decode()
    assert not QuestionnaireAnswer.objects.exists()
    # 400 characters with line breaks (sent as two characters each) still fit.
    assert answer(client, done, comment="い\r\n" * 200).status_code == 302
    assert len(QuestionnaireAnswer.objects.get().comment) == 399  # the last break trimmed


def test_it_closes_a_week_after_the_course(client, course):
    done = check_in(client, course)
    # Six days after the end: still open.
    open_now(course, started_minutes_ago=6 * 24 * 60 + 120)
    assert client.get(questionnaire_url(done)).status_code == 200
    # Eight days after: closed, said so, nothing written; the attendee's page drops the link.
    open_now(course, started_minutes_ago=8 * 24 * 60)
    closed = client.get(questionnaire_url(done))
    assert closed.status_code == 410
    assert "締め切りました" in closed.content.decode()
    assert answer(client, done).status_code == 410
    assert not QuestionnaireAnswer.objects.exists()
    assert "アンケートに答える" not in client.get(done).content.decode()


def test_the_service_refuses_a_closed_questionnaire_and_a_cancelled_course(course):
    found = CheckIn.objects.create(course=course, attendee_type="general", browser="b1")
    later = course.ends_at + services.QUESTIONNAIRE_CLOSES_AFTER + dt.timedelta(seconds=1)
    with pytest.raises(services.ValidationError) as refused:
        services.questionnaire_answer(
            check_in=found, understanding="well", satisfaction="very", reach_out="yes", now=later
        )
    assert refused.value.code == "closed"
    PlannedCourse.objects.filter(pk=course.pk).update(status=PlannedCourse.Status.CANCELLED)
    with pytest.raises(services.ValidationError):
        services.questionnaire_answer(
            check_in=found, understanding="well", satisfaction="very", reach_out="yes"
        )
    assert not QuestionnaireAnswer.objects.exists()


def test_the_childrens_course_asks_in_childrens_words(client, organiser, make_plan):
    children = factories.course(title="こどもの講座《こうざ》", audience="children", lessons=1)
    plan = open_now(make_plan(organiser, course=children))
    done = check_in(client, plan, attendee_type="child")
    page = client.get(questionnaire_url(done))
    html = page.content.decode()
    assert "<ruby>" in html
    assert kanji_outside_ruby(html) == [], kanji_outside_ruby(html)
    response = answer(client, done)
    assert response.status_code == 302
    thanks = client.get(response["Location"]).content.decode()
    assert kanji_outside_ruby(thanks) == [], kanji_outside_ruby(thanks)
    assert "<ruby>" in thanks


# --- the 実施報告 and its approval ----------------------------------------------------------------


def test_the_report_is_prefilled_with_the_summary_and_keeps_it(client, course, organiser):
    answered_course(course)
    open_now(course, started_minutes_ago=180)  # over, the questionnaire still open
    client.force_login(organiser.user)
    url = reverse("plannedcourse:report", args=[course.pk])
    form = client.get(url).context["form"]
    assert form["questionnaire_responses"].value() == 3
    assert form["questionnaire_positive"].value() == 2  # よく + だいたい分かった
    text = form["questionnaire_summary"].value()
    assert text.startswith("講座のアンケート（3 人が回答）")
    assert "満足度：とても満足 2、満足 0、あまり満足していない 1、満足していない 0" in text
    assert COMMENT not in text  # comments are deleted later; the report is kept
    page = client.get(url).content.decode()
    assert COMMENT in page  # shown beside the form, for the organiser to summarise
    data = {
        name: value
        for name, value in {
            **{field.name: field.value() for field in form},
        }.items()
        if value is not None
    }
    assert client.post(url, data).status_code == 302
    report = TrainingSession.objects.get()
    assert (report.questionnaire_responses, report.questionnaire_positive) == (3, 2)
    assert report.questionnaire_summary == text.replace("\r\n", "\n")


def test_the_approver_sees_the_summary_and_only_the_municipality_the_comments(
    client, course, organiser, admin_osaka, prefecture_admin, admin_sakai
):
    answered_course(course)
    open_now(course, started_minutes_ago=180)
    report = services.course_report_submit(
        course=course,
        values={
            "organiser_type": "npo",
            "organiser_name": "受付の会",
            "instructor_name": "講師 花子",
            "delivery": "in_person",
            "venue": "市民会館",
            "attendees_general": 4,
        },
        user=organiser.user,
    )
    review = reverse("trainingsession:review", args=[report.pk])
    client.force_login(admin_osaka)
    html = client.get(review).content.decode()
    assert "講座のアンケート：3 人が回答" in html
    assert counts_on(html)["satisfaction-very"] == 2
    assert COMMENT in html
    client.force_login(prefecture_admin)
    html = client.get(review).content.decode()
    assert counts_on(html)["satisfaction-very"] == 2
    assert COMMENT not in html
    assert "主催者と市区町村の担当者だけが読めます" in html
    client.force_login(admin_sakai)
    assert client.get(review).status_code in (302, 403, 404)
    # A report of no held course (filed by hand) shows no questionnaire.
    other = factories.training_session(
        course.course, municipality=course.municipality, held_on=dt.date(2025, 6, 1)
    )
    client.force_login(admin_osaka)
    assert (
        "講座のアンケート"
        not in client.get(reverse("trainingsession:review", args=[other.pk])).content.decode()
    )


def test_another_organiser_or_municipality_cannot_see_the_comments(
    client, course, other_organiser, admin_sakai, prefecture_admin, admin_osaka
):
    answered_course(course)
    attendance = reverse("plannedcourse:attendance", args=[course.pk])
    for user in (other_organiser.user, admin_sakai):
        client.force_login(user)
        response = client.get(attendance)
        assert response.status_code in (302, 403, 404)
        assert COMMENT not in response.content.decode()
    client.force_login(prefecture_admin)
    html = client.get(attendance).content.decode()
    assert "講座のアンケート：3 人が回答" in html and COMMENT not in html
    client.force_login(admin_osaka)
    assert COMMENT in client.get(attendance).content.decode()


def test_the_summary_is_two_queries_with_comments(course, django_assert_num_queries):
    answered_course(course)
    with django_assert_num_queries(1):
        summary = course_questionnaire_summary(course)
    assert (summary.responses, summary.positive, summary.comments) == (3, 2, [])
    with django_assert_num_queries(2):
        summary = course_questionnaire_summary(course, with_comments=True)
    assert len(summary.comments) == 2


# --- purge ---------------------------------------------------------------------------------------


def test_comments_are_deleted_30_days_after_the_course_and_the_counts_stay(course):
    answered_course(course)
    assert services.questionnaire_comments_purge() == 0
    later = course.ends_at + dt.timedelta(days=services.SIGNUP_RETENTION_DAYS + 1)
    assert services.questionnaire_comments_purge(now=later) == 2
    assert not QuestionnaireAnswer.objects.exclude(comment="").exists()
    summary = course_questionnaire_summary(course, with_comments=True)
    assert (summary.responses, summary.positive, summary.comments) == (3, 2, [])
    assert services.questionnaire_comments_purge(now=later) == 0


def test_the_purge_command_deletes_the_comments(course):
    answered_course(course)
    open_now(course, started_minutes_ago=(services.SIGNUP_RETENTION_DAYS + 1) * 24 * 60)
    out = io.StringIO()
    call_command("purge_course_signups", stdout=out)
    assert "アンケートの感想を削除：2 件" in out.getvalue()
    assert QuestionnaireAnswer.objects.count() == 3
    assert not QuestionnaireAnswer.objects.exclude(comment="").exists()


# --- concurrency ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sends_at_once_record_one_answer(postgres_only, organiser, make_plan):
    plan = open_now(make_plan(organiser, capacity=20))
    client = Client()
    done = check_in(client, plan)
    barrier = threading.Barrier(8)
    statuses, errors = [], []

    def send():
        # The same browser (its cookie) on its own connection, as a double tap sends twice.
        same = Client()
        same.cookies = client.cookies
        try:
            barrier.wait()
            statuses.append(answer(same, done).status_code)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(statuses) == [302] + [409] * 7
    assert QuestionnaireAnswer.objects.count() == 1
