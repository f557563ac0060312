"""Area scope inside the Wagtail admin, by construction.

Every screen of a model the product scopes by area (``is_area_scoped``) goes through the bases
here: ``ScopedModelViewSet`` and ``ScopedSnippetViewSet`` put the area check in front of every
view they construct — the listing (and its CSV/XLSX export) shows only the user's area, and
every screen about one object (inspect, edit, delete, copy, history, usage, and any view a
subclass adds) refuses (403) an object outside it — so a subclass overriding a view class
cannot forget the check. Choosers and bulk actions list and act on the user's area only, forms
offer only the areas in scope, and ``organizations.checks`` refuses to start when a viewset of
an area-scoped model does not use these bases.
"""

from django import forms
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import policy_registry
from wagtail.search import index
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views import chooser as snippet_choosers
from wagtail.snippets.views.snippets import SnippetViewSet

from base.imports import ImportView

from .models import AdminScope
from .permissions import AreaPermissionPolicy
from .scopes import scope_for_user

# Every action a policy knows: an object the user may do anything with is "in their area".
ANY_ACTION = ["add", "change", "delete", "view", "choose", "publish", "lock", "unlock"]


def area_scoped_policy(model):
    """The model's permission policy when it limits instances to an area, else ``None``."""
    policy = policy_registry.get_by_type(model)
    return policy if isinstance(policy, AreaPermissionPolicy) else None


def is_area_scoped(model) -> bool:
    """Whether the product scopes ``model`` by area: its registered permission policy is an
    ``AreaPermissionPolicy``. Its admin screens must then use the scoped bases below."""
    return area_scoped_policy(model) is not None


def instances_in_scope(model, user, actions=ANY_ACTION):
    """The rows of ``model`` that ``user`` may see anywhere in the admin.

    Models whose policy is area-scoped give only the user's area (nothing for a user without
    one); other models (national content) are left to Wagtail's model permissions.
    """
    policy = area_scoped_policy(model)
    if policy is None:
        return model._default_manager.all()
    return policy.instances_user_has_any_permission_for(user, actions)


# --- The views of the scoped viewsets -----------------------------------------------------------


class ScopedObjectMixin:
    """Refuse (403) an object outside the user's area, whatever the URL says.

    Wagtail checks instance permissions when copying and deleting but not when editing or
    inspecting; this check runs wherever a view looks its object up. A view that must not
    tell whether the object exists sets ``area_refusal = Http404``.
    """

    def get_object(self, *args, **kwargs):
        # Some views (history) take no queryset argument: pass on only what was given.
        obj = super().get_object(*args, **kwargs)
        if obj is None or obj.pk is None:
            # A create view's "object" (none yet, or a new instance): no area's data to guard;
            # the form offers only the user's areas (``ScopedAdminForm``).
            return obj
        policy = getattr(self, "permission_policy", None) or policy_registry.get_by_type(type(obj))
        actions = ["change", "view", "delete"]
        if policy and not policy.user_has_any_permission_for_instance(
            self.request.user, actions, obj
        ):
            # Read from the view: this mixin stands in front of it, so it defines no default.
            raise getattr(self, "area_refusal", PermissionDenied)
        return obj


class ScopedListingMixin:
    """A model listing (and its spreadsheet export) narrowed to the user's area.

    Whatever the view (or the viewset's ``get_queryset``) starts from — a ``select_related``,
    a filter — is kept; the area's rows are what it is narrowed to.
    """

    #: The actions for which a row counts as the user's (``ScopedViewSetMixin`` sets it).
    area_listing_actions = ("view", "change")

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        rows = instances_in_scope(self.model, self.request.user, list(self.area_listing_actions))
        return queryset.filter(pk__in=rows.values("pk"))


_scoped_views = {}


def area_scoped_view(view_class, listing_actions=("view", "change")):
    """``view_class`` with the area checks in front of it (one class per view, cached).

    Every view gets the object check of ``ScopedObjectMixin`` (views that look up no object
    never call it); a model listing (a Wagtail ``IndexView``) is narrowed to the area too.
    """
    key = (view_class, tuple(listing_actions))
    if key not in _scoped_views:
        bases = [ScopedObjectMixin]
        attrs = {"__module__": view_class.__module__}
        if issubclass(view_class, IndexView):
            bases.insert(0, ScopedListingMixin)
            attrs["area_listing_actions"] = tuple(listing_actions)
        bases = [base for base in bases if not issubclass(view_class, base)]
        _scoped_views[key] = type(f"AreaScoped{view_class.__name__}", (*bases, view_class), attrs)
    return _scoped_views[key]


class ScopedViewSetMixin:
    """Every view this viewset constructs, its own and a subclass's, is area-scoped."""

    #: A row is listed when the user may do one of these with it.
    listing_actions = ("view", "change")

    def construct_view(self, view_class, **kwargs):
        return super().construct_view(area_scoped_view(view_class, self.listing_actions), **kwargs)


class ScopedModelViewSet(ScopedViewSetMixin, ModelViewSet):
    """A ``ModelViewSet`` of an area-scoped model: the listing and export show the user's area,
    every object screen refuses (403) objects outside it. Subclasses override view classes as
    usual (plain Wagtail views); the scope is added when the viewset constructs them. Forms
    keep to the area with ``ScopedAdminForm``."""


class ScopedAdminForm(WagtailAdminModelForm):
    """Offer only the municipalities (and departments) in the editing user's scope.

    Only the national administrator may leave the municipality empty (= national record).
    """

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_for_user(for_user)
        field = self.fields.get("municipality")
        if field is not None:
            if scope is None:
                field.queryset = field.queryset.none()
            else:
                field.queryset = scope.municipalities().select_related("prefecture")
                if not scope.is_nation:
                    field.required = True
                    field.help_text = _("担当する市区町村の中から選んでください。")
        department = self.fields.get("department")
        if department is not None:
            if scope is None:
                department.queryset = department.queryset.none()
            else:
                queryset = scope.filter(department.queryset)
                if scope.department_id:
                    queryset = queryset.filter(pk__in=scope.department_ids)
                department.queryset = queryset


# --- Lists outside the viewsets: choosers, bulk actions ------------------------------------------


def valid_pks(model, values):
    """The values that are possible primary keys of ``model`` (others, e.g. "abc", dropped)."""
    field = model._meta.pk
    pks = []
    for value in values:
        try:
            pks.append(field.to_python(value))
        except (TypeError, ValueError, ValidationError):
            continue
    # Integer keys beyond the database's range match nothing; leaving them out avoids an
    # OverflowError in the database driver.
    if isinstance(field, models.AutoField | models.BigAutoField | models.IntegerField):
        pks = [pk for pk in pks if isinstance(pk, int) and -(2**63) < pk < 2**63]
    return pks


class SubstringSearchFilterForm(BaseFilterForm):
    """The chooser's search as a database substring match on the model's search fields.

    The search index splits no Japanese words, and it cannot filter on the municipality the
    scoped list is narrowed by (Wagtail raises FilterFieldError there).
    """

    q = forms.CharField(
        label=_("検索語"),
        widget=forms.TextInput(attrs={"placeholder": _("検索")}),
        required=False,
        max_length=200,
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            names = {
                field.field_name
                for field in getattr(objects.model, "search_fields", [])
                if isinstance(field, index.SearchField | index.AutocompleteField)
            }
            condition = Q()
            for name in sorted(names):
                condition |= Q(**{f"{name}__icontains": query})
            objects = objects.filter(condition) if names else objects.none()
            self.is_searching = True
            self.search_query = query
        return objects


class ScopedChooseMixin:
    """Chooser listings show only the rows in the user's area, searched in the database."""

    filter_form_class = SubstringSearchFilterForm

    def get_object_list(self):
        return instances_in_scope(self.model_class, self.request.user)


class ScopedChooseView(ScopedChooseMixin, snippet_choosers.ChooseView):
    pass


class ScopedChooseResultsView(ScopedChooseMixin, snippet_choosers.ChooseResultsView):
    pass


class ScopedChosenView(snippet_choosers.SnippetChosenView):
    """Choosing a row by id answers 404 for one outside the user's area."""

    def get_object(self, pk):
        pks = valid_pks(self.model_class, [pk])
        if not pks:
            raise Http404
        return instances_in_scope(self.model_class, self.request.user).get(pk=pks[0])


class ScopedChosenMultipleView(snippet_choosers.SnippetChosenMultipleView):
    """Choosing several rows by id keeps only those in the user's area."""

    def get_objects(self, pks):
        pks = valid_pks(self.model_class, pks)
        return instances_in_scope(self.model_class, self.request.user).filter(pk__in=pks)


class ChooserCreateView(snippet_choosers.SnippetCreateView):
    """The chooser's "create" step, 404 when the chooser has no creation form.

    Wagtail routes it for every snippet chooser, but without ``form_fields`` there is no form
    and a POST fails (500). Our snippets are created on their own add screens.
    """

    def dispatch(self, request, *args, **kwargs):
        if self.get_creation_form_class() is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class SnippetChooserViewSet(snippet_choosers.SnippetChooserViewSet):
    """Wagtail's snippet chooser without the broken "create" step (``ChooserCreateView``)."""

    create_view_class = ChooserCreateView


class ScopedChooserViewSet(SnippetChooserViewSet):
    """A snippet chooser that lists, searches and returns only rows in the user's area."""

    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView


class ScopedSnippetViewSet(ScopedViewSetMixin, SnippetViewSet):
    """A snippet viewset whose every screen keeps to the user's area.

    As ``ScopedModelViewSet``, and its chooser lists, searches and returns only rows in the
    user's area (``ScopedChooserViewSet``); the bulk actions are scoped for every snippet by
    ``ScopedDeleteBulkAction``.
    """

    # As the scoped chooser and bulk actions: a row the user may do anything with is listed.
    listing_actions = tuple(ANY_ACTION)
    chooser_viewset_class = ScopedChooserViewSet


class ScopedBulkActionMixin:
    """A bulk action on snippets limited to the rows in the user's area.

    Wagtail lists every requested id on the confirmation page, naming those the user may not
    act on; here rows outside the user's area are not named at all (404 when only those were
    asked for, 403 when the user may act on none of them), ``id=all`` means all rows of the
    user's area, and ids that are no key (``abc``, huge numbers) are ignored.
    """

    def get_all_objects_in_listing_query(self, parent_id):
        return instances_in_scope(self.model, self.request.user).values_list("pk", flat=True)

    @cached_property
    def _actionable_objects(self):
        ids = self.request.GET.getlist("id")
        if "all" in ids:
            rows = instances_in_scope(self.model, self.request.user)
        else:
            pks = valid_pks(self.model, ids)
            rows = instances_in_scope(self.model, self.request.user).filter(pk__in=pks)
        rows = list(rows)
        if not rows:
            raise Http404
        allowed = [row for row in rows if self.check_perm(row)]
        if not allowed:
            # Nothing the user may act on: no confirmation page listing what they may not.
            raise PermissionDenied
        refused = [row for row in rows if row not in allowed]
        return allowed, {"items_with_no_access": refused}


class ScopedDeleteBulkAction(ScopedBulkActionMixin, DeleteBulkAction):
    """Wagtail's bulk delete of snippets, limited to the rows in the user's area."""


def bulk_action(request, app_label, model_name, action):
    """Wagtail's bulk-action dispatcher, refusing before any confirmation page is shown when
    the user may act on none of the requested rows (403), or none of them exists for the user
    (404); ids that are no key ("abc") are dropped instead of reaching the database.

    Wagtail itself answers its confirmation page to everyone in the admin, naming the rows
    they may not change. Served in front of Wagtail's own URL (``tsunagari/urls.py``).
    """
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as exc:
        raise Http404 from exc
    action_class = bulk_action_registry.get_bulk_action_class(app_label, model_name, action)
    if action_class is None:
        raise Http404
    ids = request.GET.getlist("id")
    if "all" not in ids:
        query = request.GET.copy()
        query.setlist("id", [str(pk) for pk in valid_pks(model, ids)])
        if not query.getlist("id"):
            raise Http404
        request.GET = query
        request.META["QUERY_STRING"] = query.urlencode()
    view = action_class(request, model)
    objects, extra = view.get_actionable_objects()
    if not objects:
        if extra.get("items_with_no_access"):
            raise PermissionDenied
        raise Http404
    return view.dispatch(request)


# --- Screens outside the viewsets: menu items, imports -------------------------------------------


class ScopedMenuItem(MenuItem):
    """Shown to users with an area scope (administrators and department managers)."""

    def is_shown(self, request):
        return scope_for_user(request.user) is not None


class ScopedImportView(ImportView):
    """An import for administrators with an area scope and ``permission``; ``self.scope`` is
    theirs. With ``department_managers = False`` a department manager (管理監督者) is refused
    too (a roster is kept for the whole municipality)."""

    permission = ""
    department_managers = True

    def check_permission(self, request):
        self.scope = scope_for_user(request.user)
        if self.scope is None or not request.user.has_perm(self.permission):
            raise PermissionDenied
        if not self.department_managers and self.scope.level == AdminScope.Level.DEPARTMENT:
            raise PermissionDenied
