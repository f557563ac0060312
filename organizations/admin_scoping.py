"""Area scope inside the Wagtail admin: object views and forms that respect ``AdminScope``.

Wagtail checks instance permissions when copying and deleting but not when editing or
inspecting, so every scoped viewset uses these views; forms only offer areas in scope.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.search import index
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views import chooser as snippet_choosers
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from .scopes import scope_for_user


class ScopedObjectMixin:
    """Refuse (403) an object outside the user's area, whatever the URL says."""

    def get_object(self, *args, **kwargs):
        # Some views (history) take no queryset argument: pass on only what was given.
        obj = super().get_object(*args, **kwargs)
        policy = self.permission_policy
        actions = ["change", "view", "delete"]
        if policy and not policy.user_has_any_permission_for_instance(
            self.request.user, actions, obj
        ):
            raise PermissionDenied
        return obj


def scoped(view_class):
    """``view_class`` with the object check of ``ScopedObjectMixin`` in front of it."""
    return type(f"Scoped{view_class.__name__}", (ScopedObjectMixin, view_class), {})


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
                    queryset = queryset.filter(pk=scope.department_id)
                department.queryset = queryset


# --- Lists outside the viewsets: choosers, bulk actions, site history ---------------------------

# Every action a policy knows: an object the user may do anything with is "in their area".
ANY_ACTION = ["add", "change", "delete", "view", "choose", "publish", "lock", "unlock"]


def area_scoped_policy(model):
    """The model's permission policy when it limits instances to an area, else ``None``."""
    from wagtail.permissions import policy_registry

    from .permissions import ScopedModelPermissionPolicy

    policy = policy_registry.get_by_type(model)
    return policy if isinstance(policy, ScopedModelPermissionPolicy) else None


def instances_in_scope(model, user):
    """The rows of ``model`` that ``user`` may see anywhere in the admin.

    Models whose policy is area-scoped give only the user's area (nothing for a user without
    one); other models (national content) are left to Wagtail's model permissions.
    """
    policy = area_scoped_policy(model)
    if policy is None:
        return model._default_manager.all()
    return policy.instances_user_has_any_permission_for(user, ANY_ACTION)


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


class ScopedSnippetViewSet(SnippetViewSet):
    """A snippet viewset whose every screen keeps to the user's area.

    The listing, the object screens (403 outside the area), the chooser and the forms' area
    choices; the bulk actions are scoped for every snippet by ``ScopedDeleteBulkAction``.
    """

    chooser_viewset_class = ScopedChooserViewSet
    edit_view_class = scoped(snippet_views.EditView)
    delete_view_class = scoped(snippet_views.DeleteView)
    inspect_view_class = scoped(snippet_views.InspectView)
    history_view_class = scoped(snippet_views.HistoryView)
    usage_view_class = scoped(snippet_views.UsageView)

    def get_queryset(self, request):
        return instances_in_scope(self.model, request.user)


class ScopedDeleteBulkAction(DeleteBulkAction):
    """Wagtail's bulk delete of snippets, limited to the rows in the user's area.

    Wagtail lists every requested id on the confirmation page, naming those the user may not
    delete; here rows outside the user's area are not named at all (404 when only those were
    asked for, 403 when the user may delete none of them), ``id=all`` means all rows of the
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
            # Nothing the user may delete: no confirmation page listing what they may not.
            raise PermissionDenied
        refused = [row for row in rows if row not in allowed]
        return allowed, {"items_with_no_access": refused}


def bulk_action(request, app_label, model_name, action):
    """Wagtail's bulk-action dispatcher, refusing before any confirmation page is shown when
    the user may act on none of the requested rows (403), or none of them exists for the user
    (404); ids that are no key ("abc") are dropped instead of reaching the database.

    Wagtail itself answers its confirmation page to everyone in the admin, naming the rows
    they may not change. Served in front of Wagtail's own URL (``tsunagari/urls.py``).
    """
    from django.apps import apps
    from wagtail.admin.views.bulk_action.registry import bulk_action_registry

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
