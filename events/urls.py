from django.urls import path

from . import checkin_views, views

urlpatterns = [
    path("find/", views.finder, name="course-finder"),
    path("<int:pk>/", views.course_detail, name="course-event"),
    path("<int:pk>.ics", views.course_ics, name="course-event-ics"),
    path("<int:pk>/signup/", views.signup, name="course-event-signup"),
    path("signup/<str:token>/", views.signup_manage, name="course-signup"),
    path("<int:pk>/check-in/", checkin_views.check_in, name="course-check-in"),
    path("check-in/<str:token>/", checkin_views.check_in_done, name="course-check-in-done"),
    path(
        "check-in/<str:token>/questionnaire/",
        checkin_views.check_in_questionnaire,
        name="course-check-in-questionnaire",
    ),
    path("organisers/register/", views.organiser_register, name="organiser-register"),
    path(
        "organisers/set-password/<uidb64>/<token>/",
        views.OrganiserSetPasswordView.as_view(),
        name="organiser-set-password",
    ),
]
