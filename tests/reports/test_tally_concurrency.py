"""Many people completing at once, in the same municipality on the same day, are all counted."""

import threading

import pytest
from django.db import connection

from courses import services
from courses.models import Completion
from organizations.models import Learner
from organizations.scopes import NATION
from reports import tallies
from reports.figures import kpi_report
from tests import factories


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_completions_of_one_tally_cell_are_all_counted(postgres_only):
    osaka = factories.municipality()
    course = factories.course(audience="citizen", lessons=1)
    (lesson,) = factories.lessons_of(course)
    learners = [
        Learner.objects.create(municipality=osaka, attendee_type="general") for _ in range(12)
    ]
    barrier = threading.Barrier(len(learners))
    errors = []

    def complete(learner):
        try:
            barrier.wait()
            services.enrollment_complete_lesson(learner=learner, lesson=lesson)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete, args=(learner,)) for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Completion.objects.count() == 12
    fiscal_year = Completion.objects.first().fiscal_year
    assert kpi_report(scope=NATION, fiscal_year=fiscal_year).total.online == 12
    assert tallies.verify().ok
