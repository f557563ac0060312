"""Admin form of a question: the choices must fit the question's kind."""

from django import forms
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminModelForm


class QuestionAdminForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("choices")
        if formset is None or not formset.is_valid():
            return cleaned
        choices = [
            form.cleaned_data
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        correct = sum(1 for choice in choices if choice.get("is_correct"))
        kind = cleaned.get("kind")
        if kind == "single" and correct != 1:
            raise forms.ValidationError(
                _("単一選択の問題には、正解の選択肢をちょうど1つ指定してください。")
            )
        if kind == "multiple" and correct < 1:
            raise forms.ValidationError(
                _("複数選択の問題には、正解の選択肢を1つ以上指定してください。")
            )
        if kind == "true_false" and (len(choices) != 2 or correct != 1):
            raise forms.ValidationError(
                _("○×問題の選択肢は「○」と「×」の2つで、正解はどちらか1つです。")
            )
        return cleaned
