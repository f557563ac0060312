"""Admin screens of the reports app: session reports, targets, population (edited, scoped)."""

import hashlib
from collections import Counter

from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets import Button
from wagtail.admin.widgets.button import HeaderButton

from base.dates import fiscal_year_of
from base.spreadsheets import ExcelCsvMixin
from organizations.admin_scoping import ScopedAdminForm, ScopedModelViewSet
from organizations.scopes import require_scope, scope_for_user

from . import services
from .effects import PLAUSIBLE_SESSION_ATTENDEES, kpi_effects
from .models import ATTENDEE_COUNT_FIELDS, KpiTarget, Population, TrainingSession
from .session_duplicates import possible_duplicates
from .session_review import TrainingSessionReviewView


class ImportableIndexView(ExcelCsvMixin, generic.IndexView):
    """A listing (scoped by its viewset) with a 「ファイルから取り込む」 button for those who
    may import; its exports go through the shared spreadsheet writer (formulas neutralised)."""

    import_url_name = ""
    import_permission = ""

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(self.import_permission):
            buttons.append(
                HeaderButton(
                    _("ファイルから取り込む"), url=reverse(self.import_url_name), icon_name="upload"
                )
            )
        return buttons


def importable(url_name: str, permission: str):
    return type(
        "ImportableIndexView",
        (ImportableIndexView,),
        {"import_url_name": url_name, "import_permission": permission},
    )


class ServiceSaveMixin:
    """Save through a service; a refusal comes back to the form as a Japanese error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error(None, error)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


def _effect_key(session: TrainingSession) -> str:
    """What the KPI effect shown depends on: shown again when any of it changes."""
    counted = [
        session.pk,
        session.municipality_id,
        session.held_on.isoformat() if session.held_on else "",
        *(getattr(session, name) or 0 for name in ATTENDEE_COUNT_FIELDS.values()),
    ]
    return hashlib.sha256(repr(counted).encode()).hexdigest()[:32]


class KpiEffectStepMixin:
    """A session report is saved only once its effect on the municipality's KPI figures
    (before → after) has been shown for these very counts, and, above
    ``PLAUSIBLE_SESSION_ATTENDEES`` attendees, the administrator has ticked that the number is
    right. Until then the valid form comes back with the effect and the checkbox."""

    template_name = "reports/training_session_form.html"
    kpi_effect = None

    def form_valid(self, form):
        session = form.instance
        key = _effect_key(session)
        large = session.total_attendees > PLAUSIBLE_SESSION_ATTENDEES
        seen = self.request.POST.get("kpi_effect_key") == key
        ticked = self.request.POST.get("confirm_large") == "1"
        if seen and (ticked or not large):
            return super().form_valid(form)
        self.kpi_effect = {
            "lines": [str(effect) for effect in kpi_effects(self._deltas(session))],
            "key": key,
            "large": large,
            "total": session.total_attendees,
            "limit": PLAUSIBLE_SESSION_ATTENDEES,
            "missing_tick": seen and large and not ticked,
            "approves": services.may_approve(self.request.user),
            "duplicates": []
            if session.status == TrainingSession.Status.APPROVED and session.pk
            else [str(other) for other in possible_duplicates(session)[:10]],
        }
        self.form = form
        return self.render_to_response(self.get_context_data(form=form))

    @staticmethod
    def _deltas(session: TrainingSession) -> Counter:
        deltas = Counter()
        deltas[(session.municipality_id, fiscal_year_of(session.held_on))] += (
            session.total_attendees
        )
        if session.pk:
            previous = TrainingSession.objects.filter(pk=session.pk).first()
            if previous is not None:
                deltas[(previous.municipality_id, previous.fiscal_year)] -= previous.total_attendees
        return deltas

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kpi_effect"] = self.kpi_effect
        return context


class SessionApprovalSaveMixin:
    """Save through the service, which approves what an approver enters (after their tick when
    another report of the same course and day exists) and keeps everyone else's as 申請中;
    the message says which."""

    def save_instance(self):
        return services.training_session_save(
            session=self.form.instance,
            scope=require_scope(self.request.user),
            user=self.request.user,
            not_duplicate=self.request.POST.get("not_duplicate") == "1",
        )

    def get_success_message(self, instance=None):
        instance = instance or getattr(self, "object", None)
        if instance is not None and not instance.is_counted:
            return _(
                "開催報告「%(session)s」を申請中として保存しました。承認されると集計に含まれます。"
            ) % {"session": instance}
        # Wagtail's CreateView takes the instance, its EditView does not.
        if isinstance(self, generic.CreateView):
            return super().get_success_message(instance)
        return super().get_success_message()


class TrainingSessionCreateView(
    SessionApprovalSaveMixin, KpiEffectStepMixin, ServiceSaveMixin, generic.CreateView
):
    pass


class TrainingSessionEditView(
    SessionApprovalSaveMixin, KpiEffectStepMixin, ServiceSaveMixin, generic.EditView
):
    pass


class TrainingSessionInspectView(generic.InspectView):
    """The report with its approval status, and the way to the approval screen."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.request.user.has_perm(services.APPROVE_PERMISSION) and (
            self.object.status != TrainingSession.Status.RETURNED
        ):
            buttons.append(
                Button(
                    _("承認・差し戻し"),
                    url=reverse("trainingsession:review", args=[self.object.pk]),
                    icon_name="tick",
                    priority=30,
                )
            )
        return buttons


class TrainingSessionDeleteView(generic.DeleteView):
    def delete_action(self):
        services.training_session_delete(
            session=self.object, scope=require_scope(self.request.user)
        )


class TrainingSessionViewSet(ScopedModelViewSet):
    """開催報告: listed, added, corrected and deleted within the administrator's area."""

    model = TrainingSession
    icon = "group"
    menu_label = _("開催報告")
    menu_order = 100
    list_display = [
        "held_on",
        "municipality",
        "organiser_name",
        "course",
        "total_attendees",
        "status",
    ]
    list_filter = ["status", "fiscal_year", "organiser_type", "delivery", "course"]
    search_fields = ["organiser_name", "instructor_name", "venue"]
    list_export = [
        "held_on",
        "municipality",
        "organiser_type",
        "organiser_name",
        "course",
        "instructor_name",
        "delivery",
        "venue",
        "get_status_display",
        "total_attendees",
    ]
    export_headings = {"get_status_display": _("承認の状況")}
    ordering = ["-held_on", "-pk"]
    inspect_view_enabled = True
    index_view_class = importable("training_session_import", "reports.add_trainingsession")
    add_view_class = TrainingSessionCreateView
    edit_view_class = TrainingSessionEditView
    delete_view_class = TrainingSessionDeleteView
    inspect_view_class = TrainingSessionInspectView
    copy_view_enabled = False

    edit_handler = ObjectList(TrainingSession.panels, base_form_class=ScopedAdminForm)

    def get_queryset(self, request):
        return TrainingSession.objects.select_related("municipality", "course")

    @property
    def review_view(self):
        return self.construct_view(TrainingSessionReviewView)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("review/<id:pk>/", self.review_view, name="review"),
        ]


class KpiTargetForm(ScopedAdminForm):
    """Only the levels and areas the editor's scope covers are offered."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_for_user(for_user)
        level = self.fields.get("level")
        prefecture = self.fields.get("prefecture")
        if scope is None or level is None:
            return
        if not scope.is_nation:
            allowed = [KpiTarget.Level.MUNICIPALITY]
            if scope.prefecture_code:
                allowed.insert(0, KpiTarget.Level.PREFECTURE)
            level.choices = [c for c in level.choices if c[0] in allowed or c[0] == ""]
            if prefecture is not None:
                prefecture.queryset = prefecture.queryset.filter(pk=scope.prefecture_code)
        municipality = self.fields.get("municipality")
        if municipality is not None:
            municipality.required = False


class KpiTargetViewSet(ScopedModelViewSet):
    """KPI目標: per fiscal year for the nation, a prefecture or a municipality."""

    model = KpiTarget
    icon = "tasks"
    menu_label = _("KPI目標")
    menu_order = 200
    list_display = ["fiscal_year", "level", "area_name", "target"]
    list_filter = ["fiscal_year", "level"]
    index_view_class = importable("kpi_target_import", "reports.add_kpitarget")
    copy_view_enabled = False

    edit_handler = ObjectList(KpiTarget.panels, base_form_class=KpiTargetForm)

    def get_queryset(self, request):
        return KpiTarget.objects.select_related("prefecture", "municipality__prefecture")


class PopulationViewSet(ScopedModelViewSet):
    """人口: residents per municipality and fiscal year (for 養成率)."""

    model = Population
    icon = "user"
    menu_label = _("人口")
    menu_order = 300
    list_display = ["municipality", "fiscal_year", "population", "as_of"]
    list_filter = ["fiscal_year"]
    search_fields = ["municipality__name"]
    index_view_class = importable("population_import", "reports.add_population")
    copy_view_enabled = False

    edit_handler = ObjectList(Population.panels, base_form_class=ScopedAdminForm)


class ReportsViewSetGroup(ViewSetGroup):
    menu_label = _("KPI・開催報告")
    menu_icon = "table"
    menu_order = 250
    items = (TrainingSessionViewSet, KpiTargetViewSet, PopulationViewSet)
