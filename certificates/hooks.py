"""What the certificates app adds to course pages and to /my/, through Wagtail hooks."""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from courses.outline import OutlineItem
from courses.wording import for_course
from organizations.learners import current_learner

from .models import Certificate


def certificate_outline_item(request, course) -> list[OutlineItem]:
    """Once completed, the course page offers the certificate."""
    learner = current_learner(request)
    if learner is None:
        return []
    certificate = (
        Certificate.objects.filter(completion__learner=learner, completion__course=course)
        .order_by("issued_at")
        .first()
    )
    if certificate is None:
        return []
    from django.urls import reverse

    confirmed = certificate.name_confirmed_at is not None
    return [
        OutlineItem(
            title=for_course(course, "certificate_title", _("修了証")),
            url=reverse("certificate-claim", args=[certificate.code]),
            status=for_course(course, "step_certificate_issued", _("発行済み"))
            if confirmed
            else for_course(course, "step_certificate_ready", _("受け取りができます")),
            done=confirmed,
            action_label=for_course(course, "step_certificate_view", _("修了証を見る"))
            if confirmed
            else for_course(course, "step_certificate_claim", _("修了証を受け取る")),
            required=False,
            description=for_course(
                course,
                "step_certificate_serial",
                _("修了証番号：%(serial)s") % {"serial": certificate.serial},
                serial=certificate.serial,
            ),
        )
    ]


def my_certificates_section(request, learner) -> str:
    """The learner's certificates on /my/."""
    certificates = list(
        Certificate.objects.filter(completion__learner=learner)
        .select_related("completion__course")
        .order_by("-issued_at")
    )
    if not certificates:
        return ""
    return render_to_string(
        "certificates/my_section.html", {"certificates": certificates}, request=request
    )


def learner_by_certificate(identifier: str):
    """``learner_lookup`` hook: the learner of a certificate, by verification code or serial."""
    certificate = (
        Certificate.objects.filter(code=identifier.upper()).select_related("completion").first()
        or Certificate.objects.filter(serial=identifier.upper())
        .select_related("completion")
        .first()
    )
    return certificate.completion.learner if certificate and certificate.completion else None
