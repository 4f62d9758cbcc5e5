"""Where a webhook may point (server-side request forgery protection), checked when a hook is
saved AND when each delivery resolves the address: a name that resolved to a public address at
save time may resolve to 127.0.0.1 later (DNS rebinding), so the delivery connects to exactly the
address this module checked (`webhooks.delivery`), never to a second resolution of the name.

Refused unless WEBHOOK_ALLOW_PRIVATE: loopback, private, link-local, multicast, unspecified,
reserved and any other non-global address, IPv4 and IPv6, IPv4-mapped IPv6 (`::ffff:127.0.0.1`)
judged as the IPv4 address it maps, and names resolving to any of those (every address a name
resolves to must pass). Only `https` unless WEBHOOK_ALLOW_HTTP; no user name or password in the URL.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class AddressRefused(ValueError):
    """The URL may not be used; the message says why (shown to the club admin)."""


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to `ip`, say `host` (Host header, TLS SNI and certificate)."""

    scheme: str
    host: str
    port: int
    ip: str


def _refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for attribute, what in (
        ("is_loopback", "a loopback"),
        ("is_unspecified", "an unspecified"),
        ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"),
        ("is_private", "a private"),
        ("is_reserved", "a reserved"),
    ):
        if getattr(ip, attribute):
            return f"{what} address ({ip})"
    if not ip.is_global:
        return f"a non-public address ({ip})"
    return None


def url_parts(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an allowed URL, or AddressRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise AddressRefused(f"Not a valid URL: {error}.") from None
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        raise AddressRefused("Only https:// URLs are allowed." if "http" not in allowed else "Use http or https.")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("The URL may not carry a user name or password.")
    if not parts.hostname:
        raise AddressRefused("The URL has no host.")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(url: str) -> Target:
    """Check the URL and resolve its host now; every address must be allowed. The first one is
    the one to connect to. AddressRefused otherwise (also when the name does not resolve)."""
    scheme, host, port = url_parts(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(f"The host {host!r} does not resolve ({error}).") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise AddressRefused(f"The host {host!r} does not resolve.")
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        for address in addresses:
            reason = _refusal(ipaddress.ip_address(address.split("%", 1)[0]))
            if reason is not None:
                raise AddressRefused(f"The host {host!r} resolves to {reason}; webhooks must reach a public address.")
    return Target(scheme=scheme, host=host, port=port, ip=addresses[0])
