"""What the certificates app adds to course pages and to /my/, through Wagtail hooks."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from courses.outline import OutlineItem
from courses.wording import for_course
from organizations.learners import current_learner

from .models import Certificate
from .services import certificates_follow_profile_name


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


def certificates_follow_display_name(learner, user) -> list[str]:
    """``learner_display_name_changed`` hook: reissue the learner's certificates with the new
    name, and say what happened (shown on the page after saving the profile)."""
    result = certificates_follow_profile_name(learner=learner, user=user)
    notes = []
    if result.reissued:
        serials = "、".join(c.serial for c in result.reissued)
        if learner.display_name.strip():
            note = _(
                "修了証（修了証番号 %(serials)s）を新しい氏名「%(name)s」で再発行しました。"
            ) % {"serials": serials, "name": learner.display_name.strip()}
        else:
            note = _("修了証（修了証番号 %(serials)s）を氏名なしで再発行しました。") % {
                "serials": serials
            }
        notes.append(
            note
            + _(
                "修了証番号は変わりません。以前に保存・印刷した修了証は差し替え前の版になるので、"
                "マイページから新しい PDF を保存してください。"
            )
        )
    if result.revoked:
        notes.append(
            _("失効している修了証（修了証番号 %(serials)s）の氏名は変更していません。")
            % {"serials": "、".join(c.serial for c in result.revoked)}
        )
    return notes


def certificates_export(learner) -> dict:
    """``learner_data_export`` hook: the learner's certificates and their history (the
    administrator's internal revocation reason is not part of it, as on every public page)."""
    certificates = (
        Certificate.objects.filter(completion__learner=learner)
        .select_related("completion__course")
        .prefetch_related("events")
        .order_by("issued_at", "pk")
    )
    return {
        "certificates": [
            {
                "serial": certificate.serial,
                "verification_code": certificate.code,
                "course": certificate.completion.course.plain_title,
                "issued_at": certificate.issued_at.isoformat(),
                "name_printed": certificate.name_printed,
                "version": certificate.version,
                "revoked_at": certificate.revoked_at.isoformat()
                if certificate.revoked_at
                else None,
                "history": [
                    {
                        "event": event.get_kind_display(),
                        "at": event.at.isoformat(),
                        **{
                            key: event.detail[key]
                            for key in ("old_name", "new_name", "version")
                            if key in event.detail
                        },
                    }
                    for event in certificate.events.all()
                ],
            }
            for certificate in certificates
        ]
    }
