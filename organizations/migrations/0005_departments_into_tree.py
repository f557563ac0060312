"""Today's flat departments become the roots of each municipality's tree (path "/<id>/").

Nothing else changes: every department keeps its id, name and code, so every staff member,
learner, administrator's scope and assignment that points to one still does.
"""

from django.db import migrations


def flat_departments_to_roots(apps, schema_editor):
    Department = apps.get_model("organizations", "Department")
    for department in Department.objects.filter(path="").iterator():
        Department.objects.filter(pk=department.pk).update(path=f"/{department.pk}/", parent=None)


def roots_to_flat(apps, schema_editor):
    # Going back is only possible while the tree is still flat (names unique per municipality).
    Department = apps.get_model("organizations", "Department")
    if Department.objects.filter(parent__isnull=False).exists():
        raise RuntimeError("所属が階層になっているため、元に戻せません。")
    Department.objects.update(path="")


class Migration(migrations.Migration):
    dependencies = [("organizations", "0004_department_tree_positions_delegations")]

    operations = [migrations.RunPython(flat_departments_to_roots, roots_to_flat)]
