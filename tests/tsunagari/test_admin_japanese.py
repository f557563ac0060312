"""A Japanese administrator sees Wagtail's admin in Japanese: the strings Wagtail's own
Japanese catalogue leaves in English are completed in ``locale/ja`` (django.po, djangojs.po)."""

import json
import re

import pytest
from django.contrib.auth.models import Permission
from wagtail.log_actions import log

from organizations.models import AdminScope, Department
from tests import factories
from tsunagari.management.commands.seed_demo import MUNICIPAL_ADMIN_PERMISSIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(client):
    user = factories.user("national", is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def osaka_admin(client):
    osaka = factories.municipality()
    user = factories.user("osaka-admin")
    user.user_permissions.add(
        *[
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in MUNICIPAL_ADMIN_PERMISSIONS
        ]
    )
    AdminScope.objects.create(user=user, level="municipality", municipality=osaka)
    client.force_login(user)
    return user


def visible_text(response):
    """The page's HTML with the sidebar's JSON props decoded (its non-ASCII is escaped)."""
    html = response.content.decode()
    for props in re.findall(r'<script id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S):
        html += json.dumps(json.loads(props), ensure_ascii=False)
    return html


def test_dashboard_search_and_help_menu_are_japanese(client, national):
    factories.home_page()
    text = visible_text(client.get("/admin/"))
    assert "すべてのページを検索…" in text
    assert "Search all pages" not in text
    assert "ヘルプ" in text
    assert '"Help"' not in text
    assert "本文へ移動" in text and "Skip to main content" not in text


def test_search_result_count_is_japanese(client, osaka_admin):
    Department.objects.create(municipality=osaka_admin.admin_scope.municipality, name="福祉課")
    text = visible_text(client.get("/admin/department/", {"q": "福祉"}))
    assert "1 件見つかりました" in text
    assert "There is 1 match" not in text


def test_empty_history_is_japanese(client, osaka_admin):
    department = Department.objects.create(
        municipality=osaka_admin.admin_scope.municipality, name="福祉課"
    )
    text = visible_text(client.get(f"/admin/department/history/{department.pk}/"))
    assert "There are no" not in text
    assert "はありません" in text


def test_history_with_entries_and_listing_controls_are_japanese(client, osaka_admin):
    department = Department.objects.create(
        municipality=osaka_admin.admin_scope.municipality, name="福祉課"
    )
    log(department, "wagtail.edit", user=osaka_admin)
    text = visible_text(client.get("/admin/reports/site-history/"))
    assert "福祉課" in text
    for english in ("There are no", "Show filters", "Select all", "Bulk actions"):
        assert english not in text, english


def test_form_errors_offer_the_way_to_the_first_error_in_japanese(client, osaka_admin):
    response = client.post("/admin/department/new/", {"name": "", "municipality": ""})
    text = visible_text(response)
    assert "最初のエラーへ移動" in text
    assert "Go to the first error" not in text


def test_admin_scripts_catalogue_is_completed(client, national):
    response = client.get("/admin/jsi18n/")
    assert response.status_code == 200
    # The catalogue is JavaScript with non-ASCII characters written as \uXXXX escapes.
    body = re.sub(
        r"\\u([0-9a-fA-F]{4})",
        lambda match: chr(int(match.group(1), 16)),
        response.content.decode(),
    )
    assert "すべて折りたたむ" in body  # "Collapse all"
    assert "すべて開く" in body  # "Expand all"
