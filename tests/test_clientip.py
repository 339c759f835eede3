"""The client's address behind proxies (config/clientip.py): only our proxies are believed."""

from __future__ import annotations

import pytest

from config.clientip import client_address, networks, scheme

TRUSTED = networks(["127.0.0.1", "10.0.0.0/8", "::1"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # an untrusted peer's header is ignored, whatever it says
        ("203.0.113.9", ["6.6.6.6"], "203.0.113.9"),
        # behind our proxy: the entry it appended
        ("127.0.0.1", ["203.0.113.9"], "203.0.113.9"),
        # a client that sends its own X-Forwarded-For cannot choose its address
        ("127.0.0.1", ["6.6.6.6, 203.0.113.9"], "203.0.113.9"),
        ("127.0.0.1", ["6.6.6.6", "203.0.113.9"], "203.0.113.9"),
        # two of our proxies in a row are skipped
        ("127.0.0.1", ["6.6.6.6, 203.0.113.9, 10.1.2.3"], "203.0.113.9"),
        # no header from our proxy: the proxy is the client
        ("127.0.0.1", [], "127.0.0.1"),
        # junk left of what our proxies vouch for ends the walk there
        ("127.0.0.1", ["evil, 10.1.2.3"], "10.1.2.3"),
        ("::1", ["2001:db8::7"], "2001:db8::7"),
        ("127.0.0.1", ["[2001:db8::7]:4711"], "2001:db8::7"),
        ("127.0.0.1", ["203.0.113.9:4711"], "203.0.113.9"),
    ],
)
def test_the_client_is_the_rightmost_address_not_ours(
    peer: str, forwarded: list[str], expected: str
) -> None:
    assert client_address(peer, forwarded, TRUSTED) == expected


def test_nothing_is_trusted_by_default() -> None:
    assert client_address("127.0.0.1", ["6.6.6.6"], networks([])) == "127.0.0.1"


@pytest.mark.parametrize(
    ("peer", "proto", "current", "expected"),
    [
        ("127.0.0.1", ["https"], "http", "https"),
        ("127.0.0.1", ["https"], "ws", "wss"),
        ("127.0.0.1", ["http"], "ws", "ws"),
        ("127.0.0.1", ["gopher"], "http", "http"),
        ("203.0.113.9", ["https"], "http", "http"),  # only from our proxy
    ],
)
def test_the_scheme_is_the_proxys_word_only_from_our_proxy(
    peer: str, proto: list[str], current: str, expected: str
) -> None:
    assert scheme(peer, proto, TRUSTED, current) == expected


def test_a_bad_trusted_entry_is_a_startup_error() -> None:
    with pytest.raises(ValueError):
        networks(["not-an-address"])
