"""Admin screens of the events app: 主催者・講師 and 開催計画, scoped by construction.

Both viewsets are ``ScopedModelViewSet``: administrators see their area's organisers and
plans; an organiser sees only their own plans (``events.permissions``). Saves and deletes go
through ``events.services``.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from django.views.generic import FormView
from wagtail.admin.panels import ObjectList
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets import Button, ListingButton

from courses.models import SUPPORTER_AUDIENCES, CoursePage
from organizations.admin_scoping import ScopedAdminForm, ScopedModelViewSet
from organizations.scopes import scope_for_user

from . import services
from .checkin_admin import CheckInPosterView, CheckInSlideView
from .course_report_views import (
    CourseAttendanceView,
    CourseReportView,
    PaperCardsPdfView,
    PaperCardsView,
)
from .models import CheckIn, CourseSignup, Organiser, PlannedCourse


def _form_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ServiceFormMixin:
    """Save through a service; its refusal comes back to the form as a Japanese error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            _form_error(form, error)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class ServiceDeleteMixin:
    """Delete through a service; a refusal is shown as a message on the inspect screen."""

    delete_service = None

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return redirect(self.index_url_name)

    def delete_action(self):
        type(self).delete_service(self.object, self.request.user)


# --- 主催者・講師 ---------------------------------------------------------------------------------


class OrganiserCreateView(ServiceFormMixin, generic.CreateView):
    """Inviting an organiser: the account is made and the one-time link mailed."""

    def save_instance(self):
        return services.organiser_invite(organiser=self.form.instance, invited_by=self.request.user)

    def get_success_message(self, instance=None):
        return _(
            "%(organiser)s を招待しました。パスワードを設定するリンクをメールで送りました。"
        ) % {"organiser": instance or self.object}


class OrganiserEditView(ServiceFormMixin, generic.EditView):
    def save_instance(self):
        return services.organiser_save(organiser=self.form.instance, user=self.request.user)


class OrganiserDeleteView(ServiceDeleteMixin, generic.DeleteView):
    @staticmethod
    def delete_service(organiser, user):
        services.organiser_delete(organiser=organiser, user=user)


class OrganiserInspectView(generic.InspectView):
    """The organiser, with the way to approve a pending one."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.permission_policy.user_has_permission_for_instance(
            self.request.user, "change", self.object
        ):
            label = (
                _("承認する")
                if self.object.status == Organiser.Status.PENDING
                else _("パスワード設定の案内を再送する")
            )
            buttons.append(
                Button(
                    label,
                    url=reverse("organisers:approve", args=[self.object.pk]),
                    icon_name="tick",
                    priority=30,
                )
            )
            if self.object.status != Organiser.Status.PENDING:
                buttons.append(
                    Button(
                        _("停止する")
                        if self.object.status == Organiser.Status.ACTIVE
                        else _("再開する"),
                        url=reverse("organisers:suspend", args=[self.object.pk]),
                        icon_name="lock" if self.object.is_active else "lock-open",
                        priority=40,
                    )
                )
        return buttons


class ConfirmForm(forms.Form):
    """A POST with nothing to fill in (the CSRF token is the point)."""


class OrganiserActionView(
    PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, FormView
):
    """A confirmed action on one organiser (a POST with nothing to fill in), then back to the
    listing. Outside the user's area: 403 (the viewset constructs it area-scoped)."""

    model = Organiser
    permission_required = "change"
    form_class = ConfirmForm

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            organiser=self.object,
            cancel_url=reverse("organisers:inspect", args=[self.object.pk]),
        )
        return context

    def act(self) -> str:
        """Carry out the action through its service; the message to show."""
        raise NotImplementedError

    def form_valid(self, form):
        try:
            message = self.act()
        except ValidationError as error:
            _form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect("organisers:index")


class OrganiserApproveView(OrganiserActionView):
    """Approve a self-registered organiser, or send an active one a fresh one-time link."""

    template_name = "events/admin/organiser_approve.html"
    page_title = _("主催者・講師の承認")
    header_icon = "tick"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pending"] = self.object.status == Organiser.Status.PENDING
        return context

    def act(self) -> str:
        if self.object.status == Organiser.Status.PENDING:
            services.organiser_approve(organiser=self.object, approved_by=self.request.user)
            return _("承認しました。パスワードを設定するリンクをメールで送りました。")
        services.organiser_resend_invitation(organiser=self.object, user=self.request.user)
        return _("パスワードを設定するリンクをメールで送りました。")


class OrganiserSuspendView(OrganiserActionView):
    """Suspend an active organiser (they can no longer sign in), or reactivate a suspended one."""

    template_name = "events/admin/organiser_suspend.html"
    page_title = _("主催者・講師の停止・再開")
    header_icon = "lock"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active"] = self.object.status == Organiser.Status.ACTIVE
        return context

    def act(self) -> str:
        if self.object.status == Organiser.Status.ACTIVE:
            services.organiser_suspend(organiser=self.object, user=self.request.user)
            return _("停止しました。この主催者はログインできなくなりました。")
        services.organiser_reactivate(organiser=self.object, user=self.request.user)
        return _("再開しました。この主催者はまたログインして講座を計画できます。")


class OrganiserViewSet(ScopedModelViewSet):
    """主催者・講師: invited, approved and corrected by the administrators of their area."""

    model = Organiser
    url_prefix = "events/organisers"
    url_namespace = "organisers"
    icon = "user"
    menu_label = _("主催者・講師")
    menu_order = 100
    list_display = ["organisation_name", "name", "municipality", "organisation_type", "status"]
    list_filter = ["status", "organisation_type"]
    search_fields = ["organisation_name", "name"]
    ordering = ["organisation_name", "pk"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "organisation_name",
        "organisation_type",
        "name",
        "email",
        "municipality",
        "status",
        "created_at",
        "approved_at",
    ]
    add_view_class = OrganiserCreateView
    edit_view_class = OrganiserEditView
    delete_view_class = OrganiserDeleteView
    inspect_view_class = OrganiserInspectView
    copy_view_enabled = False

    edit_handler = ObjectList(Organiser.panels, base_form_class=ScopedAdminForm)

    def get_queryset(self, request):
        return Organiser.objects.select_related("municipality")

    @property
    def approve_view(self):
        return self.construct_view(OrganiserApproveView)

    @property
    def suspend_view(self):
        return self.construct_view(OrganiserSuspendView)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("approve/<id:pk>/", self.approve_view, name="approve"),
            path("suspend/<id:pk>/", self.suspend_view, name="suspend"),
        ]


# --- 開催計画 -------------------------------------------------------------------------------------


class PlannedCourseForm(ScopedAdminForm):
    """The plan form: an organiser plans for themselves; an administrator for an active
    organiser of their area. Only supporter courses are offered."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        course = self.fields.get("course")
        if course is not None:
            course.queryset = CoursePage.objects.filter(audience__in=SUPPORTER_AUDIENCES).order_by(
                "path"
            )
            course.label_from_instance = lambda page: page.plain_title
        if "held_on" in self.fields:
            self.fields["held_on"].widget = forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            )
        for name in ("start_time", "end_time"):
            if name in self.fields:
                self.fields[name].widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        if "capacity" in self.fields:
            self.fields["capacity"].min_value = 1
            self.fields["capacity"].widget.attrs["min"] = 1
        organiser = self.fields.get("organiser")
        if organiser is None:
            return
        scope = scope_for_user(for_user)
        own = services.organiser_of(for_user) if scope is None else None
        if own is not None:
            organiser.queryset = Organiser.objects.filter(pk=own.pk)
            organiser.initial = own.pk
            # An organiser plans their own courses: shown, not chosen.
            organiser.disabled = True
        elif scope is not None:
            organiser.queryset = scope.filter(
                Organiser.objects.filter(status=Organiser.Status.ACTIVE)
            ).select_related("municipality")
        else:
            organiser.queryset = Organiser.objects.none()


class PlannedCourseSaveMixin(ServiceFormMixin):
    def save_instance(self):
        return services.planned_course_save(course=self.form.instance, user=self.request.user)


CHECK_IN_BUTTON = _("受付（QR コード）")


def _check_in_button(course, cls=Button, **kwargs):
    return cls(
        CHECK_IN_BUTTON,
        url=reverse("plannedcourse:checkin", args=[course.pk]),
        icon_name="view",
        priority=5,
        **kwargs,
    )


class CheckInButtonMixin:
    """The 受付（QR コード） button in the header of a course plan's screens."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.object.pk and not self.object.is_cancelled:
            buttons.append(_check_in_button(self.object))
        return buttons


class PlannedCourseIndexView(generic.IndexView):
    """The plan listing, with 受付（QR コード） next to each course that is not cancelled."""

    def get_list_buttons(self, instance):
        buttons = list(super().get_list_buttons(instance))
        if not instance.is_cancelled:
            buttons.insert(0, _check_in_button(instance, ListingButton, classname="button-small"))
        return buttons


class PlannedCourseCreateView(PlannedCourseSaveMixin, generic.CreateView):
    pass


class PlannedCourseEditView(CheckInButtonMixin, PlannedCourseSaveMixin, generic.EditView):
    pass


class PlannedCourseDeleteView(ServiceDeleteMixin, generic.DeleteView):
    @staticmethod
    def delete_service(course, user):
        services.planned_course_delete(course=course, user=user)


class PlannedCourseInspectView(CheckInButtonMixin, generic.InspectView):
    """The plan with its public page, who signed up (nicknames only) and how many checked in."""

    template_name = "events/admin/planned_course_inspect.html"

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.permission_policy.user_has_permission_for_instance(
            self.request.user, "change", self.object
        ):
            buttons.append(
                Button(
                    _("当日の受付・実施報告"),
                    url=reverse("plannedcourse:attendance", args=[self.object.pk]),
                    icon_name="list-ul",
                    priority=30,
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        course = self.object
        signups = list(course.signups.exclude(status=CourseSignup.Status.CANCELLED))
        confirmed = [s for s in signups if s.status == CourseSignup.Status.CONFIRMED]
        context.update(
            course=course,
            when=date_format(course.held_on, pgettext("date format", "Y年n月j日（D）")),
            confirmed=confirmed,
            waiting=[s for s in signups if s.status == CourseSignup.Status.WAITING],
            public_url=course.get_absolute_url() if course.is_public else "",
            check_ins=CheckIn.objects.filter(course=course).count(),
            check_in_url=reverse("plannedcourse:checkin", args=[course.pk]),
        )
        return context


class PlannedCourseViewSet(ScopedModelViewSet):
    """開催計画: an organiser's own plans, or all plans of an administrator's area."""

    model = PlannedCourse
    url_prefix = "events/plans"
    url_namespace = "plannedcourse"
    icon = "date"
    menu_label = _("開催計画")
    menu_order = 50
    list_display = [
        "held_on",
        "start_time",
        "course",
        "organiser",
        "municipality",
        "delivery",
        "capacity",
        "is_public",
        "status",
        "report_status",
    ]
    list_filter = ["status", "delivery", "is_public"]
    search_fields = ["venue_name", "instructor_name"]
    ordering = ["-starts_at", "-pk"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "organiser",
        "municipality",
        "course",
        "held_on",
        "start_time",
        "end_time",
        "delivery",
        "venue_name",
        "venue_address",
        "online_url",
        "instructor_name",
        "capacity",
        "is_public",
        "signup_enabled",
        "notes",
        "status",
    ]
    index_view_class = PlannedCourseIndexView
    add_view_class = PlannedCourseCreateView
    edit_view_class = PlannedCourseEditView
    delete_view_class = PlannedCourseDeleteView
    inspect_view_class = PlannedCourseInspectView
    copy_view_enabled = False

    edit_handler = ObjectList(PlannedCourse.panels, base_form_class=PlannedCourseForm)

    def get_queryset(self, request):
        return PlannedCourse.objects.select_related("course", "organiser", "municipality", "report")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "attendance/<id:pk>/",
                self.construct_view(CourseAttendanceView),
                name="attendance",
            ),
            path("report/<id:pk>/", self.construct_view(CourseReportView), name="report"),
            path("paper-cards/<id:pk>/", self.construct_view(PaperCardsView), name="paper_cards"),
            path(
                "paper-cards/<id:pk>/<uuid:batch>/",
                self.construct_view(PaperCardsPdfView),
                name="paper_cards_pdf",
            ),
            path("checkin/<id:pk>/", self.checkin_view, name="checkin"),
            path("checkin/<id:pk>/poster.pdf", self.checkin_poster_view, name="checkin_poster"),
        ]

    @property
    def checkin_view(self):
        return self.construct_view(CheckInSlideView)

    @property
    def checkin_poster_view(self):
        return self.construct_view(CheckInPosterView)


class EventsViewSetGroup(ViewSetGroup):
    menu_label = _("講座（対面・ライブ配信）")
    menu_icon = "date"
    menu_order = 240
    items = (PlannedCourseViewSet, OrganiserViewSet)
