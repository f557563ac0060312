from django.urls import path

from . import views

urlpatterns = [
    path("find/", views.finder, name="course-finder"),
    path("<int:pk>/", views.course_detail, name="course-event"),
    path("<int:pk>.ics", views.course_ics, name="course-event-ics"),
    path("<int:pk>/signup/", views.signup, name="course-event-signup"),
    path("signup/<str:token>/", views.signup_manage, name="course-signup"),
    path("organisers/register/", views.organiser_register, name="organiser-register"),
    path(
        "organisers/set-password/<uidb64>/<token>/",
        views.OrganiserSetPasswordView.as_view(),
        name="organiser-set-password",
    ),
]
