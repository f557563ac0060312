"""On PostgreSQL, people signing up at the same moment for the last places never overbook:
the course's row is locked (``select_for_update``) while places are counted."""

import threading

import pytest
from django.db import connection

from events import services
from events.models import CourseSignup


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_signups_for_the_last_places_never_overbook(
    postgres_only, areas, admin_osaka, make_organiser, make_plan
):
    organiser = make_organiser(admin_osaka, areas["osaka"], name="race")
    plan = make_plan(organiser, capacity=3)
    services.course_signup_create(course=plan, nickname="先着")
    people = 10
    barrier = threading.Barrier(people)
    errors = []

    def sign_up(number):
        try:
            barrier.wait()
            services.course_signup_create(course=plan, nickname=f"参加者{number}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert plan.signups.filter(status=CourseSignup.Status.CONFIRMED).count() == 3
    assert plan.signups.filter(status=CourseSignup.Status.WAITING).count() == people - 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_cancels_move_up_each_waiting_person_once(
    postgres_only, areas, admin_osaka, make_organiser, make_plan
):
    organiser = make_organiser(admin_osaka, areas["osaka"], name="race2")
    plan = make_plan(organiser, capacity=4)
    confirmed = [services.course_signup_create(course=plan, nickname=f"席{n}") for n in range(4)]
    for n in range(6):
        services.course_signup_create(course=plan, nickname=f"待ち{n}")
    barrier = threading.Barrier(len(confirmed))
    errors = []

    def cancel(signup):
        try:
            barrier.wait()
            services.course_signup_cancel(signup=signup)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(s,)) for s in confirmed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    statuses = dict(plan.signups.values_list("nickname", "status"))
    assert [statuses[f"待ち{n}"] for n in range(6)] == ["confirmed"] * 4 + ["waiting"] * 2
