"""The roster screens of the Wagtail admin: import with preview and confirmation, the roster
list in the user's area only, and the one-time password links."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from organizations.invitations import staff_needing_invitation
from organizations.models import AdminScope, Department, StaffMember
from organizations.services import staff_send_invitations
from tests import factories

HEADER = "職員番号,氏名,ふりがな,所属,メールアドレス,在職区分\n"
PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("organizations", "add_staffmember"),
    ("organizations", "change_staffmember"),
    ("organizations", "delete_staffmember"),
    ("organizations", "view_staffmember"),
]


@pytest.fixture
def areas(db):
    return {
        "osaka": factories.municipality("271004", "大阪市"),
        "sakai": factories.municipality("271403", "堺市"),
    }


def administrator(level, **area):
    user = factories.user(is_staff=True)
    group, _created = Group.objects.get_or_create(name="自治体管理者")
    for app_label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user.groups.add(group)
    AdminScope.objects.create(user=user, level=level, **area)
    return user


def refused(response) -> bool:
    """Wagtail answers PermissionDenied with a redirect to the dashboard and a message."""
    return response.status_code in (403, 404) or (
        response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    )


def csv_file(text, name="roster.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_upload_previews_then_confirmation_writes(client, areas):
    admin = administrator("municipality", municipality=areas["osaka"])
    client.force_login(admin)
    url = reverse("staff_roster_import")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "municipality": areas["osaka"].pk,
            "mode": "whole",
            "file": csv_file(
                HEADER + "1001,大阪 花子,,福祉局,h@example.jp,在職\n", encoding="cp932"
            ),
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "この内容で取り込む" in content
    assert "大阪 花子" in content
    assert not StaffMember.objects.exists()
    token = re.search(r'name="token" value="([^"]+)"', content).group(1)
    response = client.post(url, {"token": token})
    assert response.status_code == 302
    assert StaffMember.objects.get().name == "大阪 花子"
    # The stored upload is gone: the same token cannot import twice.
    response = client.post(url, {"token": token}, follow=True)
    assert "もう一度アップロード" in response.content.decode()


def test_invalid_rows_are_listed_in_japanese_and_cannot_be_confirmed(client, areas):
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    response = client.post(
        reverse("staff_roster_import"),
        {
            "municipality": areas["osaka"].pk,
            "mode": "whole",
            "file": csv_file(HEADER + "1001,,,福祉局,,在職\n1001,大阪 太郎,,福祉局,,在職\n"),
        },
    )
    content = response.content.decode()
    assert "取り込めない行があります" in content
    assert "氏名がありません。" in content
    assert 'name="token"' not in content


def test_template_downloads(client, areas):
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    csv = client.get(reverse("staff_roster_import_template", args=["csv"]))
    assert csv.content.decode("utf-8-sig").splitlines()[0] == (
        "職員番号,氏名,ふりがな,所属,役職,雇用形態,メールアドレス,在職区分"
    )
    xlsx = client.get(reverse("staff_roster_import_template", args=["xlsx"]))
    assert xlsx.content.startswith(b"PK")


def test_municipal_administrator_cannot_import_for_another_municipality(client, areas):
    client.force_login(administrator("municipality", municipality=areas["sakai"]))
    response = client.post(
        reverse("staff_roster_import"),
        {
            "municipality": areas["osaka"].pk,
            "mode": "whole",
            "file": csv_file(HEADER + "1,大阪,,福祉局,,在職\n"),
        },
    )
    assert response.status_code == 400
    assert "有効な選択肢" in response.content.decode() or "正しく選択" in response.content.decode()
    assert not StaffMember.objects.exists()


def test_department_manager_cannot_import(client, areas):
    welfare = Department.objects.create(municipality=areas["osaka"], name="福祉局")
    manager = administrator("department", municipality=areas["osaka"], department=welfare)
    client.force_login(manager)
    assert refused(client.get(reverse("staff_roster_import")))
    assert refused(client.get(reverse("staff_invitations")))


def import_osaka_and_sakai(client, areas):
    from base.imports import read_dataset
    from organizations.resources import roster_import
    from organizations.scopes import NATION

    for municipality, text in (
        (
            areas["osaka"],
            "1001,大阪 花子,,福祉局,,在職\n1002,大阪 太郎,,市民局,t@example.jp,在職\n",
        ),
        (areas["sakai"], "9001,堺 次郎,,健康福祉局,,在職\n"),
    ):
        dataset = read_dataset(csv_file(HEADER + text), max_bytes=100_000)
        roster_import(
            municipality=municipality,
            dataset=dataset,
            dry_run=False,
            scope=NATION,
            mode="whole",
        )


def test_roster_list_and_records_stay_inside_the_area(client, areas):
    import_osaka_and_sakai(client, areas)
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    listing = client.get(reverse("staff_members:index")).content.decode()
    assert "大阪 花子" in listing and "堺 次郎" not in listing
    sakai_person = StaffMember.objects.get(staff_number="9001")
    for name in ("inspect", "edit", "delete", "history", "usage"):
        response = client.get(reverse(f"staff_members:{name}", args=[sakai_person.pk]))
        assert refused(response), name
    assert refused(client.get(reverse("staff_members:add")))


def test_department_manager_sees_own_department_staff_only(client, areas):
    import_osaka_and_sakai(client, areas)
    welfare = Department.objects.get(name="福祉局")
    client.force_login(administrator("department", municipality=areas["osaka"], department=welfare))
    listing = client.get(reverse("staff_members:index")).content.decode()
    assert "大阪 花子" in listing and "大阪 太郎" not in listing
    other = StaffMember.objects.get(staff_number="1002")
    assert refused(client.get(reverse("staff_members:inspect", args=[other.pk])))


def test_correcting_a_staff_member_moves_their_learner(client, areas):
    import_osaka_and_sakai(client, areas)
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    person = StaffMember.objects.get(staff_number="1001")
    citizens = Department.objects.get(name="市民局")
    response = client.post(
        reverse("staff_members:edit", args=[person.pk]),
        {
            "name": "大阪 花子",
            "name_kana": "",
            "department": citizens.pk,
            "email": "new@example.jp",
            "status": "active",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.learner.department == citizens
    assert person.learner.user.email == "new@example.jp"


def test_deleting_a_staff_member_deletes_their_account(client, areas):
    import_osaka_and_sakai(client, areas)
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    person = StaffMember.objects.get(staff_number="1001")
    user_id = person.learner.user_id
    response = client.post(reverse("staff_members:delete", args=[person.pk]))
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert not StaffMember.objects.filter(pk=person.pk).exists()


def test_one_time_links_by_email_and_on_paper(client, areas, django_capture_on_commit_callbacks):
    import_osaka_and_sakai(client, areas)
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    page = client.get(reverse("staff_invitations")).content.decode()
    assert "1 人" in page
    # The emails leave when the request's writes commit (services.staff_send_invitations).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff_invitations"))
    assert [m.to for m in mail.outbox] == [["t@example.jp"]]
    link = re.search(r"http://testserver(/accounts/welcome/\S+)", mail.outbox[0].body).group(1)
    printed = client.get(reverse("staff_invitations") + "?print=1").content.decode()
    assert "大阪 花子" in printed and "堺 次郎" not in printed and "大阪 太郎" not in printed

    client.logout()
    form = client.get(link, follow=True)
    assert "パスワードを決めてください" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": "tsunagari-Pass-2025", "new_password2": "tsunagari-Pass-2025"}
    )
    assert response.status_code == 302
    assert response.url == reverse("my-learning")
    client.logout()
    # The link works once.
    again = client.get(link, follow=True)
    assert "このリンクは使えません" in again.content.decode()


def test_invitation_emails_leave_only_after_the_commit(areas, django_capture_on_commit_callbacks):
    import_osaka_and_sakai(None, areas)
    pending = list(
        staff_needing_invitation(StaffMember.objects.filter(email__gt="")).select_related(
            "learner__user"
        )
    )
    assert [s.email for s in pending] == ["t@example.jp"]

    # Rolled back: nothing is recorded and nothing is sent.
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert staff_send_invitations(staff_members=pending) == 1
        assert mail.outbox == []  # not before the commit either
        raise RuntimeError("the request failed after the service")
    assert callbacks == [] and mail.outbox == []
    assert StaffMember.objects.get(email="t@example.jp").invited_at is None

    # Committed: the email leaves, once, after the commit.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert staff_send_invitations(staff_members=pending) == 1
    assert len(callbacks) == 1 and mail.outbox == []
    assert StaffMember.objects.get(email="t@example.jp").invited_at is not None
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["t@example.jp"]]
    assert "/accounts/welcome/" in mail.outbox[0].body


def test_file_over_the_size_limit_is_refused_with_a_message(client, areas, settings):
    settings.IMPORT_MAX_BYTES = 60
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    response = client.post(
        reverse("staff_roster_import"),
        {
            "municipality": areas["osaka"].pk,
            "mode": "whole",
            "file": csv_file(HEADER + "1001,大阪 花子,,福祉局,,在職\n"),
        },
    )
    assert "ファイルが大きすぎます" in response.content.decode()
    assert not StaffMember.objects.exists()


def test_roster_filters_and_history_stay_inside_the_area(client, areas):
    import_osaka_and_sakai(client, areas)
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    listing = client.get(reverse("staff_members:index")).content.decode()
    assert "健康福祉局" not in listing  # another municipality's department is not offered
    sakai_person = StaffMember.objects.get(staff_number="9001")
    assert refused(client.get(reverse("staff_members:history", args=[sakai_person.pk])))
    search = client.get(reverse("staff_members:index") + "?q=9001").content.decode()
    assert "堺 次郎" not in search


def test_staff_member_exports_their_roster_entry_but_cannot_delete_themselves(client, areas):
    import_osaka_and_sakai(client, areas)
    person = StaffMember.objects.get(staff_number="1001", municipality=areas["osaka"])
    client.force_login(person.learner.user)
    data = client.get(reverse("export-my-data")).json()
    assert data["staff_roster"]["staff_number"] == "1001"
    assert data["staff_assignments"] == []
    client.post(reverse("delete-my-data"))
    assert StaffMember.objects.filter(pk=person.pk, learner__isnull=False).exists()


def test_uploads_previewed_but_never_confirmed_are_purged(monkeypatch):
    from django.core.files.storage import storages

    from base import imports

    pending = imports.ImportView.pending_upload()
    pending.save(b"x")
    storage = storages[imports.PENDING_STORAGE]
    name = pending.get_full_path()
    imports.ImportView.purge_abandoned()
    assert storage.exists(name)  # still inside the confirmation window
    monkeypatch.setattr(imports, "TOKEN_MAX_AGE", -60)
    imports.ImportView.purge_abandoned()
    assert not storage.exists(name)


def test_the_uploader_must_say_whether_the_file_is_the_whole_roster(client, areas):
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    response = client.post(
        reverse("staff_roster_import"),
        {"municipality": areas["osaka"].pk, "file": csv_file(HEADER + "1,大阪,,福祉局,,在職\n")},
    )
    assert response.status_code == 400
    assert "ファイルが全員分か、一部の人だけかを選んでください。" in response.content.decode()
    assert not StaffMember.objects.exists()


def test_a_partial_file_as_the_whole_roster_lists_the_leavers_and_needs_a_second_tick(
    client, areas
):
    import_osaka_and_sakai(client, areas)
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    url = reverse("staff_roster_import")
    response = client.post(
        url,
        {
            "municipality": areas["osaka"].pk,
            "mode": "whole",
            "file": csv_file(HEADER + "1001,大阪 花子,,福祉局,,在職\n"),
        },
    )
    html = response.content.decode()
    assert "この名簿にいない 1 人（在職者の 50%）を「退職・異動」にします。" in html
    assert "「退職・異動」になる人（1 人）" in html and "1002 大阪 太郎（市民局）" in html
    assert 'name="confirm" value="allow_mass_leaving" required' in html
    token = response.context["token"]

    # Confirming without the tick: the same preview again, saying what to tick; nothing written.
    response = client.post(url, {"token": token})
    assert response.status_code == 200
    assert "下の確認の項目をすべてチェックしてください" in response.content.decode()
    assert StaffMember.objects.get(staff_number="1002").status == "active"

    response = client.post(url, {"token": token, "confirm": "allow_mass_leaving"})
    assert response.status_code == 302
    assert StaffMember.objects.get(staff_number="1002").status == "leaving"
    # 堺市 is another municipality: untouched.
    assert StaffMember.objects.get(staff_number="9001").status == "active"


def test_only_these_people_changes_nobody_else(client, areas):
    import_osaka_and_sakai(client, areas)
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    url = reverse("staff_roster_import")
    response = client.post(
        url,
        {
            "municipality": areas["osaka"].pk,
            "mode": "changes",
            "file": csv_file(HEADER + "1003,大阪 三郎,,福祉局,,在職\n"),
        },
    )
    assert "退職・異動」になる人" not in response.content.decode()
    response = client.post(url, {"token": response.context["token"]})
    assert response.status_code == 302
    assert StaffMember.objects.filter(municipality=areas["osaka"], status="active").count() == 3
