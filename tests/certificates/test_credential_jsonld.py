"""The served credentials expand as JSON-LD without losing or inventing a term (a second,
Python implementation: PyLD), with the contexts loaded offline from certificates/jsonld/."""

import json
from pathlib import Path

import pytest
from pyld import jsonld

from certificates import credentials
from certificates.models import Certificate
from courses import services as course_services
from organizations.models import Learner
from tests import factories

CONTEXTS = Path(credentials.__file__).parent / "jsonld"
OFFLINE = {
    credentials.VC_CONTEXT: CONTEXTS / "credentials-v2.jsonld",
    credentials.OB_CONTEXT: CONTEXTS / "ob-context-3.0.3.json",
}
UNDEFINED_TERM = "https://www.w3.org/ns/credentials/issuer-dependent#"


def offline_loader(url, options=None):
    if url not in OFFLINE:
        raise jsonld.JsonLdError(f"not available offline: {url}", "loading document failed")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(OFFLINE[url].read_text()),
    }


def leaves(value, skip=("@context", "type"), path="$"):
    """(path, value) of every string and number in a compact document (what must survive
    expansion); types are terms here and IRIs after expansion, so they are left out."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from leaves(item, skip, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, skip, f"{path}[]")
    elif isinstance(value, str | int) and not isinstance(value, bool):
        yield path, str(value)


def expanded_values(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("@value", "@id"):
                yield str(item)
            elif key == "@type":
                yield from (item if isinstance(item, list) else [item])
            else:
                yield from expanded_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from expanded_values(item)


def expansion_problems(document: dict) -> list[str]:
    """What JSON-LD safe mode would reject: terms no context defines, values dropped."""
    expanded = jsonld.expand(document, {"documentLoader": offline_loader})
    text = json.dumps(expanded)
    problems = ["undefined term " + part.split('"')[0] for part in text.split(UNDEFINED_TERM)[1:]]
    kept = set(expanded_values(expanded))
    # Terms used as values (proofPurpose) expand to IRIs ending with the term.
    suffixes = {value.rsplit("#", 1)[-1] for value in kept if "#" in value}
    problems += [
        f"dropped {path}"
        for path, leaf in leaves(document)
        if leaf not in kept and leaf not in suffixes
    ]
    return problems


@pytest.fixture
def certificate(db):
    course = factories.course(lessons=1)
    learner = Learner.objects.create(display_name="つながり 花子")
    course_services.enrollment_complete_lesson(
        learner=learner, lesson=factories.lessons_of(course)[0]
    )
    return Certificate.objects.get()


def test_credential_and_status_list_expand_cleanly(client, certificate):
    credential = client.get(f"/certificates/{certificate.code}.json").json()
    assert expansion_problems(credential) == []
    status_url = credential["credentialStatus"]["statusListCredential"]
    status = client.get(status_url.removeprefix("http://testserver")).json()
    assert expansion_problems(status) == []


def test_a_member_no_context_defines_is_caught(client, certificate):
    credential = client.get(f"/certificates/{certificate.code}.json").json()
    credential["identifier"] = [{"type": "IdentityObject", "identityHash": certificate.serial}]
    assert expansion_problems(credential) == ["dropped $.identifier[].identityHash"]
