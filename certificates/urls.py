from django.urls import path

from . import views

urlpatterns = [
    path("verify/<str:code>/", views.verify, name="certificate-verify"),
    path("<str:code>.pdf", views.pdf, name="certificate-pdf"),
    path("<str:code>/receive/", views.claim, name="certificate-claim"),
]
