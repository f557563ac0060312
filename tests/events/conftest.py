"""Builders for the events tests: municipalities, administrators, organisers and plans, all made
through the real services."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from base.dates import tokyo_date
from events import services
from events.models import Organiser, PlannedCourse
from organizations.models import AdminScope
from tests import factories
from tsunagari.management.commands.seed_demo import MUNICIPAL_ADMIN_PERMISSIONS


@pytest.fixture
def areas(db):
    osaka = factories.municipality()
    sakai = factories.municipality(code="271403", name="堺市")
    kyoto_pref = factories.prefecture(code="26", name="京都府")
    kyoto = factories.municipality(code="261009", name="京都市", pref=kyoto_pref)
    return {"osaka": osaka, "sakai": sakai, "kyoto": kyoto}


@pytest.fixture
def make_admin(django_user_model):
    def make(username, municipality):
        user = django_user_model.objects.create_user(username, password="pw-Secret-1")
        user.user_permissions.add(
            *[
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in MUNICIPAL_ADMIN_PERMISSIONS
            ]
        )
        AdminScope.objects.create(user=user, level="municipality", municipality=municipality)
        return user

    return make


@pytest.fixture
def admin_osaka(areas, make_admin):
    return make_admin("osaka-admin", areas["osaka"])


@pytest.fixture
def admin_sakai(areas, make_admin):
    return make_admin("sakai-admin", areas["sakai"])


@pytest.fixture
def make_organiser():
    def make(admin, municipality, name="organiser", organisation="つながりの会"):
        return services.organiser_invite(
            organiser=Organiser(
                municipality=municipality,
                organisation_type="npo",
                organisation_name=organisation,
                name=name,
                email=f"{name}@example.jp",
            ),
            invited_by=admin,
        )

    return make


@pytest.fixture
def citizen_course(db):
    return factories.course(audience="citizen", lessons=1)


@pytest.fixture
def make_plan(citizen_course):
    def make(organiser, *, days=7, start=dt.time(14), end=dt.time(15, 30), **fields):
        values = {
            "organiser": organiser,
            "course": citizen_course,
            "held_on": tokyo_date() + dt.timedelta(days=days),
            "start_time": start,
            "end_time": end,
            "venue_name": "市民会館",
            "venue_address": "大阪市北区中之島1-3-20",
            "instructor_name": "講師 花子",
            "capacity": 20,
            "is_public": True,
            "signup_enabled": True,
        }
        values.update(fields)
        return services.planned_course_save(course=PlannedCourse(**values), user=organiser.user)

    return make
