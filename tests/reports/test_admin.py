"""Session reports and targets edited in the Wagtail admin, within the administrator's area."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from organizations.models import AdminScope
from organizations.scopes import NATION
from reports.figures import kpi_report
from reports.models import KpiTarget, TrainingSession
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(django_user_model):
    osaka = factories.municipality()
    tokyo = factories.prefecture("13", "東京都")
    shinjuku = factories.municipality(code="131041", name="新宿区", pref=tokyo, kind="special_ward")
    course = factories.course(audience="citizen", lessons=1)
    user = django_user_model.objects.create_user("osaka-admin", password="pw-Secret-1")
    codenames = [
        "access_admin",
        "add_trainingsession",
        "change_trainingsession",
        "delete_trainingsession",
        "view_trainingsession",
        "approve_trainingsession",
        "add_kpitarget",
        "change_kpitarget",
        "view_kpitarget",
    ]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    AdminScope.objects.create(user=user, level="municipality", municipality=osaka)
    tokyo_session = factories.training_session(
        course, municipality=shinjuku, held_on=dt.date(2025, 6, 1), organiser="新宿の会"
    )
    return {"osaka": osaka, "course": course, "user": user, "tokyo_session": tokyo_session}


def session_form(setting, **overrides):
    data = {
        "held_on": "2025-05-15",
        "municipality": setting["osaka"].pk,
        "organiser_type": "municipality",
        "organiser_name": "大阪市 地域福祉課",
        "course": setting["course"].pk,
        "instructor_name": "山田",
        "delivery": "in_person",
        "venue": "区民センター",
        "attendees_general": "18",
        "attendees_workplace": "0",
        "attendees_school": "0",
        "attendees_government": "2",
        "attendees_npo": "0",
        "attendees_child": "0",
        "attendees_other": "0",
    }
    data.update(overrides)
    return data


def post_session(client, url, data, **extra):
    """Post the session form through its KPI-effect step: the first post shows the effect
    (nothing saved), the second, with the key of what was shown, saves."""
    count = TrainingSession.objects.count()
    response = client.post(url, data)
    effect = response.context and response.context.get("kpi_effect")
    if response.status_code != 200 or not effect:
        return response
    assert TrainingSession.objects.count() == count  # shown, not saved
    return client.post(url, {**data, "kpi_effect_key": effect["key"], **extra})


def test_an_administrator_reports_a_session_and_it_counts(client, setting):
    client.force_login(setting["user"])
    response = post_session(client, reverse("trainingsession:add"), session_form(setting))
    assert response.status_code == 302
    session = TrainingSession.objects.get(organiser_name="大阪市 地域福祉課")
    assert session.created_by == setting["user"]
    assert kpi_report(scope=NATION, fiscal_year=2025, municipality="271004").total.in_person == 20

    again = post_session(client, reverse("trainingsession:add"), session_form(setting))
    assert again.status_code == 200
    assert "すでに登録されています" in again.content.decode()

    empty = post_session(
        client,
        reverse("trainingsession:add"),
        session_form(
            setting, organiser_name="別の会", attendees_general="0", attendees_government="0"
        ),
    )
    assert "1人以上" in empty.content.decode()
    assert TrainingSession.objects.filter(municipality=setting["osaka"]).count() == 1


def test_another_municipalitys_sessions_are_out_of_reach(client, setting):
    client.force_login(setting["user"])
    listing = client.get(reverse("trainingsession:index")).content.decode()
    assert "新宿の会" not in listing
    pk = setting["tokyo_session"].pk
    for name in ("edit", "delete", "inspect"):
        response = client.get(reverse(f"trainingsession:{name}", args=[pk]))
        assert response.status_code in (302, 403, 404), name
    response = client.post(reverse("trainingsession:delete", args=[pk]))
    assert response.status_code in (302, 403, 404)
    assert TrainingSession.objects.filter(pk=pk).exists()
    # Nor can a new report be filed for a municipality outside the area.
    response = post_session(
        client,
        reverse("trainingsession:add"),
        session_form(setting, municipality=setting["tokyo_session"].municipality_id),
    )
    assert response.status_code == 200
    assert TrainingSession.objects.count() == 1


def test_deleting_a_session_takes_its_attendees_out(client, setting):
    client.force_login(setting["user"])
    post_session(client, reverse("trainingsession:add"), session_form(setting))
    session = TrainingSession.objects.get(municipality=setting["osaka"])
    response = client.post(reverse("trainingsession:delete", args=[session.pk]))
    assert response.status_code == 302
    assert kpi_report(scope=NATION, fiscal_year=2025, municipality="271004").total.actual == 0


def test_a_municipal_administrator_sets_their_target_but_not_the_nations(client, setting):
    client.force_login(setting["user"])
    form = {
        "fiscal_year": "2025",
        "level": "municipality",
        "municipality": setting["osaka"].pk,
        "target": "500",
    }
    assert client.post(reverse("kpitarget:add"), form).status_code == 302
    assert KpiTarget.objects.get().target == 500
    nation = {"fiscal_year": "2025", "level": "nation", "target": "100000"}
    response = client.post(reverse("kpitarget:add"), nation)
    assert response.status_code == 200
    assert not KpiTarget.objects.filter(level="nation").exists()


def test_the_form_shows_the_effect_on_the_kpi_before_saving(client, setting):
    KpiTarget.objects.create(
        fiscal_year=2025, level="municipality", municipality=setting["osaka"], target=400
    )
    client.force_login(setting["user"])
    url = reverse("trainingsession:add")
    post_session(client, url, session_form(setting, organiser_name="最初の会"))
    response = client.post(url, session_form(setting, attendees_general="38"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "保存する前に：KPI への影響" in html
    assert "2025年度の養成者数：20 人 → 60 人（+40）" in html
    assert "目標 400 人に対する進捗率 5.0% → 15.0%" in html
    assert TrainingSession.objects.count() == 2  # 最初の会 and 新宿の会 only
    # Counts changed after the effect was shown: shown again, still not saved.
    key = response.context["kpi_effect"]["key"]
    response = client.post(
        url, {**session_form(setting, attendees_general="39"), "kpi_effect_key": key}
    )
    assert response.status_code == 200 and "20 人 → 61 人" in response.content.decode()
    # 最初の会 reported the same course on the same day: the approver ticks that this is
    # another course (reports.session_duplicates), so it counts at once.
    assert "重複の可能性" in response.content.decode()
    response = client.post(
        url,
        {
            **session_form(setting, attendees_general="39"),
            "kpi_effect_key": response.context["kpi_effect"]["key"],
            "not_duplicate": "1",
        },
    )
    assert response.status_code == 302
    assert kpi_report(scope=NATION, fiscal_year=2025, municipality="271004").total.actual == 61


def test_a_correction_shows_the_difference_not_the_sum(client, setting):
    client.force_login(setting["user"])
    post_session(client, reverse("trainingsession:add"), session_form(setting))
    session = TrainingSession.objects.get(municipality=setting["osaka"])
    url = reverse("trainingsession:edit", args=[session.pk])
    response = client.post(url, session_form(setting, attendees_general="28"))
    assert "20 人 → 30 人（+10）" in response.content.decode()


def test_an_absurd_count_is_refused_with_the_maximum(client, setting):
    client.force_login(setting["user"])
    response = client.post(
        reverse("trainingsession:add"), session_form(setting, attendees_general="99999999999")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "1回の講座の人数は 10,000 人までです（入力：99,999,999,999）" in html
    assert not TrainingSession.objects.filter(municipality=setting["osaka"]).exists()


def test_a_total_above_the_plausible_size_needs_a_tick(client, setting):
    client.force_login(setting["user"])
    url = reverse("trainingsession:add")
    data = session_form(setting, attendees_general="600")
    response = post_session(client, url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "受講者数を確かめて、チェックを入れてください。" in html
    assert "受講者数 602 人（500 人を超えています）に間違いがないことを確認しました" in html
    assert not TrainingSession.objects.filter(municipality=setting["osaka"]).exists()
    key = response.context["kpi_effect"]["key"]
    response = client.post(url, {**data, "kpi_effect_key": key, "confirm_large": "1"})
    assert response.status_code == 302
    assert TrainingSession.objects.get(municipality=setting["osaka"]).total_attendees == 602
