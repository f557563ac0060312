"""On PostgreSQL, a hall checking in at once loses and doubles nothing: 200 attendees on 40
threads (each with its own connection) check in to one course through the public pages, then
take their cards at once; check-ins = cards = the course's attendance = 200, and the cards'
serial numbers are unique and gapless. And the capacity holds under the same race."""

import threading

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from events import checkin_codes, services
from events.attendance import course_attendance
from events.models import CheckIn, PlannedCourse

THREADS = 40
PER_THREAD = 5


@pytest.fixture
def organiser(areas, admin_osaka, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"], name="hall")


def _open(plan):
    starts = timezone.now() - timezone.timedelta(minutes=5)
    PlannedCourse.objects.filter(pk=plan.pk).update(
        starts_at=starts, ends_at=starts + timezone.timedelta(minutes=90)
    )
    plan.refresh_from_db()
    return plan


def _check_in(client, plan) -> str | None:
    url = reverse("course-check-in", args=[plan.pk])
    page = client.get(url, {"code": checkin_codes.current_code(plan.pk)})
    token = BeautifulSoup(page.content.decode(), "html.parser").find(
        "input", {"name": "pass_token"}
    )["value"]
    response = client.post(url, {"pass_token": token, "attendee_type": "general"})
    return response["Location"] if response.status_code == 302 else None


def _run(work, items):
    barrier = threading.Barrier(THREADS)
    errors, results = [], []

    def thread(chunk):
        try:
            barrier.wait()
            for item in chunk:
                results.append(work(item))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    chunks = [items[n::THREADS] for n in range(THREADS)]
    threads = [threading.Thread(target=thread, args=(chunk,)) for chunk in chunks]
    for started in threads:
        started.start()
    for started in threads:
        started.join()
    return results, errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_200_simultaneous_check_ins_and_cards_lose_and_double_nothing(
    postgres_only, organiser, make_plan
):
    cache.clear()
    plan = _open(make_plan(organiser, capacity=200))
    attendees = [Client() for _n in range(THREADS * PER_THREAD)]

    pages, errors = _run(lambda client: (client, _check_in(client, plan)), attendees)
    assert errors == []
    assert all(location for _client, location in pages)
    assert CheckIn.objects.filter(course=plan).count() == 200
    assert len({location for _client, location in pages}) == 200

    claimed, errors = _run(lambda pair: pair[0].post(pair[1], {"name": ""}).status_code, pages)
    assert errors == []
    assert claimed == [302] * 200

    check_ins = CheckIn.objects.filter(course=plan)
    cards = Certificate.objects.filter(completion__check_in__course=plan)
    assert check_ins.count() == cards.count() == course_attendance(plan).total == 200
    assert check_ins.filter(completion__isnull=True).count() == 0
    sequences = sorted(cards.values_list("sequence", flat=True))
    assert sequences == list(range(1, 201))
    assert len(set(cards.values_list("serial", flat=True))) == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_check_ins_never_exceed_the_capacity(postgres_only, organiser, make_plan):
    cache.clear()
    plan = _open(make_plan(organiser, capacity=25))
    results, errors = _run(lambda client: _check_in(client, plan), [Client() for _n in range(80)])
    assert errors == []
    assert len([r for r in results if r]) == 25
    assert CheckIn.objects.filter(course=plan).count() == course_attendance(plan).total == 25


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_check_in_is_one_round_trip_and_leaves_the_course_unlocked(
    postgres_only, organiser, make_plan, django_assert_num_queries
):
    plan = _open(make_plan(organiser, capacity=5))
    # Outside any transaction (as in a request): the advisory lock and the INSERT are one
    # batch, its own transaction.
    with django_assert_num_queries(1):
        check_in, created = services.check_in_create(
            course=plan.pk, browser_token="b" * 43, attendee_type="general", new_browser=True
        )
    assert created

    seen = {}

    def elsewhere():
        # Another connection: the check-in is committed and the course's lock released.
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)",
                    [services.CHECK_IN_LOCK_NAMESPACE, plan.pk],
                )
                seen["lock"] = cursor.fetchone()[0]
            seen["rows"] = CheckIn.objects.filter(course=plan).count()
        finally:
            connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert seen == {"lock": True, "rows": 1}
    # The same browser again: counted once, its check-in returned.
    again, created = services.check_in_create(
        course=plan.pk, browser_token="b" * 43, attendee_type="general"
    )
    assert (again.pk, created) == (check_in.pk, False)
