"""System checks that area scope in the Wagtail admin holds by construction.

A model is *area-scoped* when its registered permission policy is an ``AreaPermissionPolicy``
(``admin_scoping.is_area_scoped``). Every Wagtail viewset, chooser and bulk action registered
for such a model must be one of the scoped bases of ``organizations.admin_scoping``; a plain
``ModelViewSet`` of one would show every municipality's rows to every administrator.
"""

from django.apps import apps
from django.core import checks
from django.urls import get_resolver
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.viewsets import viewsets as viewset_registry
from wagtail.admin.viewsets.chooser import ChooserViewSet

from .admin_scoping import (
    ScopedBulkActionMixin,
    ScopedChooserViewSet,
    ScopedViewSetMixin,
    is_area_scoped,
)


def _label(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def unscoped_viewset_errors(viewsets) -> list[checks.Error]:
    """An error for each viewset of ``viewsets`` that serves an area-scoped model without
    being scoped: ``tsunagari.E010`` (model viewsets and snippet viewsets), ``tsunagari.E011``
    (choosers)."""
    errors = []
    for viewset in viewsets:
        model = getattr(viewset, "model", None)
        if not isinstance(model, type) or not is_area_scoped(model):
            continue
        if isinstance(viewset, ChooserViewSet):
            if not isinstance(viewset, ScopedChooserViewSet):
                errors.append(
                    checks.Error(
                        f"The chooser {_label(viewset)} of the area-scoped model "
                        f"{model._meta.label} lists every area's rows.",
                        hint="Use organizations.admin_scoping.ScopedChooserViewSet (a "
                        "ScopedSnippetViewSet sets it as its chooser_viewset_class).",
                        obj=model,
                        id="tsunagari.E011",
                    )
                )
        elif not isinstance(viewset, ScopedViewSetMixin):
            errors.append(
                checks.Error(
                    f"The viewset {_label(viewset)} of the area-scoped model "
                    f"{model._meta.label} is not scoped to the user's area.",
                    hint="Make it a subclass of organizations.admin_scoping.ScopedModelViewSet "
                    "(or ScopedSnippetViewSet for a snippet).",
                    obj=model,
                    id="tsunagari.E010",
                )
            )
    return errors


def unscoped_bulk_action_errors(models) -> list[checks.Error]:
    """``tsunagari.E012`` for each bulk action registered for one of the area-scoped
    ``models`` that does not keep to the user's area (``ScopedBulkActionMixin``)."""
    errors = []
    for model in models:
        if not is_area_scoped(model):
            continue
        opts = model._meta
        for action_class in bulk_action_registry.get_bulk_actions_for_model(
            opts.app_label, opts.model_name
        ):
            if not issubclass(action_class, ScopedBulkActionMixin):
                errors.append(
                    checks.Error(
                        f"The bulk action {action_class.__module__}.{action_class.__qualname__} "
                        f"({action_class.action_type!r}) of the area-scoped model {opts.label} "
                        "acts on every area's rows.",
                        hint="Put organizations.admin_scoping.ScopedBulkActionMixin in front "
                        "of it.",
                        obj=model,
                        id="tsunagari.E012",
                    )
                )
    return errors


@checks.register(checks.Tags.security)
def admin_area_scope(app_configs, **kwargs):
    """Every admin screen, chooser and bulk action of an area-scoped model is a scoped one."""
    # Wagtail registers the viewsets of the ``register_admin_viewset`` hooks when its admin
    # URLs are first loaded (as Django's own URL checks do, this loads them).
    get_resolver().url_patterns  # noqa: B018
    return [
        *unscoped_viewset_errors(viewset_registry.viewsets),
        *unscoped_bulk_action_errors(apps.get_models()),
    ]
