from django.urls import path

from . import views

urlpatterns = [
    path("<uidb64>/<token>/", views.StaffSetPasswordView.as_view(), name="staff-set-password"),
]
