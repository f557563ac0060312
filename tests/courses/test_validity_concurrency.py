"""A completion recorded while the training office edits the assignment's validity rule
(PostgreSQL, real concurrent transactions): whichever commits first, the person's 有効期限
is the new rule's. The assignment's row is the lock both take (``assignment_save``,
``assignees_record_completion``)."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from courses.models import StaffAssignment
from courses.services.assignments import assignment_save

from .staff_helpers import complete
from .test_recertification import at, row_of, world  # noqa: F401 - the fixture

# 12 months from 25 June 2025 (the old rule) and 毎年 4月1日 with a 2-month window (the new).
OLD_RULE_UNTIL = dt.date(2026, 6, 24)
NEW_RULE_UNTIL = dt.date(2026, 3, 31)
# Long enough for the other transaction to reach its read of the rule (the old code's race).
HOLD_SECONDS = 1.5
WAIT_SECONDS = 20


def edit_rule(data):
    assignment = StaffAssignment.objects.get(pk=data["assignment"].pk)
    assignment.validity, assignment.annual_month, assignment.annual_day = "annual", 4, 1
    assignment_save(assignment=assignment, today=dt.date(2025, 6, 25))


def complete_hanako(data):
    complete(data["staff"]["2001"], data["course"], at=at(2025, 6, 25))


def run_both(first, second):
    """``first`` runs in a transaction held open a moment after it is done; ``second``
    starts then, while it is still open. Returns the errors of both."""
    done_first, second_started = threading.Event(), threading.Event()
    errors = []

    def hold_first():
        try:
            with transaction.atomic():
                first()
                done_first.set()
                second_started.wait(WAIT_SECONDS)
                time.sleep(HOLD_SECONDS)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            done_first.set()
            connection.close()

    def then_second():
        try:
            done_first.wait(WAIT_SECONDS)
            second_started.set()
            second()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=hold_first), threading.Thread(target=then_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_completion_during_a_rule_edit_gets_the_new_rule(world, postgres_only):  # noqa: F811
    assert run_both(lambda: edit_rule(world), lambda: complete_hanako(world)) == []
    row = row_of(world, "2001")
    assert row.completed_at is not None
    assert row.valid_until == NEW_RULE_UNTIL != OLD_RULE_UNTIL
    # The people completed earlier were recomputed as before.
    assert row_of(world, "1001").valid_until == dt.date(2026, 3, 31)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rule_edit_during_a_completion_recomputes_it(world, postgres_only):  # noqa: F811
    assert run_both(lambda: complete_hanako(world), lambda: edit_rule(world)) == []
    row = row_of(world, "2001")
    assert row.completed_at is not None
    assert row.valid_until == NEW_RULE_UNTIL
