"""The admin's 「サイト履歴」 report (``/admin/reports/site-history/``), kept to the user's area.

Wagtail shows every log entry of a model to anyone holding one permission on that model, so a
municipal administrator would read every municipality's edits of departments and windows, with
the editors' names. This view replaces Wagtail's at the same URL (see ``tsunagari/urls.py``).
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, IntegerField, Q, Value
from django.db.models.functions import Cast
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.filters import ContentTypeFilter
from wagtail.admin.views.reports.audit_logging import LogEntriesView, SiteHistoryReportFilterSet
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import PageLogEntry

from .admin_scoping import ANY_ACTION, area_scoped_policy
from .scopes import scope_for_user


def log_entries_in_scope(log_model, user):
    """The entries of ``log_model`` that ``user`` may read in the site history.

    National administrators read what Wagtail allows. Everyone else reads, of objects that
    belong to an area, only those in their own area (deleted objects belong to none), and of
    national content only their own actions. Page history keeps Wagtail's page permissions:
    pages are national content edited by the national editors.
    """
    entries = log_model.objects.viewable_by_user(user)
    scope = scope_for_user(user)
    if user.is_superuser or (scope is not None and scope.is_nation):
        return entries
    if issubclass(log_model, PageLogEntry):
        return entries
    visible = Q(user_id=user.pk)
    if scope is not None:
        content_type_ids = entries.order_by().values_list("content_type_id", flat=True)
        for content_type_id in set(content_type_ids):
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            policy = area_scoped_policy(model) if model is not None else None
            if policy is None:
                continue
            keys = (
                policy.instances_user_has_any_permission_for(user, ANY_ACTION)
                .order_by()
                .annotate(key_text=Cast("pk", CharField()))
                .values("key_text")
            )
            visible |= Q(content_type_id=content_type_id, object_id__in=keys)
    return entries.filter(visible)


def _content_types_in_scope(request):
    ids = set()
    for log_model in log_action_registry.get_log_entry_models():
        ids.update(log_entries_in_scope(log_model, request.user).get_content_type_ids())
    return ContentType.objects.filter(pk__in=ids).order_by("model")


class ScopedSiteHistoryFilterSet(SiteHistoryReportFilterSet):
    """The report's filters offer only the editors, types and actions of visible entries."""

    object_type = ContentTypeFilter(
        label=SiteHistoryReportFilterSet.base_filters["object_type"].label,
        method="filter_object_type",
        queryset=_content_types_in_scope,
    )

    def _visible(self):
        return [
            log_entries_in_scope(log_model, self.request.user)
            for log_model in log_action_registry.get_log_entry_models()
        ]

    def get_user_choices(self):
        ids = set()
        for entries in self._visible():
            ids.update(entries.get_user_ids())
        user_model = get_user_model()
        return user_model.objects.filter(pk__in=ids).order_by(user_model.USERNAME_FIELD)

    def get_action_choices(self):
        actions = set()
        for entries in self._visible():
            actions.update(entries.get_actions())
        return [choice for choice in log_action_registry.get_choices() if choice[0] in actions]


class ScopedSiteHistoryView(LogEntriesView):
    """Wagtail's site history, each log model's entries narrowed by ``log_entries_in_scope``."""

    filterset_class = ScopedSiteHistoryFilterSet

    def get_filtered_queryset(self):
        # As Wagtail's: one values() query per log model, filtered, then a union.
        queryset = None
        self.log_models = list(log_action_registry.get_log_entry_models())
        for log_model_index, log_model in enumerate(self.log_models):
            sub_queryset = (
                log_entries_in_scope(log_model, self.request.user)
                .values("pk", "timestamp")
                .annotate(log_model_index=Value(log_model_index, output_field=IntegerField()))
            )
            sub_queryset = self.filter_queryset(sub_queryset).order_by()
            queryset = sub_queryset if queryset is None else queryset.union(sub_queryset, all=True)
        return queryset.order_by("-timestamp")


# As Wagtail's admin URLs: admin access required, never cached.
site_history = never_cache(require_admin_access(ScopedSiteHistoryView.as_view()))
site_history_results = never_cache(
    require_admin_access(ScopedSiteHistoryView.as_view(results_only=True))
)
