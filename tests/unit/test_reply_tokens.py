"""Signed reply addresses."""

from __future__ import annotations

import pytest

from sportello.email.tokens import ReplyTokens

TOKENS = ReplyTokens("secret-one", "desk.example.com")


def test_round_trip():
    address = TOKENS.address(42)

    assert address.startswith("reply+42.")
    assert address.endswith("@desk.example.com")
    assert TOKENS.ticket_number(address) == 42


def test_mail_systems_changing_case_do_not_break_it():
    assert TOKENS.ticket_number(TOKENS.address(42).upper()) == 42


@pytest.mark.parametrize(
    "forged",
    [
        TOKENS.address(42).replace("reply+42.", "reply+43."),
        ReplyTokens("another-secret", "desk.example.com").address(42),
        TOKENS.address(42).replace("desk.example.com", "evil.example.com"),
        "reply+42@desk.example.com",
        "support@desk.example.com",
        "",
    ],
)
def test_forged_or_foreign_addresses_are_not_trusted(forged):
    assert TOKENS.ticket_number(forged) is None


def test_empty_secret_is_refused():
    with pytest.raises(ValueError, match="empty"):
        ReplyTokens("", "desk.example.com")
