"""The address of the person behind a request, when the site runs behind proxies.

Each proxy appends the address it received the request from to ``X-Forwarded-For``; whatever a
client puts there itself stays on the left. With ``TRUSTED_PROXY_COUNT`` proxies in front of the
site, the client's address is therefore the entry that many places from the right end (the last
proxy's own address is ``REMOTE_ADDR``), and entries further left are unverified claims that
must never decide whose budget a request spends.
"""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request) -> str:
    """The client's own address: ``REMOTE_ADDR`` when no proxy is configured, otherwise read
    from the right end of ``X-Forwarded-For``. A request that did not pass through all the
    configured proxies (too few entries, or a malformed one) falls back to ``REMOTE_ADDR``, so a
    forged header can at most put its sender in the proxy's shared budget, never a fresh one."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < count:
        return remote
    return _valid(entries[-count]) or remote
