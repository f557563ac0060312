"""The admin screens of SCORM packages (スニペット → SCORM教材)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.views.snippets import SnippetViewSet

from organizations.admin_scoping import SnippetChooserViewSet

from .forms import ScormPackageForm
from .records import ScormPackage


class ScormPackageViewSet(SnippetViewSet):
    """Upload, list and rename packages; national content like the pages that use them."""

    model = ScormPackage
    icon = "doc-full"
    menu_label = _("SCORM教材")
    # The upload is a form field, not a model field: the file is unpacked, never kept whole.
    edit_handler = ObjectList(
        [FieldPanel("upload"), FieldPanel("title")], base_form_class=ScormPackageForm
    )
    list_display = ["title", "file_name", "file_count", "uploaded_at"]
    search_fields = ["title", "file_name"]
    # Packages are uploaded on their own screen: the chooser has no "create" step (its modal
    # form would post without the file).
    chooser_viewset_class = SnippetChooserViewSet
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "title",
        "file_name",
        "launch_path",
        "schema_version",
        "mastery_score",
        "file_count",
        "unpacked_bytes",
        "uploaded_at",
    ]
