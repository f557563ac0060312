import pytest
from django.core.management import call_command

from organizations.models import Municipality, Prefecture


@pytest.mark.django_db
def test_import_loads_every_local_government_and_is_idempotent(capsys):
    call_command("import_municipalities")
    assert Prefecture.objects.count() == 47
    assert Municipality.objects.count() == 1916
    first = capsys.readouterr().out
    assert "created 1916" in first

    call_command("import_municipalities")
    assert Municipality.objects.count() == 1916
    assert "unchanged 1916" in capsys.readouterr().out


@pytest.mark.django_db
def test_wards_belong_to_their_designated_city():
    call_command("import_municipalities")
    osaka = Municipality.objects.get(code="271004")
    assert osaka.name == "大阪市"
    assert osaka.prefecture.name == "大阪府"
    assert osaka.kind == Municipality.Kind.CITY
    kita = Municipality.objects.get(name="大阪市北区")
    assert kita.parent == osaka
    assert kita.kind == Municipality.Kind.WARD
    assert osaka.wards.count() == 24
    # Tokyo's special wards are municipalities in their own right, not wards of a city.
    chiyoda = Municipality.objects.get(name="千代田区")
    assert chiyoda.parent is None
    assert chiyoda.kind == Municipality.Kind.SPECIAL_WARD
    assert Municipality.objects.filter(kind=Municipality.Kind.WARD).count() == 175


@pytest.mark.django_db
def test_codes_keep_their_leading_zeros():
    call_command("import_municipalities")
    sapporo = Municipality.objects.get(name="札幌市")
    assert sapporo.code == "011002"
    assert sapporo.prefecture_id == "01"


@pytest.mark.django_db
def test_reimport_repairs_a_changed_name():
    call_command("import_municipalities")
    Municipality.objects.filter(code="271004").update(name="旧名")
    call_command("import_municipalities")
    assert Municipality.objects.get(code="271004").name == "大阪市"
