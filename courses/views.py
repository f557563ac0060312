"""Learner-facing views outside the page tree: my learning, profile, saved answers, account
and personal data. Starting a course and finishing a lesson are the pages' own POSTs
(``courses.models``)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail import hooks

from organizations.learners import current_learner, learner_for_update
from organizations.services import (
    account_sign_up,
    learner_delete,
    learner_export,
    learner_may_delete_self,
    learner_save_profile,
)

from . import services
from .forms import LearnerProfileForm, SignupForm
from .hooks import my_assignments_section, my_training_history_section
from .models import Enrollment, LessonPage, ReflectionNote
from .progress import progress_for
from .wording import for_course


def my_learning(request):
    """/my/: every course the learner started, with progress and where to resume."""
    learner = current_learner(request)
    entries = []
    if learner is not None:
        enrollments = (
            Enrollment.objects.filter(learner=learner)
            .select_related("course")
            .order_by("-last_activity_at")
        )
        for enrollment in enrollments:
            entries.append(progress_for(learner, enrollment.course.specific))
    notes = []
    if learner is not None:
        notes = list(
            ReflectionNote.objects.filter(learner=learner)
            .select_related("lesson")
            .order_by("-updated_at")
        )
    # Other apps (certificates, staff assignments) add their sections through a hook.
    sections = []
    assignments = history = ""
    if learner is not None:
        sections = [hook(request, learner) for hook in hooks.get_hooks("my_learning_sections")]
        assignments = my_assignments_section(request, learner)
        history = my_training_history_section(request, learner)
    return render(
        request,
        "courses/my_learning.html",
        {
            "learner": learner,
            "entries": entries,
            "notes": notes,
            "sections": sections,
            "assignments": assignments,
            "training_history": history,
        },
    )


def profile(request):
    """/my/profile/: municipality, attendee type and the name for certificates."""
    learner = current_learner(request)
    if request.method == "POST":
        form = LearnerProfileForm(request.POST)
        if form.is_valid():
            user = request.user if request.user.is_authenticated else None
            with transaction.atomic():
                learner = learner_for_update(request)
                notes = learner_save_profile(
                    learner=learner,
                    municipality=form.cleaned_data["municipality"],
                    attendee_type=form.cleaned_data["attendee_type"],
                    display_name=form.cleaned_data["display_name"],
                    user=user,
                )
            messages.success(request, _("登録内容を保存しました。"))
            for note in notes:  # e.g. the certificates reissued with the new name
                messages.info(request, note)
            return redirect("my-learning")
    else:
        initial = {}
        if learner is not None:
            initial = {
                "prefecture": learner.municipality.prefecture_id if learner.municipality else None,
                "municipality": learner.municipality_id,
                "attendee_type": learner.attendee_type,
                "display_name": learner.display_name,
            }
        form = LearnerProfileForm(initial=initial)
    return render(request, "courses/profile.html", {"form": form, "learner": learner})


@require_POST
def save_reflection(request, lesson_id: int):
    """Keep a 個人ワーク answer on the server, only ever on the learner's explicit request."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    block_id = request.POST.get("block_id", "")[:64]
    valid_ids = {block.id for block in lesson.body if block.block_type == "reflection"}
    if block_id not in valid_ids:
        return HttpResponseBadRequest(_("不正な操作です。"))
    text = request.POST.get("text", "")
    learner = learner_for_update(request)
    try:
        note = services.reflection_save(
            learner=learner, lesson=lesson, block_id=block_id, text=text
        )
    except ValidationError as error:
        # Only a request that bypassed the box's maxlength gets here: nothing is saved.
        return render(request, "400.html", {"message": " ".join(error.messages)}, status=400)
    course = lesson.course
    if note is None:
        messages.info(
            request,
            for_course(course, "message_reflection_deleted", _("保存していた回答を削除しました。")),
        )
    else:
        messages.success(
            request,
            for_course(
                course,
                "message_reflection_saved",
                _("回答を保存しました。「マイページ」でいつでも削除できます。"),
            ),
        )
    return HttpResponseRedirect(f"{lesson.url}#block-{block_id}")


def signup(request):
    """Create an optional account; what was done anonymously in this browser comes along."""
    if request.user.is_authenticated:
        return redirect("my-learning")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account_sign_up(request=request, form=form)
        messages.success(
            request, _("アカウントを作成しました。これまでの学習記録も引き継ぎました。")
        )
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            return redirect(next_url)
        return redirect("my-learning")
    return render(request, "registration/signup.html", {"form": form})


def export_my_data(request):
    """Download everything kept about me as JSON (right of access)."""
    learner = current_learner(request)
    if learner is None:
        messages.info(request, _("このブラウザには、保存されている学習の記録はありません。"))
        return redirect("my-learning")
    response = JsonResponse(
        learner_export(learner=learner), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="tsunagari-my-data.json"'
    return response


def delete_my_data(request):
    """Confirm, then delete the learner's personal data (and a citizen's account)."""
    learner = current_learner(request)
    if learner is None:
        messages.info(request, _("このブラウザには、保存されている学習の記録はありません。"))
        return redirect("my-learning")
    allowed = learner_may_delete_self(learner)
    if request.method == "POST" and allowed:
        learner_delete(learner=learner)
        if request.user.is_authenticated:
            logout(request)
        response = redirect("/")
        response.delete_cookie(settings.LEARNER_COOKIE_NAME, samesite="Lax")
        messages.success(request, _("学習の記録を削除しました。"))
        return response
    return render(request, "courses/delete_my_data.html", {"learner": learner, "allowed": allowed})
