"""A supporter card taken at a course's check-in is a credential like any other: the served
Open Badges credential verifies with the independent verifier (Node, tests/verifier/)."""

import datetime as dt

import pytest
from django.utils import timezone

from events import services
from events.models import PlannedCourse
from tests.certificates.test_independent_verifier import run_verifier

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_card_of_a_check_in_verifies_independently(
    live_server, settings, areas, admin_osaka, make_organiser, make_plan
):
    settings.BASE_URL = live_server.url
    organiser = make_organiser(admin_osaka, areas["osaka"])
    plan = make_plan(organiser)
    starts = timezone.now() - dt.timedelta(minutes=5)
    PlannedCourse.objects.filter(pk=plan.pk).update(
        starts_at=starts, ends_at=starts + dt.timedelta(minutes=90)
    )
    check_in, _created = services.check_in_create(
        course=plan, browser_token="t" * 43, attendee_type="general"
    )
    certificate = services.check_in_take_card(check_in=check_in, name="つなが りこ")
    result = run_verifier(f"{live_server.url}/certificates/{certificate.code}.json")
    assert result == {"verified": True, "revoked": False, "expanded": True, "errors": []}
