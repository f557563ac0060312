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
    """The address in an X-Forwarded-For entry (some load balancers add the client's port:
    ``203.0.113.9:51234``, ``[2001:db8::1]:51234``), or None when it is not one."""
    address = address.strip()
    if address.startswith("[") and "]" in address:
        address = address[1 : address.index("]")]
    elif address.count(":") == 1:
        address = address.split(":")[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def budget_key(address: str) -> str:
    """What one rate-limit budget belongs to: an IPv4 address, or an IPv6 /64 network (one
    household or phone gets a whole /64 and could otherwise take a fresh address at will)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:  # ::ffff:203.0.113.9 is that IPv4 client
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


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
