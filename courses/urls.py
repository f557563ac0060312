from django.urls import path

from . import views

urlpatterns = [
    path("", views.my_learning, name="my-learning"),
    path("profile/", views.profile, name="learner-profile"),
    path("reflections/<id:lesson_id>/", views.save_reflection, name="save-reflection"),
    path("data.json", views.export_my_data, name="export-my-data"),
    path("delete/", views.delete_my_data, name="delete-my-data"),
]
