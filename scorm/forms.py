"""The admin form that uploads a SCORM package (スニペット → SCORM教材 → 追加)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import services
from .packages import PackageError, inspect_package


class ScormPackageForm(WagtailAdminModelForm):
    """Upload: the ZIP is checked completely in ``clean`` (every problem in Japanese, on the
    file field), and unpacked by ``scorm.services.package_create`` when saved. Editing a
    package changes its title only: a package's files never change once stored."""

    upload = forms.FileField(
        label=_("SCORM 1.2 の ZIP ファイル"),
        required=False,
        help_text=_("imsmanifest.xml が ZIP の最上位にある、SCORM 1.2 形式の教材です。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("空欄なら教材の中の名前を使います。")
        if self.instance.pk:
            del self.fields["upload"]
        self.package_info = None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            if not cleaned.get("title"):
                self.add_error("title", _("教材名を入力してください。"))
            return cleaned
        upload = cleaned.get("upload")
        if not upload:
            self.add_error("upload", _("SCORM 教材の ZIP ファイルを選んでください。"))
            return cleaned
        try:
            self.package_info = inspect_package(upload)
        except PackageError as error:
            self.add_error("upload", str(error))
            return cleaned
        if not cleaned.get("title"):
            cleaned["title"] = (self.package_info.title or upload.name)[:200]
        return cleaned

    def save(self, commit=True):
        if self.instance.pk:
            return services.package_rename(package=self.instance, title=self.cleaned_data["title"])
        self.instance = services.package_create(
            upload=self.cleaned_data["upload"],
            info=self.package_info,
            title=self.cleaned_data.get("title") or "",
            uploaded_by=getattr(self, "for_user", None),
        )
        return self.instance
