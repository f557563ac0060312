"""Roster imports of one municipality at the same time (PostgreSQL, real concurrent
transactions): two training-office staff confirming their imports on the admin screen, or one
of them while the nightly folder sync runs, both create the same new 局/課. They take the
municipality's lock one after the other: one unit, both imports done, nobody lost."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from organizations.models import Department, RosterSyncRun, StaffMember
from organizations.roster_sync import roster_sync_folder
from tests import factories

from .test_roster_admin import HEADER, administrator, csv_file

# Enough rows that each import's transaction is still open when the other one starts.
ROWS = 300


def roster_text(first_number: int, path: str) -> str:
    return HEADER + "".join(
        f"{number},職員 {number},,{path},{number}@example.jp,在職\n"
        for number in range(first_number, first_number + ROWS)
    )


def previewed(user, municipality, text) -> tuple[Client, str]:
    """A signed-in client that has uploaded ``text`` and sees its preview; the token confirms."""
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("staff_roster_import"),
        {"municipality": municipality.pk, "mode": "changes", "file": csv_file(text)},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "この内容で取り込む" in content, content
    return client, re.search(r'name="token" value="([^"]+)"', content).group(1)


def at_once(*actions):
    """Run ``actions`` in threads released together; returns (results, errors)."""
    barrier = threading.Barrier(len(actions))
    results, errors = [None] * len(actions), []

    def run(index, action):
        try:
            barrier.wait()
            results[index] = action()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def assert_one_tree_with_everybody(osaka, expected_staff: int):
    units = Department.objects.filter(municipality=osaka)
    assert sorted(units.values_list("name", flat=True)) == ["人事課", "総務局"]
    section = units.get(name="人事課")
    assert section.parent.name == "総務局"
    staff = StaffMember.objects.filter(municipality=osaka)
    assert staff.count() == expected_staff
    assert set(staff.values_list("department", flat=True)) == {section.pk}
    assert not staff.filter(learner__isnull=True).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admin_imports_creating_the_same_unit_both_succeed(areas, postgres_only):
    osaka = areas["osaka"]
    first = previewed(
        administrator("municipality", municipality=osaka), osaka, roster_text(1000, "総務局/人事課")
    )
    second = previewed(
        administrator("municipality", municipality=osaka), osaka, roster_text(5000, "総務局/人事課")
    )
    # The previews created nothing (they are rolled back).
    assert not Department.objects.exists()

    def confirm(client, token):
        return lambda: client.post(reverse("staff_roster_import"), {"token": token})

    responses, errors = at_once(confirm(*first), confirm(*second))
    assert errors == []
    # Both confirmations went through: the admin redirects to the roster after an import.
    assert [r.status_code for r in responses] == [302, 302]
    assert_one_tree_with_everybody(osaka, 2 * ROWS)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_admin_import_during_the_folder_sync_waits_for_it(areas, postgres_only, tmp_path):
    osaka = areas["osaka"]
    (tmp_path / "roster.csv").write_text(roster_text(1000, "総務局/人事課"), encoding="utf-8")
    client, token = previewed(
        administrator("municipality", municipality=osaka), osaka, roster_text(5000, "総務局/人事課")
    )

    def sync():
        return roster_sync_folder(municipality=osaka, folder=tmp_path, mode="changes")

    def confirm():
        return client.post(reverse("staff_roster_import"), {"token": token})

    (report, response), errors = at_once(sync, confirm)
    assert errors == []
    assert report.status == RosterSyncRun.Status.IMPORTED, report.text
    assert response.status_code == 302
    assert_one_tree_with_everybody(osaka, 2 * ROWS)


@pytest.fixture
def areas(db):
    return {"osaka": factories.municipality("271004", "大阪市")}
