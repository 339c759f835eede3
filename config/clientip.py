"""Which address a request comes from, when proxies stand in between. Pure: no Django.

X-Forwarded-For is a list each proxy appends the address it saw to; everything left of
what our own proxies appended was written by the client and proves nothing. So the
client is the right-most entry that is not one of our proxies, and the header counts
only when the peer itself is one of them (LINLI_TRUSTED_PROXIES): daphne's
--proxy-headers took the left-most entry from anyone, so a client chose the address that
logs and rate limits saw. X-Forwarded-Proto likewise counts only from a trusted peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """LINLI_TRUSTED_PROXIES: addresses or CIDR blocks. A bad entry is a configuration
    error, raised at startup rather than trusting less (or more) than was meant."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("["):  # [v6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # v4:port
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_trusted(peer: str, trusted: tuple[Network, ...]) -> bool:
    address = _address(peer)
    return address is not None and any(address in network for network in trusted)


def client_address(peer: str, forwarded_for: Iterable[str], trusted: tuple[Network, ...]) -> str:
    """The client's address: the right-most X-Forwarded-For entry that is not a trusted
    proxy, if `peer` is one; else `peer`. An entry that is no address ends the walk at
    the last address a trusted proxy vouched for."""
    if not is_trusted(peer, trusted):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return client
        client = str(address)
        if not any(address in network for network in trusted):
            return client
    return client


def scheme(
    peer: str, forwarded_proto: Iterable[str], trusted: tuple[Network, ...], current: str
) -> str:
    """The scheme the client used: `current`, or a trusted peer's X-Forwarded-Proto
    (http/https, as ws/wss on a WebSocket)."""
    if not is_trusted(peer, trusted):
        return current
    values = [v.strip().lower() for value in forwarded_proto for v in value.split(",")]
    said = values[-1] if values else ""
    if said not in {"http", "https"}:
        return current
    secure = said == "https"
    if current in {"ws", "wss"}:
        return "wss" if secure else "ws"
    return "https" if secure else "http"
