"""Organisers (主催者・講師): invited by a municipal administrator or self-registered and
approved; they sign in with a one-time link and reach only their own course plans."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from events import services
from events.models import Organiser
from organizations.scopes import scope_for_user

pytestmark = pytest.mark.django_db
# The Wagtail admin answers a refused object screen with a redirect to its home page.
DENIED = {302, 403, 404}


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_invited_organiser_sets_a_password_from_the_mailed_link_and_reaches_the_admin(
    client, areas, admin_osaka, make_organiser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        organiser = make_organiser(admin_osaka, areas["osaka"], name="hanako")
    assert organiser.status == Organiser.Status.ACTIVE
    assert not organiser.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hanako@example.jp"]
    url = _link(mail.outbox[0])
    assert "/courses/organisers/set-password/" in url
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "Tsunagari-Pass-99", "new_password2": "Tsunagari-Pass-99"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert client.get(reverse("plannedcourse:index")).status_code == 200
    # The link works once.
    client.logout()
    again = client.get("/" + path, follow=True)
    assert "このリンクは使えません" in again.content.decode()


def test_organiser_holds_no_area_scope(areas, admin_osaka, make_organiser):
    organiser = make_organiser(admin_osaka, areas["osaka"])
    assert scope_for_user(organiser.user) is None
    assert not organiser.user.has_perm("reports.view_trainingsession")


def test_administrator_cannot_invite_an_organiser_outside_their_area(
    areas, admin_osaka, make_organiser
):
    with pytest.raises(PermissionDenied):
        make_organiser(admin_osaka, areas["sakai"])
    assert not Organiser.objects.exists()


def test_self_registered_organiser_waits_for_approval_and_cannot_sign_in(client, areas):
    response = client.post(
        reverse("organiser-register"),
        {
            "municipality": "271004",
            "organisation_type": "company",
            "organisation_name": "株式会社つながり",
            "name": "山田 太郎",
            "email": "yamada@example.jp",
        },
    )
    assert response.status_code == 200
    assert "承認すると" in response.content.decode()
    organiser = Organiser.objects.get()
    assert organiser.status == Organiser.Status.PENDING
    assert organiser.municipality == areas["osaka"]
    assert not organiser.user.is_active
    assert mail.outbox == []
    assert services.organiser_of(organiser.user) is None


def test_registration_form_explains_an_unknown_municipality_code(client, areas):
    response = client.post(
        reverse("organiser-register"),
        {
            "municipality": "999999",
            "organisation_type": "npo",
            "organisation_name": "会",
            "name": "名前",
            "email": "a@example.jp",
        },
    )
    assert "この団体コードの市区町村はありません。" in response.content.decode()
    assert not Organiser.objects.exists()


def test_registration_refuses_an_email_that_already_has_an_account(client, areas):
    get_user_model().objects.create_user("taken@example.jp")
    response = client.post(
        reverse("organiser-register"),
        {
            "municipality": "271004",
            "organisation_type": "npo",
            "organisation_name": "会",
            "name": "名前",
            "email": "taken@example.jp",
        },
    )
    assert "既にあります" in response.content.decode()
    assert not Organiser.objects.exists()


def _register(municipality):
    return services.organiser_register(
        municipality=municipality,
        organisation_type="school",
        organisation_name="市立中学校",
        name="先生",
        email="teacher@example.jp",
    )


def test_municipal_administrator_approves_a_pending_organiser_who_is_then_mailed(
    client, areas, admin_osaka, django_capture_on_commit_callbacks
):
    organiser = _register(areas["osaka"])
    client.force_login(admin_osaka)
    listing = client.get(reverse("organisers:index"))
    assert "市立中学校" in listing.content.decode()
    assert "承認待ち" in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("organisers:approve", args=[organiser.pk]))
    assert response.status_code == 302
    organiser.refresh_from_db()
    assert organiser.status == Organiser.Status.ACTIVE
    assert organiser.approved_by == admin_osaka
    assert organiser.user.is_active
    assert services.organiser_of(organiser.user) == organiser
    assert [m.to for m in mail.outbox] == [["teacher@example.jp"]]
    assert "/courses/organisers/set-password/" in mail.outbox[0].body


def test_another_municipalitys_administrator_can_neither_see_nor_approve(
    client, areas, admin_sakai
):
    organiser = _register(areas["osaka"])
    client.force_login(admin_sakai)
    assert "市立中学校" not in client.get(reverse("organisers:index")).content.decode()
    assert client.get(reverse("organisers:inspect", args=[organiser.pk])).status_code in DENIED
    response = client.post(reverse("organisers:approve", args=[organiser.pk]))
    assert response.status_code in DENIED
    organiser.refresh_from_db()
    assert organiser.status == Organiser.Status.PENDING
    with pytest.raises(PermissionDenied):
        services.organiser_approve(organiser=organiser, approved_by=admin_sakai)


def test_approving_twice_is_refused(areas, admin_osaka):
    organiser = _register(areas["osaka"])
    services.organiser_approve(organiser=organiser, approved_by=admin_osaka)
    with pytest.raises(Exception, match="承認待ちではありません"):
        services.organiser_approve(organiser=organiser, approved_by=admin_osaka)


def test_administrator_invites_from_the_admin_add_screen(
    client, areas, admin_osaka, django_capture_on_commit_callbacks
):
    client.force_login(admin_osaka)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisers:add"),
            {
                "municipality": areas["osaka"].pk,
                "organisation_type": "company",
                "organisation_name": "大阪商事",
                "name": "佐藤",
                "email": "Sato@Example.jp",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    organiser = Organiser.objects.get()
    assert organiser.user.username == "sato@example.jp"
    assert organiser.is_active
    assert len(mail.outbox) == 1


def test_administrator_cannot_pick_another_municipality_on_the_add_screen(
    client, areas, admin_osaka
):
    client.force_login(admin_osaka)
    response = client.post(
        reverse("organisers:add"),
        {
            "municipality": areas["sakai"].pk,
            "organisation_type": "company",
            "organisation_name": "堺商事",
            "name": "佐藤",
            "email": "sato@example.jp",
        },
    )
    assert response.status_code == 200
    assert not Organiser.objects.exists()


def test_organiser_with_courses_cannot_be_deleted(areas, admin_osaka, make_organiser, make_plan):
    organiser = make_organiser(admin_osaka, areas["osaka"])
    make_plan(organiser)
    with pytest.raises(Exception, match="削除できません"):
        services.organiser_delete(organiser=organiser, user=admin_osaka)
    assert Organiser.objects.filter(pk=organiser.pk).exists()
