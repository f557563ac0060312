"""Lists the admin shows outside the viewsets' own listings — the site history, the
consultation-window chooser and the bulk-delete confirmation — keep to the user's area."""

import json

import pytest
from django.contrib.auth.models import Permission
from wagtail.log_actions import log

from organizations.models import AdminScope, Department
from tests import factories
from tsunagari.management.commands.seed_demo import MUNICIPAL_ADMIN_PERMISSIONS

pytestmark = pytest.mark.django_db

WINDOWS = "/admin/snippets/courses/consultationwindow/"
CHOOSER = "/admin/snippets/choose/courses/consultationwindow/"
BULK_DELETE = "/admin/bulk/courses/consultationwindow/delete/"


@pytest.fixture
def areas():
    osaka = factories.municipality("271004", "大阪市")
    sakai = factories.municipality("271403", "堺市")
    permissions = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in MUNICIPAL_ADMIN_PERMISSIONS
    ]

    def admin(name, display, **scope):
        user = factories.user(name, last_name=display)
        user.user_permissions.add(*permissions)
        AdminScope.objects.create(user=user, **scope)
        return user

    osaka_admin = admin("osaka-admin", "大阪太郎", level="municipality", municipality=osaka)
    sakai_admin = admin("sakai-admin", "堺花子", level="municipality", municipality=sakai)
    national = factories.user("national", last_name="国次郎", is_superuser=True)
    return {
        "osaka": osaka,
        "sakai": sakai,
        "osaka_admin": osaka_admin,
        "sakai_admin": sakai_admin,
        "prefecture": admin("pref", "府三郎", level="prefecture", prefecture=osaka.prefecture),
        "national": national,
        "osaka_department": Department.objects.create(municipality=osaka, name="大阪市福祉局"),
        "sakai_department": Department.objects.create(municipality=sakai, name="堺市健康福祉局"),
        "osaka_window": factories.window("大阪市こころの相談", municipality=osaka),
        "sakai_window": factories.window("堺市いのちの相談", municipality=sakai),
        "sakai_inactive": factories.window("堺市休止中の窓口", municipality=sakai, is_active=False),
        "national_window": factories.window("全国の相談ダイヤル"),
    }


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return text(response)


def text(response):
    """The page, or the HTML of a chooser's JSON answer (its non-ASCII is escaped)."""
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


# --- Site history ----------------------------------------------------------------------------


@pytest.fixture
def history(areas):
    log(areas["osaka_department"], "wagtail.edit", user=areas["osaka_admin"])
    log(areas["sakai_department"], "wagtail.edit", user=areas["sakai_admin"])
    log(areas["sakai_window"], "wagtail.create", user=areas["sakai_admin"])
    log(areas["osaka_window"], "wagtail.create", user=areas["osaka_admin"])
    return areas


@pytest.mark.parametrize(
    "url", ["/admin/reports/site-history/", "/admin/reports/site-history/results/"]
)
def test_site_history_shows_a_municipal_administrator_only_their_area(client, history, url):
    html = page(client, history["osaka_admin"], url)
    assert "大阪市福祉局" in html and "大阪市こころの相談" in html
    for other in ("堺市健康福祉局", "堺市いのちの相談", "堺花子", "sakai-admin"):
        assert other not in html

    html = page(client, history["sakai_admin"], url)
    assert "堺市健康福祉局" in html and "堺市いのちの相談" in html
    for other in ("大阪市福祉局", "大阪市こころの相談", "大阪太郎", "osaka-admin"):
        assert other not in html


def test_site_history_filters_offer_no_other_area_editor(client, history):
    html = page(client, history["osaka_admin"], "/admin/reports/site-history/")
    assert "堺花子" not in html
    # Filtering by the other area's editor's id finds nothing either.
    client.force_login(history["osaka_admin"])
    html = client.get(
        f"/admin/reports/site-history/?user={history['sakai_admin'].pk}"
    ).content.decode()
    assert "堺市健康福祉局" not in html


def test_site_history_shows_the_prefecture_its_municipalities_and_the_nation_everything(
    client, history
):
    html = page(client, history["prefecture"], "/admin/reports/site-history/")
    assert "大阪市福祉局" in html and "堺市健康福祉局" in html
    html = page(client, history["national"], "/admin/reports/site-history/")
    assert "大阪市福祉局" in html and "堺市いのちの相談" in html


def test_deleted_objects_of_another_area_stay_out_of_the_history(client, history):
    department = history["sakai_department"]
    log(department, "wagtail.delete", user=history["sakai_admin"])
    department.delete()
    html = page(client, history["osaka_admin"], "/admin/reports/site-history/")
    assert "堺市健康福祉局" not in html


def test_site_history_csv_export_is_scoped_too(client, history):
    client.force_login(history["osaka_admin"])
    response = client.get("/admin/reports/site-history/?export=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "大阪市福祉局" in body
    assert "堺市健康福祉局" not in body and "堺花子" not in body


# --- Chooser ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "results/", "results/?q=相談", "?q=堺市"])
def test_window_chooser_lists_only_the_users_area(client, areas, path):
    html = page(client, areas["osaka_admin"], CHOOSER + path)
    for other in ("堺市いのちの相談", "堺市休止中の窓口", "全国の相談ダイヤル"):
        assert other not in html
    if "堺市" not in path:
        assert "大阪市こころの相談" in html


def test_window_chooser_search_finds_part_of_a_japanese_name(client, areas):
    html = page(client, areas["osaka_admin"], CHOOSER + "results/?q=こころ")
    assert "大阪市こころの相談" in html
    html = page(client, areas["national"], CHOOSER + "results/?q=いのち")
    assert "堺市いのちの相談" in html and "大阪市こころの相談" not in html


def test_window_chooser_refuses_to_return_another_areas_window(client, areas):
    client.force_login(areas["osaka_admin"])
    other = areas["sakai_inactive"].pk
    assert client.get(f"{CHOOSER}chosen/{other}/").status_code == 404
    assert client.get(f"{CHOOSER}chosen/abc/").status_code == 404
    assert client.get(f"{CHOOSER}chosen/{2**70}/").status_code == 404
    own = areas["osaka_window"].pk
    assert client.get(f"{CHOOSER}chosen/{own}/").status_code == 200
    body = text(client.get(f"{CHOOSER}chosen-multiple/?id={own}&id={other}&id=x"))
    assert "大阪市こころの相談" in body and "堺市" not in body


# --- Bulk delete --------------------------------------------------------------------------------


def test_bulk_delete_confirmation_names_no_other_areas_window(client, areas):
    client.force_login(areas["osaka_admin"])
    ids = [areas[key].pk for key in ("osaka_window", "sakai_window", "sakai_inactive")]
    query = "&".join(f"id={pk}" for pk in ids)
    response = client.get(f"{BULK_DELETE}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "大阪市こころの相談" in html
    assert "堺市いのちの相談" not in html and "堺市休止中の窓口" not in html


def test_bulk_delete_of_all_means_all_of_the_users_area(client, areas):
    client.force_login(areas["osaka_admin"])
    html = client.get(f"{BULK_DELETE}?id=all").content.decode()
    assert "大阪市こころの相談" in html
    assert "堺市" not in html and "全国の相談ダイヤル" not in html
    response = client.post(f"{BULK_DELETE}?id=all")
    assert response.status_code == 302
    remaining = set(areas["osaka"].consultation_windows.values_list("name", flat=True)) | set(
        areas["sakai"].consultation_windows.values_list("name", flat=True)
    )
    assert remaining == {"堺市いのちの相談", "堺市休止中の窓口"}


def test_bulk_delete_of_another_areas_windows_deletes_nothing(client, areas):
    client.force_login(areas["osaka_admin"])
    query = f"id={areas['sakai_window'].pk}&id={areas['national_window'].pk}"
    assert client.get(f"{BULK_DELETE}?{query}").status_code == 404
    assert client.post(f"{BULK_DELETE}?{query}").status_code == 404
    assert areas["sakai"].consultation_windows.count() == 2


@pytest.mark.parametrize("ids", ["id=abc", f"id={2**70}", "id=-1", "id=%E5%A0%BA"])
def test_bulk_delete_with_ids_that_are_no_keys_is_a_404(client, areas, ids):
    client.force_login(areas["osaka_admin"])
    assert client.get(f"{BULK_DELETE}?{ids}").status_code == 404


def test_bulk_actions_on_rows_the_user_may_not_change_are_refused_up_front(client, areas):
    from wagtail.models import Page

    course = factories.course(lessons=1)
    client.force_login(areas["osaka_admin"])
    for action in ("delete", "unpublish", "move"):
        url = f"/admin/bulk/wagtailcore/page/{action}/?id={course.pk}"
        # Wagtail's refusal in the admin: back to the dashboard, with its message.
        assert client.get(url).status_code in (302, 403)
        assert client.post(url).status_code in (302, 403)
    assert Page.objects.filter(pk=course.pk, live=True).exists()
    assert client.get("/admin/bulk/wagtailcore/page/delete/?id=abc").status_code == 404
    assert client.get("/admin/bulk/nosuch/model/delete/?id=1").status_code == 404
    assert client.get("/admin/bulk/wagtailcore/page/nosuch/?id=1").status_code == 404


def test_the_national_administrator_still_gets_the_confirmation_page(client, areas):
    course = factories.course(lessons=1)
    client.force_login(areas["national"])
    response = client.get(f"/admin/bulk/wagtailcore/page/unpublish/?id={course.pk}")
    assert response.status_code == 200
    assert course.title in response.content.decode()
