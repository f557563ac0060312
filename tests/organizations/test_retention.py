from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses import services as course_services
from courses.models import Completion
from organizations.models import Learner
from tests import factories


@pytest.mark.django_db
def test_inactive_anonymous_learners_are_deleted_after_the_retention_period(settings, capsys):
    settings.LEARNER_RETENTION_DAYS = 730
    course = factories.course(lessons=1)
    old = Learner.objects.create()
    course_services.enrollment_complete_lesson(learner=old, lesson=factories.lessons_of(course)[0])
    recent = Learner.objects.create()
    account = Learner.objects.create(user=factories.user())
    long_ago = timezone.now() - timedelta(days=731)
    Learner.objects.filter(pk__in=[old.pk, account.pk]).update(last_seen_at=long_ago)

    call_command("purge_inactive_learners", "--dry-run")
    assert "would delete 1" in capsys.readouterr().out
    assert Learner.objects.count() == 3
    call_command("purge_inactive_learners")
    assert set(Learner.objects.all()) == {recent, account}
    assert Completion.objects.get().learner is None  # the supporter still counts
