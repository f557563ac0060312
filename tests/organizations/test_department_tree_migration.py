"""The data migration that puts today's flat departments into the tree, run with Django's
migration executor on a populated database: nothing is lost."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("organizations", "0003_roster_sync_run")]
AFTER = [("organizations", "0005_departments_into_tree")]


# Serialized rollback, like every transactional test here: its flush then leaves no
# post-migrate rows behind for the next test's restore to collide with.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flat_departments_become_roots_and_every_staff_member_keeps_theirs():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Prefecture = old.get_model("organizations", "Prefecture")
    Municipality = old.get_model("organizations", "Municipality")
    Department = old.get_model("organizations", "Department")
    StaffMember = old.get_model("organizations", "StaffMember")
    prefecture = Prefecture.objects.create(code="27", lgcode="270008", name="大阪府")
    osaka = Municipality.objects.create(
        code="271004", prefecture=prefecture, name="大阪市", kind="city"
    )
    sakai = Municipality.objects.create(
        code="271403", prefecture=prefecture, name="堺市", kind="city"
    )
    welfare = Department.objects.create(municipality=osaka, name="福祉局 生活福祉部", code="F1")
    citizens = Department.objects.create(municipality=osaka, name="市民局")
    same_name = Department.objects.create(municipality=sakai, name="市民局")
    for number, department in (("1", welfare), ("2", citizens), ("3", same_name), ("4", None)):
        StaffMember.objects.create(
            municipality=sakai if department == same_name else osaka,
            staff_number=number,
            name=f"職員 {number}",
            department=department,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Department = new.get_model("organizations", "Department")
    StaffMember = new.get_model("organizations", "StaffMember")
    units = {d.pk: d for d in Department.objects.all()}
    assert set(units) == {welfare.pk, citizens.pk, same_name.pk}
    for pk, unit in units.items():
        assert unit.parent_id is None and unit.path == f"/{pk}/"
    assert (units[welfare.pk].name, units[welfare.pk].code) == ("福祉局 生活福祉部", "F1")
    assert dict(StaffMember.objects.values_list("staff_number", "department_id")) == {
        "1": welfare.pk,
        "2": citizens.pk,
        "3": same_name.pk,
        "4": None,
    }
    # Back to the newest state for the tests that follow (the database is kept).
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
