import pytest
from django.db import IntegrityError

from organizations.models import AdminScope, Department
from organizations.scopes import scope_for_user
from tests import factories


@pytest.fixture
def areas(db):
    osaka = factories.municipality("271004", "大阪市")
    kita = factories.municipality("271276", "大阪市北区", parent=osaka, kind="ward")
    sakai = factories.municipality("271403", "堺市")
    tokyo = factories.prefecture("13", "東京都")
    chiyoda = factories.municipality("131016", "千代田区", pref=tokyo, kind="special_ward")
    return {"osaka": osaka, "kita": kita, "sakai": sakai, "chiyoda": chiyoda}


def test_municipal_administrator_sees_own_city_and_its_wards_only(areas):
    user = factories.user()
    AdminScope.objects.create(user=user, level="municipality", municipality=areas["osaka"])
    scope = scope_for_user(user)
    assert set(scope.municipalities()) == {areas["osaka"], areas["kita"]}
    assert scope.allows_municipality(areas["kita"])
    assert not scope.allows_municipality(areas["sakai"])
    assert not scope.allows_prefecture("27")
    osaka_dept = Department.objects.create(municipality=areas["osaka"], name="福祉局")
    Department.objects.create(municipality=areas["sakai"], name="健康福祉局")
    assert list(scope.filter(Department.objects.all())) == [osaka_dept]


def test_prefectural_administrator_sees_the_prefecture(areas):
    user = factories.user()
    AdminScope.objects.create(user=user, level="prefecture", prefecture_id="27")
    scope = scope_for_user(user)
    assert set(scope.municipalities()) == {areas["osaka"], areas["kita"], areas["sakai"]}
    assert not scope.allows_municipality(areas["chiyoda"])
    assert scope.allows_prefecture("27")


def test_superuser_sees_the_nation_and_others_nothing(areas):
    admin = factories.user(is_superuser=True)
    assert scope_for_user(admin).allows_municipality(areas["chiyoda"])
    citizen = factories.user()
    assert scope_for_user(citizen) is None


def test_scope_rows_must_name_the_area_of_their_level(areas):
    user = factories.user()
    with pytest.raises(IntegrityError):
        AdminScope.objects.create(user=user, level="municipality")
