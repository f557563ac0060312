"""From a Certificate to the content the PDF renderer draws, and the cached PDF bytes."""

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime, time
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from wagtail.models import Site

from base.dates import TOKYO, tokyo_date
from courses import wording as course_wording
from courses.ruby import strip_ruby

from .japanese_dates import format_wareki
from .models import DEFAULT_BODY, Certificate, CertificateSettings, CourseCertificateOptions
from .pdf import CardContent, CertificateContent, render_cards, render_certificate

PDF_CACHE_SECONDS = 7 * 24 * 3600


def absolute_url(path: str) -> str:
    return settings.BASE_URL.rstrip("/") + path


class _Wording:
    """The default site, its certificate settings and each course's certificate options, each
    read from the database once for the life of the instance."""

    def __init__(self):
        self._options = {}
        self._images = {}

    @cached_property
    def site(self):
        return Site.objects.filter(is_default_site=True).first()

    @cached_property
    def site_settings(self):
        return CertificateSettings.for_site(self.site) if self.site else CertificateSettings()

    def options(self, course_id: int):
        if course_id not in self._options:
            self._options[course_id] = CourseCertificateOptions.objects.filter(
                course_id=course_id
            ).first()
        return self._options[course_id]

    def image_bytes(self, image) -> bytes | None:
        """The stored file of a logo or seal (read from storage once, not per certificate)."""
        if image is None:
            return None
        if image.pk not in self._images:
            self._images[image.pk] = _image_bytes(image)
        return self._images[image.pk]


_shared_wording: ContextVar[_Wording | None] = ContextVar("certificate_wording", default=None)


@contextmanager
def wording_read_once():
    """Inside this block, certificates share one read of the site, its certificate settings
    and each course's options (a bulk export: three queries per certificate otherwise).

    Changes saved to those settings meanwhile are not seen inside the block, so every
    certificate of one export is worded alike.
    """
    token = _shared_wording.set(_Wording())
    try:
        yield
    finally:
        _shared_wording.reset(token)


def _image_bytes(image) -> bytes | None:
    if image is None:
        return None
    with image.open_file() as handle:
        return handle.read()


def _images(certificate: Certificate, options, site_settings):
    logo = (options and options.logo) or site_settings.logo
    seal = (options and options.seal) or site_settings.seal
    return logo, seal


def certificate_text(certificate: Certificate):
    """Everything printed on the certificate except the image bytes, and the logo and seal
    images to print (pages that only show the text, and the PDF cache key, need not read image
    files from storage)."""
    completion = certificate.completion
    course = completion.course
    wording = _shared_wording.get() or _Wording()
    site, site_settings = wording.site, wording.site_settings
    options = wording.options(course.pk)
    issuer_name = (options and options.issuer_name) or site_settings.issuer_name
    issuer_title = (options and options.issuer_title) or site_settings.issuer_title
    body_template = (options and options.body_template) or site_settings.body_template
    course_title = strip_ruby(course.title)
    day = tokyo_date(certificate.issued_at)
    created = datetime.combine(day, time(0, 0), tzinfo=TOKYO)
    logo, seal = _images(certificate, options, site_settings)
    content = CertificateContent(
        title="修了証",
        name=certificate.name_printed,
        course_title=course_title,
        body=(body_template or DEFAULT_BODY).replace("{course}", course_title),
        date_text=format_wareki(day, with_western=not (options and options.era_only)),
        issuer_name=issuer_name or (site.site_name if site else ""),
        issuer_title=issuer_title,
        serial=certificate.serial,
        verify_url=absolute_url(certificate.get_absolute_url()),
        document_id=hashlib.sha256(
            f"{certificate.serial}:{certificate.version}".encode()
        ).hexdigest()[:32],
        created=created,
    )
    # A document in Japanese whatever the language of the page it was asked from.
    if course.audience == course_wording.CHILDREN_AUDIENCE:
        content = _worded_for_children(content, course, day, body_template)
    return content, (logo, seal)


def _worded_for_children(content, course, day, body_template):
    """The children's course certificate in a child's words, with readings drawn above the
    kanji. An operator's own wording for the body (site or course setting) is kept; what the
    verification page shows (course title, date) stays plain."""
    return replace(
        content,
        ruby=True,
        title=course_wording.children_text("certificate_title"),
        body=(
            body_template.replace("{course}", strip_ruby(course.title))
            if body_template and body_template != DEFAULT_BODY
            else course_wording.children_text("certificate_body", course=course.title)
        ),
        printed_date=course_wording.date_with_ruby(day),
        honorific=course_wording.children_text("certificate_honorific"),
        serial_label=course_wording.children_text("certificate_serial"),
        verify_label=course_wording.children_text("certificate_verify"),
    )


def _read_image(image) -> bytes | None:
    wording = _shared_wording.get()
    return wording.image_bytes(image) if wording else _image_bytes(image)


def certificate_content(certificate: Certificate):
    """Everything printed on the certificate, resolved from site settings and course options."""
    content, (logo, seal) = certificate_text(certificate)
    return replace(content, logo_png=_read_image(logo), seal_png=_read_image(seal))


def _pdf_cache_key(content, images) -> str:
    # Images are named by their stored files, so replacing one changes the key.
    files = tuple(str(image.file) if image else "" for image in images)
    return "certificate-pdf:" + hashlib.sha256(repr((content, files)).encode()).hexdigest()


def forget_cached_pdf(certificate: Certificate) -> None:
    """Drop the cached PDF of the certificate as it is now (before its name is removed: the
    cached file prints the name, and must not outlive the learner's deletion)."""
    content, images = certificate_text(certificate)
    cache.delete(_pdf_cache_key(content, images))


def certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF, rendered once per certificate version and wording, then served from cache."""
    content, images = certificate_text(certificate)
    key = _pdf_cache_key(content, images)
    pdf = cache.get(key)
    if pdf is None:
        logo, seal = images
        pdf = render_certificate(
            replace(content, logo_png=_read_image(logo), seal_png=_read_image(seal))
        )
        cache.set(key, pdf, PDF_CACHE_SECONDS)
    return pdf


def card_content(certificate: Certificate):
    """The wallet-size supporter card of a certificate (name optional, QR to verification)."""
    content, _images = certificate_text(certificate)
    course = certificate.completion.course
    return CardContent(
        name=content.name,
        course_title=course.title if content.ruby else content.course_title,
        date_text=content.printed_date or content.date_text,
        issuer_name=content.issuer_name,
        serial=content.serial,
        verify_url=content.verify_url,
        ruby=content.ruby,
        honorific=content.honorific,
    )


def cards_pdf(certificate: Certificate, *, with_name: bool = True) -> bytes:
    """An A4 sheet with two copies of the learner's supporter card and cut marks."""

    card = card_content(certificate)
    if not with_name:
        card = replace(card, name="")
    return render_cards([card, card])
