"""The approval screen of a session report (承認・差し戻し), for approvers of its area.

An approver sees the report, any other report of the same course, municipality and day
(``session_duplicates``), and either approves it — ticking that it is not a duplicate when
there are such reports — or returns it with a reason the organiser will read. Apps above
reports add what they know of the report through the ``session_review_sections`` hook
(``hook(request, session)`` → HTML or ``None``): events shows the held course's questionnaire.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from organizations.scopes import require_scope

from . import services
from .models import REVIEW_COMMENT_MAX_LENGTH, TrainingSession
from .session_duplicates import possible_duplicates


class SessionReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("判断"),
        choices=[("approve", _("承認する（集計に含める）")), ("return", _("差し戻す"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("承認するか差し戻すかを選んでください。")},
    )
    comment = forms.CharField(
        label=_("差し戻しの理由"),
        required=False,
        max_length=REVIEW_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("差し戻すときは、主催者に直してほしい点を書いてください。"),
    )
    not_duplicate = forms.BooleanField(
        label=_("上の開催報告とは別の講座であることを確かめました"), required=False
    )


def session_summary(session: TrainingSession) -> list[tuple]:
    """The facts an approver checks, as (label, value) rows."""
    rows = [
        (_("承認の状況"), session.get_status_display()),
        (_("開催日"), date_format(session.held_on, "Y年n月j日")),
        (_("開催市区町村"), session.municipality.full_name),
        (_("主催者"), f"{session.organiser_name}（{session.get_organiser_type_display()}）"),
        (_("講座の種類"), session.course.title),
        (_("講師名"), session.instructor_name),
        (_("実施方法"), session.get_delivery_display()),
        (_("会場"), session.venue or "-"),
        (_("受講者数"), _("%(n)s 人") % {"n": f"{session.total_attendees:,}"}),
    ]
    if session.reviewed_at:
        rows.append(
            (
                _("承認・差し戻しの日時"),
                date_format(localtime(session.reviewed_at), "Y年n月j日 H:i"),
            )
        )
    if session.review_comment:
        rows.append((_("差し戻しの理由"), session.review_comment))
    return rows


class TrainingSessionReviewView(
    PermissionCheckedMixin,
    BaseObjectMixin,
    WagtailAdminTemplateMixin,
    FormView,
):
    """Approve or return one report; each decision is one service call (one transaction).
    Outside the user's area: 403 (``TrainingSessionViewSet`` constructs it area-scoped)."""

    model = TrainingSession
    permission_required = "approve"
    form_class = SessionReviewForm
    template_name = "reports/admin/session_review.html"
    page_title = _("開催報告の承認・差し戻し")
    header_icon = "tick"
    index_url_name = None
    inspect_url_name = None

    def get_page_subtitle(self):
        return str(self.object)

    def get_base_object_queryset(self):
        return TrainingSession.objects.select_related("municipality", "course")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": TrainingSession._meta.verbose_name},
            {"url": reverse(self.inspect_url_name, args=[self.object.pk]), "label": self.object},
            {"url": "", "label": self.get_page_title()},
        ]

    def dispatch(self, request, *args, **kwargs):
        if self.object.status == TrainingSession.Status.RETURNED:
            messages.info(
                request, _("この開催報告は差し戻し済みです。主催者の再提出を待っています。")
            )
            return redirect(self.inspect_url_name, self.object.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.object
        duplicates = [
            (other, session_summary(other)) for other in possible_duplicates(session)[:10]
        ]
        context.update(
            session=session,
            summary=session_summary(session),
            duplicates=duplicates,
            can_approve=session.status == TrainingSession.Status.SUBMITTED,
            extra_sections=[
                section
                for hook in hooks.get_hooks("session_review_sections")
                if (section := hook(self.request, session))
            ],
            cancel_url=reverse(self.inspect_url_name, args=[session.pk]),
        )
        return context

    def form_valid(self, form):
        decision = form.cleaned_data["decision"]
        scope = require_scope(self.request.user)
        try:
            if decision == "approve":
                services.training_session_approve(
                    session=self.object,
                    scope=scope,
                    user=self.request.user,
                    not_duplicate=form.cleaned_data["not_duplicate"],
                )
                message = _("開催報告を承認しました。受講者数が集計に含まれました。")
            else:
                services.training_session_return(
                    session=self.object,
                    scope=scope,
                    user=self.request.user,
                    comment=form.cleaned_data["comment"],
                )
                message = _("開催報告を差し戻しました。集計には含まれません。")
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.index_url_name)
