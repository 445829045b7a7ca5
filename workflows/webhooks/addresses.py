"""Where a webhook may point: the public internet only, never Aduan's own network (server-side request
forgery). An admin of an instansi must not be able to make the server knock on its own database, on a cloud's
metadata service (169.254.169.254) or on anything else inside, and learn from the answers what listens there.

A target is refused when its host is, or resolves to, any address that is loopback, private (RFC 1918,
fc00::/7, 100.64.0.0/10), link-local (169.254.0.0/16, fe80::/10), unspecified, multicast, reserved or
otherwise not globally reachable (an IPv6 address carrying an IPv4 one is judged by that one). It is checked
twice: when the subscription is made (:func:`refused`, a 422 on its ``url``) and again right before every
connection (:func:`public_addresses`, used by the delivery's own connection), so that a name whose DNS
answer changes later cannot get in. ``ADUAN_WEBHOOK_ALLOW_PRIVATE=1`` (an operator's setting, for a receiver
on the same network or for the demo) turns the rule off.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list[tuple[Any, ...]]]
PRIVATE_ERROR = "the address {where} is inside the private network; refused"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class PrivateAddress(Exception):
    """The target is (or resolves to) an address inside the private network."""

    def __init__(self, where: str):
        super().__init__(PRIVATE_ERROR.format(where=where))
        self.where = where


def is_forbidden(address: IPAddress) -> bool:
    """Not a public internet address (see the module)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and is_forbidden(embedded):
            return True
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified
            or address.is_multicast or address.is_reserved or not address.is_global)


def literal(host: str) -> IPAddress | None:
    """The host as an address when it is one (``[::1]`` without its brackets), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _where(host: str, address: str) -> str:
    """The address refused, as the admin will recognize it: the host as written, or the address and the name."""
    host = host.strip("[]")
    return host if literal(host) is not None else f"{address} ({host})"


def resolve(host: str, port: int, resolver: Resolver | None = None) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` for a TCP connection (raises ``socket.gaierror`` for a name that is not found)."""
    return (resolver or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)


def public_addresses(host: str, port: int, resolver: Resolver | None = None) -> list[tuple[Any, ...]]:
    """Every address the host resolves to, when all of them are public; :class:`PrivateAddress` when any
    is not (not only the first: a receiver may be reached at any of them)."""
    found = resolve(host, port, resolver)
    for *_rest, sockaddr in found:
        address = literal(str(sockaddr[0]))
        if address is None or is_forbidden(address):
            raise PrivateAddress(_where(host, str(sockaddr[0])))
    return found


def refused(host: str, port: int, resolver: Resolver | None = None) -> str | None:
    """At creation: the forbidden address the host is or resolves to ("10.0.0.5", "127.0.0.1 (localhost)"),
    or None. A name that does not resolve (yet) is let through: the check before each delivery covers it."""
    address = literal(host)
    if address is not None:
        return _where(host, host) if is_forbidden(address) else None
    try:
        public_addresses(host, port, resolver)
    except PrivateAddress as exc:
        return exc.where
    except (OSError, UnicodeError):  # not found (now), or not a name a resolver takes
        return None
    return None
