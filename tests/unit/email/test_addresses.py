"""sendable_address: the addresses SES can send to, in the form it takes them."""

from __future__ import annotations

import pytest

from sportello.email.addresses import UnanswerableAddressError, sendable_address


@pytest.mark.parametrize(
    ("address", "sendable"),
    [
        ("Mario.Rossi@Example.org", "mario.rossi@example.org"),
        ("user@exämple.org", "user@xn--exmple-cua.org"),
        ("user@xn--exmple-cua.org", "user@xn--exmple-cua.org"),
        ("o'brien+tickets@example.ie", "o'brien+tickets@example.ie"),
        ("user@example.org.", "user@example.org"),
    ],
)
def test_ascii_mailboxes_at_any_domain_are_sendable_with_the_domain_in_idna_form(
    address: str, sendable: str
) -> None:
    assert sendable_address(address) == sendable


@pytest.mark.parametrize(
    "address",
    [
        "üser@example.org",  # an SMTPUTF8 mailbox: SES refuses it
        "user@example.org\r\nBcc: all@example.net",
        "user@example.org\n",
        "us er@example.org",
        "user",
        "@example.org",
        "user@",
        "user@localhost",
        "user@-example.org",
        "user@exa_mple.org",
        ".user@example.org",
        "us..er@example.org",
        '"quoted"@example.org',
        f"{'a' * 65}@example.org",
        f"user@{'a' * 64}.org",
    ],
)
def test_an_address_no_reply_could_reach_is_refused_with_a_reason(address: str) -> None:
    with pytest.raises(UnanswerableAddressError, match=r"."):
        sendable_address(address)
