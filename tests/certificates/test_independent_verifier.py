"""The served credential verifies with Digital Bazaar's verifier (tests/verifier/, run by Node
against a live server), and copies with a changed signed member do not.

Node and the verifier's npm packages are part of the test environment (.ci/run runs
``npm ci`` in tests/verifier): a missing Node fails these tests rather than skipping them.
"""

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from certificates import services
from certificates.models import Certificate
from courses import services as course_services
from organizations.models import Learner
from tests import factories

VERIFIER = Path(__file__).resolve().parents[1] / "verifier"


def run_verifier(source: str) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed to run the independent verifier (tests/verifier/)"
    assert (VERIFIER / "node_modules").is_dir(), "run `npm ci` in tests/verifier first"
    completed = subprocess.run(  # noqa: S603 - fixed program, arguments from the test
        [node, str(VERIFIER / "verify.js"), source],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = completed.stdout.strip().splitlines()
    assert lines, completed.stderr
    result = json.loads(lines[-1])
    assert (completed.returncode == 0) == (result["verified"] and result["revoked"] is False)
    return result


# The live server reads the database from another thread, so the test commits; serialized
# rollback leaves the database as the next (serialized_rollback) test expects it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def served(live_server, settings):
    """A certificate issued on a live server whose public URL is the server's own."""
    settings.BASE_URL = live_server.url
    course = factories.course(lessons=1)
    learner = Learner.objects.create(display_name="𠮷田 はなこ")
    course_services.enrollment_complete_lesson(
        learner=learner, lesson=factories.lessons_of(course)[0]
    )
    certificate = Certificate.objects.get()
    return certificate, f"{live_server.url}/certificates/{certificate.code}.json"


def test_served_credential_verifies_and_tampered_copies_do_not(served, tmp_path):
    certificate, url = served
    result = run_verifier(url)
    assert result == {"verified": True, "revoked": False, "expanded": True, "errors": []}

    import urllib.request

    with urllib.request.urlopen(url) as response:  # noqa: S310 - the live test server
        credential = json.load(response)
    changes = {
        "name": lambda c: c.__setitem__("name", "偽の修了証"),
        "subject": lambda c: c["credentialSubject"].__setitem__("name", "別人 太郎"),
        "issuer": lambda c: c["issuer"].__setitem__("name", "偽の市長"),
        "validFrom": lambda c: c.__setitem__("validFrom", "2020-01-01T00:00:00Z"),
        "proof-created": lambda c: c["proof"][0].__setitem__("created", "2020-01-01T00:00:00Z"),
    }
    for label, change in changes.items():
        tampered = copy.deepcopy(credential)
        change(tampered)
        path = tmp_path / f"{label}.json"
        path.write_text(json.dumps(tampered, ensure_ascii=False))
        assert run_verifier(str(path))["verified"] is False, label

    # A member that no context defines fails JSON-LD safe-mode expansion.
    undefined = copy.deepcopy(credential)
    undefined["identifier"] = [{"type": "IdentityObject", "identityHash": certificate.serial}]
    path = tmp_path / "undefined.json"
    path.write_text(json.dumps(undefined, ensure_ascii=False))
    assert run_verifier(str(path))["expanded"] is False

    untouched = tmp_path / "copy.json"
    untouched.write_text(json.dumps(credential, ensure_ascii=False))
    assert run_verifier(str(untouched))["verified"] is True


def test_a_wallets_copy_learns_of_the_revocation(served, tmp_path):
    certificate, url = served
    import urllib.request

    with urllib.request.urlopen(url) as response:  # noqa: S310 - the live test server
        held = response.read()
    services.certificate_revoke(certificate=certificate, reason="誤発行", user=None)
    copy_in_wallet = tmp_path / "held.json"
    copy_in_wallet.write_bytes(held)
    result = run_verifier(str(copy_in_wallet))
    # The signature still verifies; the status list says it is revoked.
    assert result["verified"] is True
    assert result["revoked"] is True
