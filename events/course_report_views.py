"""The organiser's screens after a course (講座 → 開催計画 → 当日の受付・実施報告).

One screen shows who was counted (``events.attendance``: check-ins and paper counts), takes
the paper counts, prints paper supporter cards, and leads to the 実施報告 form, prefilled from
the same count. Each write is one ``events.services`` call. The viewset constructs these views
area-scoped: another organiser's course (or another area's, for an administrator) is a 403.
"""

import uuid
from functools import cached_property

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from django.views.generic import FormView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from certificates.pdf import render_cards
from certificates.rendering import card_content
from organizations.models import AttendeeType
from reports.models import TrainingSession

from . import services
from .attendance import course_attendance, report_initial
from .models import MAX_CAPACITY, PaperAttendance, PaperCard, PlannedCourse
from .questionnaire_summary import course_questionnaire_summary, may_read_comments


def form_error(form, error: ValidationError) -> None:
    """A service's refusal, shown on ``form`` next to the field it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PaperCountsForm(forms.Form):
    """One count per attendee type: those who checked in on paper."""

    def __init__(self, *args, counts=None, **kwargs):
        super().__init__(*args, **kwargs)
        counts = counts or {}
        for kind in AttendeeType:
            self.fields[str(kind)] = forms.IntegerField(
                label=kind.label,
                min_value=0,
                max_value=MAX_CAPACITY,
                initial=counts.get(str(kind), 0),
                error_messages={
                    "required": _("人数を入力してください（いなければ 0）。"),
                    "invalid": _("人数は数字で入力してください。"),
                    "min_value": _("人数は 0 以上にしてください。"),
                    "max_value": _("人数が多すぎます。桁を確かめてください。"),
                },
            )


class PaperCardsForm(forms.Form):
    """How many nameless cards to print, for which attendee type; ``batch`` makes a second
    send of the same form (a double click) return the same cards."""

    attendee_type = forms.ChoiceField(label=_("受講者区分"), choices=AttendeeType.choices)
    count = forms.IntegerField(
        label=_("枚数"),
        min_value=1,
        max_value=MAX_CAPACITY,
        error_messages={
            "required": _("枚数を入力してください。"),
            "invalid": _("枚数は数字で入力してください。"),
            "min_value": _("枚数は 1 以上にしてください。"),
            "max_value": _("枚数が多すぎます。"),
        },
    )
    batch = forms.UUIDField(widget=forms.HiddenInput)


class CourseObjectView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin):
    """A screen about one course plan, for its organiser or an administrator of its area."""

    model = PlannedCourse
    permission_required = "change"
    header_icon = "date"

    def get_base_object_queryset(self):
        return PlannedCourse.objects.select_related("course", "organiser", "municipality", "report")

    def get_page_subtitle(self):
        return str(self.object)

    def attendance_url(self):
        return reverse("plannedcourse:attendance", args=[self.object.pk])

    @cached_property
    def questionnaire(self):
        """The course's questionnaire summary, with the comments for those who may read them
        (read once per request: the form's initial values and the page show the same)."""
        return course_questionnaire_summary(
            self.object, with_comments=may_read_comments(self.request.user, self.object)
        )


class CourseAttendanceView(CourseObjectView, FormView):
    """当日の受付・実施報告: the count, the paper counts, paper cards and the report's state."""

    form_class = PaperCountsForm
    template_name = "events/admin/course_attendance.html"
    page_title = _("当日の受付・実施報告")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["counts"] = dict(
            PaperAttendance.objects.filter(course=self.object).values_list("attendee_type", "count")
        )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        course = self.object
        attendance = course_attendance(course)
        remaining = services.paper_cards_remaining(course)
        report = course.report
        rows = [
            (
                kind.label,
                attendance.by_type.get(str(kind), 0) - attendance.on_paper.get(str(kind), 0),
                attendance.on_paper.get(str(kind), 0),
                attendance.by_type.get(str(kind), 0),
            )
            for kind in AttendeeType
        ]
        batches = (
            PaperCard.objects.filter(course=course)
            .values("batch", "attendee_type")
            .order_by("batch", "attendee_type")
        )
        printed = {}
        for row in batches:
            key = (row["batch"], row["attendee_type"])
            printed[key] = printed.get(key, 0) + 1
        labels = dict(AttendeeType.choices)
        context.update(
            course=course,
            when=date_format(course.held_on, pgettext("date format", "Y年n月j日（D）")),
            attendance=attendance,
            rows=rows,
            remaining=[(labels[kind], kind, n) for kind, n in remaining.items()],
            cards_form=kwargs.get("cards_form") or PaperCardsForm(initial={"batch": uuid.uuid4()}),
            printed=[
                (
                    labels.get(kind, kind),
                    n,
                    reverse("plannedcourse:paper_cards_pdf", args=[course.pk, batch]),
                )
                for (batch, kind), n in printed.items()
            ],
            report=report,
            report_returned=report is not None and report.status == TrainingSession.Status.RETURNED,
            can_report=course.has_ended and not course.is_cancelled,
            report_url=reverse("plannedcourse:report", args=[course.pk]),
            cards_url=reverse("plannedcourse:paper_cards", args=[course.pk]),
            paper_locked=services.report_is_final(course),
            questionnaire=self.questionnaire,
        )
        return context

    def form_valid(self, form):
        try:
            services.paper_attendance_save(
                course=self.object, counts=form.cleaned_data, user=self.request.user
            )
        except ValidationError as error:
            form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("紙で受付した人数を保存しました。"))
        return redirect(self.attendance_url())


def cards_response(certificates, filename: str) -> HttpResponse:
    """The A4 sheets of nameless supporter cards (two to a sheet, with cut marks)."""
    cards = [card_content(certificate) for certificate in certificates]
    response = HttpResponse(render_cards(cards), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class PaperCardsView(CourseObjectView, FormView):
    """Print N nameless supporter cards (POST from the attendance screen): issued in one
    service call, returned as a PDF."""

    form_class = PaperCardsForm
    http_method_names = ["post"]

    def form_valid(self, form):
        try:
            certificates = services.paper_cards_issue(
                course=self.object,
                attendee_type=form.cleaned_data["attendee_type"],
                count=form.cleaned_data["count"],
                batch=form.cleaned_data["batch"],
                user=self.request.user,
            )
        except ValidationError as error:
            form_error(form, error)
            return self.form_invalid(form)
        return cards_response(certificates, f"supporter-cards-{self.object.pk}.pdf")

    def form_invalid(self, form):
        for errors in form.errors.values():
            for error in errors:
                messages.error(self.request, error)
        return redirect(self.attendance_url())


class PaperCardsPdfView(CourseObjectView, FormView):
    """The cards of one earlier print, again (a paper jam): the same certificates."""

    permission_required = "view"
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        cards = list(
            PaperCard.objects.filter(course=self.object, batch=kwargs["batch"])
            .select_related("completion__certificate", "completion__course")
            .order_by("pk")
        )
        if not cards:
            raise Http404
        return cards_response(
            [card.completion.certificate for card in cards],
            f"supporter-cards-{self.object.pk}.pdf",
        )


class CourseReportForm(forms.ModelForm):
    """The 実施報告 as the organiser fills it in: counts, optional breakdowns, questionnaire."""

    class Meta:
        model = TrainingSession
        fields = services.REPORT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A type nobody came as may be left empty: it is 0.
        for name in services.REPORT_COUNT_FIELDS:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in services.REPORT_COUNT_FIELDS:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = 0
        return cleaned


class CourseReportView(CourseObjectView, FormView):
    """実施報告を作成 / 修正して再提出: prefilled from the course's attendance and plan."""

    form_class = CourseReportForm
    template_name = "events/admin/course_report.html"
    page_title = _("実施報告")

    def dispatch(self, request, *args, **kwargs):
        course = self.object
        if not course.has_ended or course.is_cancelled:
            messages.error(request, _("実施報告は講座の終了後に作成できます。"))
            return redirect(self.attendance_url())
        if course.report and course.report.status == TrainingSession.Status.APPROVED:
            messages.info(request, _("この講座の実施報告は承認済みです。"))
            return redirect(self.attendance_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.object.report is not None:
            kwargs["instance"] = self.object.report
        else:
            initial = report_initial(self.object, course_attendance(self.object))
            initial.update(self.questionnaire.report_initial())
            kwargs["initial"] = initial
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(
            course=self.object,
            when=date_format(self.object.held_on, pgettext("date format", "Y年n月j日（D）")),
            # A corrected report starts from what was submitted: the count is shown beside it.
            counted=course_attendance(self.object).total,
            report=self.object.report,
            questionnaire=self.questionnaire,
            cancel_url=self.attendance_url(),
            general_fields=[form[name] for name in services.REPORT_FIELDS[:5]],
            count_fields=[form[name] for name in services.REPORT_COUNT_FIELDS],
            breakdown_fields=[form[name] for name in services.REPORT_BREAKDOWN_FIELDS],
            questionnaire_fields=[
                form[name]
                for name in (
                    "questionnaire_responses",
                    "questionnaire_positive",
                    "questionnaire_summary",
                )
            ],
        )
        return context

    def form_valid(self, form):
        values = {name: form.cleaned_data[name] for name in services.REPORT_FIELDS}
        try:
            session = services.course_report_submit(
                course=self.object, values=values, user=self.request.user
            )
        except ValidationError as error:
            form_error(form, error)
            return self.form_invalid(form)
        if session.status == TrainingSession.Status.APPROVED:
            message = _("実施報告を登録しました（承認済み）。")
        else:
            message = _("実施報告を提出しました。市区町村の担当者の承認を待っています（申請中）。")
        messages.success(self.request, message)
        return redirect(self.attendance_url())


def session_review_questionnaire(request, session: TrainingSession) -> str | None:
    """On the approver's screen of a 実施報告 filed from a held course: that course's
    questionnaire summary (the comments for the course's municipality's administrators), or
    ``None`` for a report of no held course. The review view has already checked the area."""
    course = (
        PlannedCourse.objects.select_related("municipality").filter(report_id=session.pk).first()
    )
    if course is None:
        return None
    summary = course_questionnaire_summary(
        course, with_comments=may_read_comments(request.user, course)
    )
    return render_to_string(
        "events/admin/questionnaire_summary.html",
        {"summary": summary, "heading_id": "review"},
        request=request,
    )
