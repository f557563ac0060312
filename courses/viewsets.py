"""Wagtail admin screens of the courses app."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import ObjectList
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from organizations.admin_scoping import ScopedAdminForm, scoped
from organizations.scopes import scope_for_user

from .models import ConsultationWindow


class ConsultationWindowViewSet(SnippetViewSet):
    """Consultation windows: each municipality keeps its own; the nation keeps the national ones."""

    model = ConsultationWindow
    icon = "list-ul"
    menu_label = _("相談窓口")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["name", "municipality", "topics", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "topics"]
    edit_handler = ObjectList(ConsultationWindow.panels, base_form_class=ScopedAdminForm)
    edit_view_class = scoped(snippet_views.EditView)
    delete_view_class = scoped(snippet_views.DeleteView)
    inspect_view_class = scoped(snippet_views.InspectView)
    history_view_class = scoped(snippet_views.HistoryView)
    usage_view_class = scoped(snippet_views.UsageView)

    def get_queryset(self, request):
        scope = scope_for_user(request.user)
        queryset = ConsultationWindow.objects.select_related("municipality")
        if scope is None:
            return queryset.none()
        return scope.filter(queryset)
