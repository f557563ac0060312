"""Operators answer disclosure and deletion requests from the command line."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from certificates.models import Certificate
from courses.models import Completion
from organizations.models import Learner
from organizations.scopes import NATION
from reports.figures import kpi_report
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate():
    course = factories.course(audience="citizen", lessons=1)
    completion = factories.completion(course, municipality=factories.municipality())
    learner = completion.learner
    learner.display_name = "山田 花子"
    learner.save()
    certificate = Certificate.objects.get(completion=completion)
    certificate.name_printed = "山田 花子"
    certificate.save(update_fields=["name_printed"])
    return certificate


def test_export_by_certificate_code_lists_what_is_kept(certificate):
    out = io.StringIO()
    call_command("export_learner_data", certificate.code.lower(), stdout=out)
    document = json.loads(out.getvalue())
    assert document["learner_id"] == str(certificate.completion.learner.public_id)
    assert document["display_name"] == "山田 花子"
    assert document["municipality"]["code"] == "271004"


def test_delete_keeps_statistics_and_a_verifiable_certificate_without_the_name(client, certificate):
    learner = certificate.completion.learner
    fiscal_year = certificate.completion.fiscal_year
    before = client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "山田 花子" in before
    call_command("delete_learner_data", str(learner.public_id), "--yes", stdout=io.StringIO())

    assert not Learner.objects.filter(pk=learner.pk).exists()
    assert Completion.objects.count() == 1
    assert kpi_report(scope=NATION, fiscal_year=fiscal_year).total.actual == 1
    page = client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "氏名非表示" in page and "山田" not in page


def test_unknown_identifiers_are_refused():
    with pytest.raises(CommandError):
        call_command("export_learner_data", "NOPE-NOT-A-CODE", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("delete_learner_data", "00000000-0000-0000-0000-000000000000", "--yes")
