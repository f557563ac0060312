"""The organiser's check-in screens (受付（QR コード）) in the admin: the full-screen slide with
the rotating code and its QR code, and the A4 poster with the course's fixed QR code.

Both are object views of the 開催計画 viewset, so the viewset's area scoping and the
``PlannedCoursePermissionPolicy`` decide who opens them: the course's organiser, and the
administrators of its area. Nothing is loaded from another host: the QR code is inline SVG on
the slide and a vector path in the PDF.
"""

import io

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.generic import TemplateView
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from base.glyphs import GOTHIC, GOTHIC_BOLD
from certificates.pdf import register_fonts
from certificates.qr import qr_modules, qr_path
from courses.ruby import strip_ruby

from . import checkin_codes, services
from .models import CheckIn, PlannedCourse

# The slide reloads itself this often: the code changes every minute and the previous one is
# still accepted, so what the screen shows is always valid, without JavaScript.
SLIDE_REFRESH_SECONDS = 20
INK = HexColor("#1b1b1b")


def check_in_url(course: PlannedCourse, code: str | None = None) -> str:
    """The absolute address of the course's check-in page (with ``?code=`` for the slide)."""
    path = reverse("course-check-in", args=[course.pk])
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return f"{base}{path}" + (f"?code={code}" if code else "")


def qr_svg(text: str, *, label: str) -> SafeString:
    """The QR code of ``text`` as an inline SVG (one rectangle per run of dark modules), with
    a quiet zone of four modules."""
    modules = qr_modules(text)
    size = len(modules) + 8
    runs = []
    for row, cells in enumerate(modules):
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < len(cells) and cells[column]:
                column += 1
            runs.append((start + 4, row + 4, column - start))
    rects = format_html_join(
        "", '<rect x="{}" y="{}" width="{}" height="1"/>', ((x, y, w) for x, y, w in runs)
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {0}" role="img" '
        'aria-label="{1}" shape-rendering="crispEdges" class="qr">'
        '<rect width="{0}" height="{0}" fill="#fff"/><g fill="#000">{2}</g></svg>',
        size,
        label,
        rects,
    )


class CourseObjectView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin):
    """A view of one course plan: 403 outside the user's courses (the viewset scopes it)."""

    model = PlannedCourse
    permission_required = "view"
    header_icon = "date"

    def get_base_object_queryset(self):
        return PlannedCourse.objects.select_related("course", "municipality", "organiser")


class CheckInSlideView(CourseObjectView, TemplateView):
    """The full-screen slide: the code in big digits, its QR code, the count so far."""

    template_name = "events/admin/checkin_slide.html"
    page_title = gettext_lazy("受付（QR コード）")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        course = self.object
        now = timezone.now()
        code = checkin_codes.current_code(course.pk, now)
        opens, closes = services.check_in_window(course)
        context.update(
            course=course,
            title=strip_ruby(course.course.title),
            when=date_format(course.held_on, pgettext("date format", "Y年n月j日（D）")),
            code=code,
            qr=qr_svg(check_in_url(course, code), label=_("受付のページへの QR コード")),
            check_ins=CheckIn.objects.filter(course=course).count(),
            is_open=services.check_in_is_open(course, now),
            opens_at=timezone.localtime(opens),
            closes_at=timezone.localtime(closes),
            refresh=SLIDE_REFRESH_SECONDS,
            short_url=check_in_url(course),
            poster_url=reverse("plannedcourse:checkin_poster", args=[course.pk]),
            back_url=reverse("plannedcourse:inspect", args=[course.pk]),
        )
        return context


class CheckInPosterView(CourseObjectView, TemplateView):
    """The A4 poster (PDF): the course, a fixed QR code to its check-in page, and how to use it."""

    def get(self, request, *args, **kwargs):
        course = self.object
        response = HttpResponse(poster_pdf(course), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="check-in-{course.pk}.pdf"'
        return response


def _centred(canvas, text: str, font: str, size: float, y: float) -> None:
    canvas.setFont(font, size)
    canvas.drawCentredString(A4[0] / 2, y, text)


def poster_pdf(course: PlannedCourse) -> bytes:
    """The check-in poster of ``course`` as an A4 PDF."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = pdf_canvas.Canvas(buffer, pagesize=A4, invariant=1, initialFontName=GOTHIC)
    canvas.setTitle(_("受付（チェックイン）") + f" {course.pk}")
    width, height = A4
    canvas.setFillColor(INK)
    _centred(canvas, _("受付（チェックイン）"), GOTHIC_BOLD, 34, height - 40 * mm)
    title = strip_ruby(course.course.title)
    _centred(canvas, title[:28], GOTHIC_BOLD, 20, height - 56 * mm)
    when = (
        date_format(course.held_on, pgettext("date format", "Y年n月j日（D）"))
        + f" {course.start_time:%H:%M}〜{course.end_time:%H:%M}"
    )
    _centred(canvas, when, GOTHIC, 16, height - 66 * mm)
    if course.venue_name:
        _centred(canvas, course.venue_name[:36], GOTHIC, 14, height - 74 * mm)
    size = 110 * mm
    x, y = (width - size) / 2, height - 82 * mm - size
    url = check_in_url(course)
    modules = qr_modules(url)
    module = size / len(modules)
    canvas.saveState()
    canvas.transform(module, 0, 0, module, x, y)
    canvas.addLiteral(qr_path(modules))
    canvas.restoreState()
    steps = [
        _("1. スマートフォンのカメラで QR コードを読み取ってください。"),
        _("2. 会場の画面に出ている 4 けたの番号（または主催者が読み上げる番号）を"),
        _("    入力してください。番号は 1 分ごとに変わります。"),
        _("3. 受講者区分を選んで「受付する」を押すと、受付は完了です。"),
        _("    そのままサポーターカードを受け取れます。アカウントは要りません。"),
    ]
    line = y - 14 * mm
    canvas.setFont(GOTHIC, 13)
    for step in steps:
        canvas.drawString(25 * mm, line, step)
        line -= 8 * mm
    canvas.setFont(GOTHIC, 11)
    canvas.drawCentredString(width / 2, 20 * mm, url)
    canvas.drawCentredString(
        width / 2,
        14 * mm,
        _("名前は聞きません。受付は講座の開始 30 分前から終了 30 分後までです。"),
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
