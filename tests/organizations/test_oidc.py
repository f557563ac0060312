"""Staff sign-in through the municipality's identity provider: only imported, active staff
named by the IdP's claims get in, and no account is ever created from claims."""

import pytest
from django.contrib.auth import get_user_model

from organizations.models import StaffMember
from organizations.oidc import StaffOIDCBackend
from tests import factories
from tests.courses.staff_helpers import roster

OIDC = {
    "OIDC_RP_CLIENT_ID": "tsunagari",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.lg.jp/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.lg.jp/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example.lg.jp/userinfo",
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.lg.jp/jwks",
    "OIDC_CREATE_USER": False,
    "OIDC_STAFF_NUMBER_CLAIM": "employee_number",
    "OIDC_MUNICIPALITY_CLAIM": "lgcode",
    "OIDC_MUNICIPALITY_CODE": "",
}


@pytest.fixture
def backend(db, settings):
    for name, value in OIDC.items():
        setattr(settings, name, value)
    osaka = factories.municipality("271004", "大阪市")
    sakai = factories.municipality("271403", "堺市")
    roster(osaka, [("1001", "大阪 花子", "福祉局"), ("1002", "大阪 太郎", "福祉局")])
    roster(sakai, [("1001", "堺 花子", "健康福祉局")])
    return StaffOIDCBackend()


def test_claims_find_the_imported_staff_member_of_that_municipality(backend):
    users = backend.filter_users_by_claims({"employee_number": "１００１", "lgcode": "271004"})
    assert [u.username for u in users] == ["271004-1001"]
    assert backend.verify_claims({"employee_number": "1001", "lgcode": "271004"})


def test_unknown_people_leavers_and_missing_claims_get_nobody(backend):
    StaffMember.objects.filter(staff_number="1002", municipality__code="271004").update(
        status="leaving"
    )
    assert not backend.filter_users_by_claims({"employee_number": "1002", "lgcode": "271004"})
    assert not backend.filter_users_by_claims({"employee_number": "9999", "lgcode": "271004"})
    assert not backend.filter_users_by_claims({"email": "someone@example.jp"})
    assert not backend.verify_claims({"email": "someone@example.jp"})
    before = get_user_model().objects.count()
    assert backend.create_user({"employee_number": "9999", "lgcode": "271004"}) is None
    assert get_user_model().objects.count() == before


def test_fixed_municipality_when_the_idp_sends_no_code(backend, settings):
    settings.OIDC_MUNICIPALITY_CLAIM = ""
    settings.OIDC_MUNICIPALITY_CODE = "271403"
    users = backend.filter_users_by_claims({"employee_number": "1001"})
    assert [u.learner.staff_member.name for u in users] == ["堺 花子"]
