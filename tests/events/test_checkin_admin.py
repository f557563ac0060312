"""The organiser's check-in screens: the slide with the rotating code and its QR code, and the
A4 poster; only for the course's organiser and the administrators of its area."""

import datetime as dt
import io

import pytest
import zxingcpp
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from events import checkin_admin, checkin_codes
from events.models import PlannedCourse


@pytest.fixture
def organiser(areas, admin_osaka, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"], organisation="受付の会")


@pytest.fixture
def course(organiser, make_plan):
    plan = make_plan(organiser, capacity=30)
    starts = timezone.now() - dt.timedelta(minutes=5)
    PlannedCourse.objects.filter(pk=plan.pk).update(
        starts_at=starts, ends_at=starts + dt.timedelta(minutes=90)
    )
    plan.refresh_from_db()
    return plan


def test_the_slide_shows_the_current_code_and_a_qr_code_to_it(client, organiser, course):
    client.force_login(organiser.user)
    response = client.get(reverse("plannedcourse:checkin", args=[course.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    digits = html.split('class="slide__digits" aria-live="polite">')[1][:4]
    assert checkin_codes.is_valid(course.pk, digits)
    assert '<meta http-equiv="refresh" content="20">' in html
    assert "<svg" in html and "受付済み 0 人" in html
    assert "no-store" in response["Cache-Control"]
    # Nothing from another host.
    assert "https://" not in html.replace(checkin_admin.check_in_url(course), "")


def test_the_qr_code_encodes_the_check_in_address_with_the_code():
    url = "https://example.jp/courses/5/check-in/?code=0123"
    svg = str(checkin_admin.qr_svg(url, label="x"))
    assert svg.startswith("<svg") and svg.count("<rect") > 50
    # The same modules as the certificates' QR codes, which a reader decodes.
    decoded = zxingcpp.read_barcode(
        zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image()
    )
    assert decoded.text == url


def test_the_poster_is_an_a4_pdf_with_the_check_in_address(client, organiser, course):
    client.force_login(organiser.user)
    response = client.get(reverse("plannedcourse:checkin_poster", args=[course.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert round(float(page.mediabox.width)) == 595
    text = page.extract_text()
    assert checkin_admin.check_in_url(course) in text
    assert "4 けたの番号" in text


def test_the_listing_and_the_plan_offer_the_check_in_button(client, organiser, course):
    client.force_login(organiser.user)
    target = reverse("plannedcourse:checkin", args=[course.pk])
    for name in ("plannedcourse:index", "plannedcourse:edit", "plannedcourse:inspect"):
        args = [] if name.endswith("index") else [course.pk]
        html = client.get(reverse(name, args=args)).content.decode()
        assert target in html and "受付（QR コード）" in html, name


def test_another_organiser_and_another_area_are_refused(
    client, areas, admin_sakai, make_organiser, course
):
    other = make_organiser(admin_sakai, areas["sakai"], name="other")
    for user in (other.user, admin_sakai):
        client.force_login(user)
        for name in ("plannedcourse:checkin", "plannedcourse:checkin_poster"):
            assert client.get(reverse(name, args=[course.pk])).status_code in (302, 403), name


def test_the_municipal_administrator_opens_the_slide(client, admin_osaka, course):
    client.force_login(admin_osaka)
    assert client.get(reverse("plannedcourse:checkin", args=[course.pk])).status_code == 200
