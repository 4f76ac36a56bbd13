"""Which addresses the crawler may connect to: http(s) only, and no private, loopback or link-local addresses.

The check runs on the addresses DNS returns, at connection time, and the socket is connected to the very address
that was checked, so neither a redirect nor a DNS answer that changes between check and use can reach an
internal service. Every hop of a redirect is a new request and goes through the same check.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError, NewConnectionError

ALLOWED_SCHEMES = frozenset({"http", "https"})

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddress(Exception):
    """A fetch refused by policy before any packet was sent; ``reason`` is the crawl-log outcome.

    Not an OSError on purpose: urllib3 would take it for a network failure and wrap or retry it.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise BlockedAddress("blocked_scheme", f"only http and https are fetched, not {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise BlockedAddress("blocked_scheme", f"no host in {url!r}")


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def is_allowed_address(address: str, allowed_private: tuple[Network, ...]) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return True
    return any(ip in network for network in allowed_private if network.version == ip.version)


def resolve_allowed(host: str, port: int, allowed_private: tuple[Network, ...]) -> list[tuple]:
    """DNS answers for ``host``; refuses the host if any answer is not a public address (or explicitly allowed)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    blocked = [info[4][0] for info in infos if not is_allowed_address(info[4][0], allowed_private)]
    if blocked:
        raise BlockedAddress("blocked_private_address", f"{host} resolves to a non-public address {blocked[0]}")
    return infos


def _connect_checked(conn: HTTPConnection, allowed_private: tuple[Network, ...]) -> socket.socket:
    try:
        infos = resolve_allowed(conn._dns_host, conn.port, allowed_private)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    last: OSError | None = None
    for family, socktype, proto, _, address in infos:
        sock = socket.socket(family, socktype, proto)
        try:
            sock.settimeout(conn.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise NewConnectionError(conn, f"Failed to establish a new connection: {last}")


def safe_pool_classes(allowed_private: tuple[Network, ...]) -> dict[str, type[HTTPConnectionPool]]:
    """urllib3 pool classes whose connections only reach checked addresses (for ``PoolManager``)."""

    class SafeHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _connect_checked(self, allowed_private)

    class SafeHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _connect_checked(self, allowed_private)

    class SafeHTTPPool(HTTPConnectionPool):
        ConnectionCls = SafeHTTPConnection

    class SafeHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = SafeHTTPSConnection

    return {"http": SafeHTTPPool, "https": SafeHTTPSPool}
