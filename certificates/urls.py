from django.urls import path

from . import views

urlpatterns = [
    path("verify/", views.verify_lookup, name="certificate-lookup"),
    path("verify/<str:code>/", views.verify, name="certificate-verify"),
    path("<str:code>.pdf", views.pdf, name="certificate-pdf"),
    path("<str:code>.json", views.credential, name="certificate-credential"),
    path("<str:code>/card.pdf", views.card, name="certificate-card"),
    path("keys/ed25519.json", views.signing_key_document, name="certificate-key"),
    path("<str:code>/receive/", views.claim, name="certificate-claim"),
]
