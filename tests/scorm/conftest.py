import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from tests import factories
from tests.courses.staff_helpers import assign, roster, staff_course

from .builders import package, scorm_page


@pytest.fixture
def world(db):
    """大阪市 assigns a SCORM staff course (no lessons of its own) to staff 1001; 1002 of 大阪市
    and 2001 of 堺市 are not assigned it."""
    osaka = factories.municipality()
    sakai = factories.municipality(code="271403", name="堺市")
    staff_a = roster(osaka, [("1001", "職員 一郎", "総務課"), ("1002", "職員 二郎", "総務課")])
    staff_b = roster(sakai, [("2001", "堺 三郎", "総務課")])
    course = staff_course(lessons=0)
    pkg = package()
    page = scorm_page(course, pkg)
    assign(
        osaka,
        course,
        target="people",
        people=[staff_a["1001"]],
        starts_on=dt.date(2025, 4, 1),
        due_on=dt.date(2099, 3, 31),
    )
    user = get_user_model().objects.get
    return {
        "course": course,
        "package": pkg,
        "page": page,
        "assigned": staff_a["1001"],
        "assigned_user": user(pk=staff_a["1001"].learner.user_id),
        "unassigned_user": user(pk=staff_a["1002"].learner.user_id),
        "other_city_user": user(pk=staff_b["2001"].learner.user_id),
    }
