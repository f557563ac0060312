"""Uploads waiting between an import's preview and its confirmation: django-import-export's
``MediaStorage`` on the private ``import_export`` storage, never the public media; deleted
once imported or cancelled; usable only by the person who uploaded them."""

import re

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from import_export.tmp_storages import MediaStorage

from base import imports
from organizations.models import StaffMember
from tests.organizations.test_roster_admin import (  # noqa: F401 - areas is a fixture
    HEADER,
    administrator,
    areas,
    csv_file,
)

ROW = "1001,大阪 花子,,福祉局,h@example.jp,在職\n"


@pytest.fixture(autouse=True)
def own_pending_storage(settings, tmp_path):
    """A pending-upload directory of this test's own (what others leave is not counted)."""
    private = settings.STORAGES["import_export"]
    settings.STORAGES = {
        **settings.STORAGES,
        "import_export": {**private, "OPTIONS": {**private["OPTIONS"], "location": str(tmp_path)}},
    }


def pending_files() -> list[str]:
    storage = storages[imports.PENDING_STORAGE]
    folder = imports.ImportView.pending_upload().MEDIA_FOLDER
    try:
        return storage.listdir(folder)[1]
    except FileNotFoundError:
        return []


def preview(client, areas):  # noqa: F811 - the fixture imported above
    response = client.post(
        reverse("staff_roster_import"),
        {"municipality": areas["osaka"].pk, "mode": "whole", "file": csv_file(HEADER + ROW)},
    )
    assert response.status_code == 200
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def osaka_admin(client, areas):  # noqa: F811
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    return client


def test_the_previewed_upload_waits_in_the_private_storage_and_goes_once_imported(
    osaka_admin,
    areas,  # noqa: F811
):
    assert isinstance(imports.ImportView.pending_upload(), MediaStorage)
    media_before = storages["default"].listdir("")
    token = preview(osaka_admin, areas)
    (name,) = pending_files()
    stored = imports.ImportView.pending_upload(name).read()
    assert stored == (HEADER + ROW).encode()
    assert storages["default"].listdir("") == media_before  # nothing among the media

    response = osaka_admin.post(reverse("staff_roster_import"), {"token": token})
    assert response.status_code == 302
    assert StaffMember.objects.get().name == "大阪 花子"
    assert pending_files() == []


def test_cancelling_the_preview_deletes_the_upload(osaka_admin, areas):  # noqa: F811
    token = preview(osaka_admin, areas)
    assert len(pending_files()) == 1
    response = osaka_admin.post(
        reverse("staff_roster_import"), {"token": token, "cancel": "1"}, follow=True
    )
    assert "取り込みをやめました" in response.content.decode()
    assert pending_files() == []
    assert not StaffMember.objects.exists()
    # The token leads nowhere now.
    response = osaka_admin.post(reverse("staff_roster_import"), {"token": token}, follow=True)
    assert "もう一度アップロード" in response.content.decode()
    assert not StaffMember.objects.exists()


def test_another_administrator_cannot_confirm_or_cancel_the_upload(
    client,
    areas,  # noqa: F811
):
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    token = preview(client, areas)
    client.force_login(administrator("municipality", municipality=areas["osaka"]))
    response = client.post(reverse("staff_roster_import"), {"token": token}, follow=True)
    assert "もう一度アップロード" in response.content.decode()
    client.post(reverse("staff_roster_import"), {"token": token, "cancel": "1"})
    assert not StaffMember.objects.exists()
    assert len(pending_files()) == 1  # still the uploader's, until confirmed or purged


@pytest.mark.parametrize(
    "limit,rows", [("IMPORT_MAX_BYTES", 200), ("IMPORT_MAX_ROWS", 3), ("IMPORT_MAX_CELLS", 20)]
)
def test_a_file_over_the_limits_is_refused_and_never_stored(
    osaka_admin,
    areas,  # noqa: F811
    settings,
    limit,
    rows,
):
    setattr(settings, limit, rows)
    body = "".join(f"{1000 + i},大阪 花子,,福祉局,h{i}@example.jp,在職\n" for i in range(5))
    response = osaka_admin.post(
        reverse("staff_roster_import"),
        {"municipality": areas["osaka"].pk, "mode": "whole", "file": csv_file(HEADER + body)},
    )
    assert response.status_code == 400
    assert "多すぎます" in response.content.decode() or "大きすぎます" in response.content.decode()
    assert pending_files() == []
