"""Signals other apps (reports) plug into without certificates knowing them."""

from django.dispatch import Signal

# Sent inside the revoking transaction: sender=Certificate, certificate=...
certificate_revoked = Signal()
