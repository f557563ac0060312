"""Course content installed by ``seed_demo``: plain data, written from ../shared/seeds/."""

from .children import COURSE as CHILDREN_COURSE
from .citizen import COURSE as CITIZEN_COURSE
from .staff import COURSE as STAFF_COURSE
from .staff_followup import COURSE as STAFF_REFRESHER_COURSE
from .windows import WINDOWS

COURSES = [CITIZEN_COURSE, CHILDREN_COURSE, STAFF_COURSE, STAFF_REFRESHER_COURSE]

__all__ = [
    "CHILDREN_COURSE",
    "CITIZEN_COURSE",
    "COURSES",
    "STAFF_COURSE",
    "STAFF_REFRESHER_COURSE",
    "WINDOWS",
]
