"""When the database fails mid-request, pages answer 503 with Retry-After, not a bare 500."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def refuse(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


def test_a_page_during_a_database_outage_answers_503_and_asks_to_come_back():
    factories.course(lessons=1)
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(refuse):
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "ただいま利用できません" in response.content.decode()


def test_other_errors_stay_500():
    client = Client(raise_request_exception=False)

    def broken(execute, sql, params, many, context):
        raise ZeroDivisionError

    with connection.execute_wrapper(broken):
        response = client.get("/")
    assert response.status_code == 500
