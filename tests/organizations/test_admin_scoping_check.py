"""Area scope in the admin holds by construction: the scoped bases scope every view they
construct, and the system check refuses a viewset, chooser or bulk action of an area-scoped
model that is not a scoped one."""

import pytest
from django.core import checks
from django.core.management import call_command
from django.urls import get_resolver
from wagtail.admin.views import generic
from wagtail.admin.viewsets import viewsets as viewset_registry
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views.snippets import SnippetViewSet

from certificates.models import CourseCertificateOptions
from courses.models import ConsultationWindow
from organizations import checks as scoping_checks
from organizations.admin_scoping import (
    ScopedDeleteBulkAction,
    ScopedListingMixin,
    ScopedModelViewSet,
    ScopedObjectMixin,
    ScopedSnippetViewSet,
    SnippetChooserViewSet,
    area_scoped_view,
    is_area_scoped,
)
from organizations.models import AdminScope, Department, Municipality, StaffMember
from quizzes.models import Question
from reports.models import KpiTarget, Population, TrainingSession


def _ids(errors):
    return [error.id for error in errors]


def test_the_projects_registry_passes():
    assert scoping_checks.admin_area_scope(None) == []


def test_manage_py_check_passes():
    call_command("check")


def test_the_check_is_registered():
    assert scoping_checks.admin_area_scope in checks.registry.registry.get_checks()


@pytest.mark.parametrize(
    "model", [Municipality, Department, StaffMember, ConsultationWindow, KpiTarget, Population]
)
def test_models_with_an_area_policy_are_area_scoped(model):
    assert is_area_scoped(model)


@pytest.mark.parametrize("model", [AdminScope, Question, CourseCertificateOptions])
def test_national_content_is_not_area_scoped(model):
    assert not is_area_scoped(model)


def test_a_plain_model_viewset_of_a_scoped_model_is_an_error():
    class ForgottenDepartmentViewSet(ModelViewSet):
        model = Department
        form_fields = ["name"]

    errors = scoping_checks.unscoped_viewset_errors([ForgottenDepartmentViewSet()])
    assert _ids(errors) == ["tsunagari.E010"]
    assert "ForgottenDepartmentViewSet" in errors[0].msg
    assert "organizations.Department" in errors[0].msg
    assert errors[0].is_serious()


def test_a_plain_snippet_viewset_of_a_scoped_model_is_an_error():
    class ForgottenWindowViewSet(SnippetViewSet):
        model = ConsultationWindow

    assert _ids(scoping_checks.unscoped_viewset_errors([ForgottenWindowViewSet()])) == [
        "tsunagari.E010"
    ]


def test_an_unscoped_chooser_of_a_scoped_model_is_an_error():
    class WindowViewSet(ScopedSnippetViewSet):
        model = ConsultationWindow
        chooser_viewset_class = SnippetChooserViewSet  # lists every area's windows

    viewset = WindowViewSet()
    errors = scoping_checks.unscoped_viewset_errors([viewset, viewset.chooser_viewset])
    assert _ids(errors) == ["tsunagari.E011"]


def test_the_scoped_bases_and_national_viewsets_pass():
    class DepartmentViewSet(ScopedModelViewSet):
        model = Department
        form_fields = ["name"]

    class QuestionViewSet(SnippetViewSet):
        model = Question

    class WindowViewSet(ScopedSnippetViewSet):
        model = ConsultationWindow

    window_viewset = WindowViewSet()
    assert (
        scoping_checks.unscoped_viewset_errors(
            [DepartmentViewSet(), QuestionViewSet(), window_viewset, window_viewset.chooser_viewset]
        )
        == []
    )


def test_an_unscoped_bulk_action_of_a_scoped_model_is_an_error(monkeypatch):
    def actions(app_label, model_name):
        return [DeleteBulkAction] if model_name == "consultationwindow" else []

    monkeypatch.setattr(scoping_checks.bulk_action_registry, "get_bulk_actions_for_model", actions)
    errors = scoping_checks.unscoped_bulk_action_errors([ConsultationWindow, Question])
    assert _ids(errors) == ["tsunagari.E012"]
    errors = scoping_checks.admin_area_scope(None)
    assert _ids(errors) == ["tsunagari.E012"]


def test_the_registered_bulk_delete_of_snippets_is_the_scoped_one():
    actions = scoping_checks.bulk_action_registry.get_bulk_actions_for_model(
        "courses", "consultationwindow"
    )
    assert list(actions) == [ScopedDeleteBulkAction]


def test_a_plain_view_class_in_a_scoped_viewset_is_scoped_when_constructed():
    class DepartmentViewSet(ScopedModelViewSet):
        model = Department
        form_fields = ["name"]
        edit_view_class = generic.EditView  # a subclass's own view, not wrapped

    viewset = DepartmentViewSet()
    assert issubclass(viewset.edit_view.view_class, ScopedObjectMixin)
    assert issubclass(viewset.edit_view.view_class, generic.EditView)
    assert issubclass(viewset.index_view.view_class, ScopedListingMixin)
    # One class per view: constructing again does not make a new one.
    assert area_scoped_view(generic.EditView) is area_scoped_view(generic.EditView)
    assert (
        area_scoped_view(area_scoped_view(generic.EditView)).__mro__.count(ScopedObjectMixin) == 1
    )


def _registered_scoped_viewsets():
    get_resolver().url_patterns  # noqa: B018  (Wagtail registers the viewsets with its URLs)
    return [
        viewset
        for viewset in viewset_registry.viewsets
        if isinstance(getattr(viewset, "model", None), type)
        and is_area_scoped(viewset.model)
        and not hasattr(viewset, "choose_view_class")
    ]


def test_every_view_of_every_registered_scoped_viewset_checks_the_area():
    viewsets = _registered_scoped_viewsets()
    assert {viewset.model for viewset in viewsets} >= {
        Municipality,
        Department,
        StaffMember,
        ConsultationWindow,
        TrainingSession,
        KpiTarget,
        Population,
    }
    unscoped = []
    for viewset in viewsets:
        for pattern in viewset.get_urlpatterns():
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is None or not issubclass(view_class, ScopedObjectMixin):
                unscoped.append(f"{type(viewset).__name__}:{pattern.name}")
            elif issubclass(view_class, generic.IndexView) and not issubclass(
                view_class, ScopedListingMixin
            ):
                unscoped.append(f"{type(viewset).__name__}:{pattern.name} (listing)")
    assert unscoped == []
