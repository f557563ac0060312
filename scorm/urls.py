from django.urls import path

from . import views

urlpatterns = [
    path(
        "commit/<id:page_id>/<id:package_id>/",
        views.commit,
        name="scorm-commit",
    ),
    path("<id:package_id>/<path:path>", views.package_file, name="scorm-file"),
]
