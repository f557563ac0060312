from django.urls import path

from . import credential_views, views

urlpatterns = [
    path("verify/", views.verify_lookup, name="certificate-lookup"),
    path("verify/<str:code>/", views.verify, name="certificate-verify"),
    path("<str:code>.pdf", views.pdf, name="certificate-pdf"),
    path("<str:code>.json", credential_views.credential, name="certificate-credential"),
    path("<str:code>/card.pdf", views.card, name="certificate-card"),
    path("keys/ed25519.json", credential_views.signing_key_document, name="certificate-key"),
    path("<str:code>/receive/", views.claim, name="certificate-claim"),
    path("status/<int:number>.json", credential_views.status_list, name="certificate-status-list"),
]
