import pytest
from django.contrib.auth.models import Group, Permission

from organizations.models import AdminScope
from tests import factories


@pytest.fixture
def osaka_admin(db):
    osaka = factories.municipality("271004", "大阪市")
    user = factories.user("osaka-admin")
    group = Group.objects.create(name="自治体管理者")
    for app_label, codename in [
        ("wagtailadmin", "access_admin"),
        ("courses", "view_consultationwindow"),
        ("courses", "change_consultationwindow"),
        ("courses", "add_consultationwindow"),
    ]:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user.groups.add(group)
    AdminScope.objects.create(user=user, level="municipality", municipality=osaka)
    return user


def test_municipal_admin_lists_and_edits_only_their_own_windows(client, osaka_admin):
    osaka = osaka_admin.admin_scope.municipality
    sakai = factories.municipality("271403", "堺市")
    own = factories.window("大阪市こころの健康センター", municipality=osaka)
    other = factories.window("堺市の窓口", municipality=sakai)
    national = factories.window("孤独・孤立相談ダイヤル")
    client.force_login(osaka_admin)

    html = client.get("/admin/snippets/courses/consultationwindow/").content.decode()
    assert own.name in html
    assert other.name not in html
    assert national.name not in html

    assert (
        client.get(f"/admin/snippets/courses/consultationwindow/edit/{own.pk}/").status_code == 200
    )
    for window in (other, national):
        response = client.get(f"/admin/snippets/courses/consultationwindow/edit/{window.pk}/")
        assert response.status_code in (302, 403, 404)
        response = client.post(
            f"/admin/snippets/courses/consultationwindow/edit/{window.pk}/",
            {"name": "書き換え", "sort_order": 1},
        )
        assert response.status_code in (302, 403, 404)
        window.refresh_from_db()
        assert window.name != "書き換え"


@pytest.mark.django_db
def test_national_admin_sees_every_window(client):
    factories.window("孤独・孤立相談ダイヤル")
    factories.window("堺市の窓口", municipality=factories.municipality("271403", "堺市"))
    admin = factories.user(is_superuser=True, is_staff=True)
    client.force_login(admin)
    html = client.get("/admin/snippets/courses/consultationwindow/").content.decode()
    assert "孤独・孤立相談ダイヤル" in html and "堺市の窓口" in html


@pytest.mark.django_db
def test_admin_home_and_page_editor_load_for_the_national_admin(client):
    course = factories.course(lessons=1)
    lesson = factories.lessons_of(course)[0]
    admin = factories.user(is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/pages/{course.pk}/edit/").status_code == 200
    assert client.get(f"/admin/pages/{lesson.pk}/edit/").status_code == 200
    assert client.get("/admin/municipality/").status_code == 200


def test_municipal_admin_cannot_create_a_window_for_another_area(client, osaka_admin):
    from courses.models import ConsultationWindow

    sakai = factories.municipality("271403", "堺市")
    client.force_login(osaka_admin)
    url = "/admin/snippets/courses/consultationwindow/add/"
    for municipality in (sakai.pk, ""):
        response = client.post(
            url,
            {"municipality": municipality, "name": "偽の窓口", "sort_order": 1, "is_active": "on"},
        )
        assert response.status_code == 200  # the form is shown again with an error
    assert not ConsultationWindow.objects.filter(name="偽の窓口").exists()
    osaka = osaka_admin.admin_scope.municipality
    response = client.post(
        url, {"municipality": osaka.pk, "name": "本物の窓口", "sort_order": 1, "is_active": "on"}
    )
    assert response.status_code == 302
    assert ConsultationWindow.objects.get(name="本物の窓口").municipality == osaka
