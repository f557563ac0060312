"""The package is served from this site's own host, to the staff assigned the course only."""

import pytest
from django.urls import reverse

from scorm.models import ScormPage

pytestmark = pytest.mark.django_db


def file_url(world, path="index.html"):
    return f"/scorm/{world['package'].pk}/{path}"


def test_the_assigned_staff_member_gets_the_package_files_with_their_types(client, world):
    client.force_login(world["assigned_user"])
    for path, content_type in (
        ("index.html", "text/html"),
        ("js/sco.js", "text/javascript"),
        ("css/sco.css", "text/css"),
        ("imsmanifest.xml", "application/xml"),
    ):
        response = client.get(file_url(world, path))
        assert response.status_code == 200, path
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(client.get(file_url(world, "js/sco.js")).streaming_content)
    assert b"window.parent.API" in body


def test_the_files_run_under_a_policy_of_their_own_path(client, world):
    client.force_login(world["assigned_user"])
    response = client.get(file_url(world))
    policy = response["Content-Security-Policy"]
    own = f"http://testserver/scorm/{world['package'].pk}/"
    assert "default-src 'none'" in policy
    assert f"script-src {own} 'unsafe-inline' 'unsafe-eval'" in policy
    assert f"connect-src {own}" in policy
    assert "'self'" not in policy.split("frame-ancestors")[0]  # not the whole site
    assert "frame-ancestors 'self'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("who", ["unassigned_user", "other_city_user"])
def test_staff_not_assigned_the_course_get_nothing(client, world, who):
    client.force_login(world[who])
    assert client.get(file_url(world)).status_code == 403
    assert client.get(world["page"].url).status_code == 403


def test_a_visitor_gets_nothing_and_is_asked_to_log_in_on_the_page(client, world):
    assert client.get(file_url(world)).status_code == 403
    response = client.get(world["page"].url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "path", ["../index.html", "js/../../x", "%2e%2e/index.html", "js\\sco.js", "missing.html"]
)
def test_paths_outside_the_package_are_not_found(client, world, path):
    client.force_login(world["assigned_user"])
    assert client.get(file_url(world, path)).status_code == 404


def test_an_unpublished_page_opens_nothing(client, world):
    ScormPage.objects.filter(pk=world["page"].pk).update(live=False)
    client.force_login(world["assigned_user"])
    assert client.get(file_url(world)).status_code == 403


def test_the_launch_page_frames_the_package_in_a_sandbox(client, world):
    client.force_login(world["assigned_user"])
    response = client.get(world["page"].url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'sandbox="allow-scripts allow-same-origin"' in html
    assert f'data-src="/scorm/{world["package"].pk}/index.html"' in html
    assert "/static/vendor/scorm-again/scorm12.min.js" in html
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_a_scorm_page_can_be_added_only_under_a_staff_course(world):
    from tests import factories

    citizen_course = factories.course(audience="citizen", lessons=1)
    assert not ScormPage.can_create_at(citizen_course)
    assert not ScormPage.can_create_at(world["course"])  # it has one already
    assert ScormPage.can_create_at(factories.course(audience="staff", lessons=0))


def test_an_editor_adds_the_scorm_page_under_a_staff_course_in_the_admin(
    client, world, django_user_model
):
    from tests.courses.staff_helpers import staff_course

    client.force_login(django_user_model.objects.create_superuser("national", password="pw-1"))
    course = staff_course(lessons=0)
    url = reverse("wagtailadmin_pages:add", args=["scorm", "scormpage", course.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "ハラスメント防止研修",
            "slug": "harassment",
            "package": world["package"].pk,
            "intro": "",
            "action-publish": "publish",
        },
    )
    assert response.status_code == 302
    page = ScormPage.objects.get(slug="harassment")
    assert page.live and page.package == world["package"] and page.course == course


def test_a_package_in_use_cannot_be_deleted(client, world, django_user_model):
    from scorm.models import ScormPackage

    client.force_login(django_user_model.objects.create_superuser("national", password="pw-1"))
    url = reverse("wagtailsnippets_scorm_scormpackage:delete", args=[world["package"].pk])
    response = client.post(url)
    assert response.status_code in (200, 302)
    assert ScormPackage.objects.filter(pk=world["package"].pk).exists()
