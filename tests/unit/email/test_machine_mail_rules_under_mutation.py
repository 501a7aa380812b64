"""How machine mail is recognised, rule by rule, with the reason the quarantine shows: the rules that
mutation testing (`make mutate`) found unguarded."""

from __future__ import annotations

from email import message_from_bytes

import pytest

from sportello.email.autoreply import auto_submitted_reason


def reason(headers: str, sender: str = "Mario Rossi <mario@example.com>") -> str | None:
    raw = f"From: {sender}\nTo: help@example.com\nSubject: Hello\n{headers}\n\nHello\n".encode()
    return auto_submitted_reason(message_from_bytes(raw))


def test_a_postmaster_writing_plainly_is_the_mail_system() -> None:
    assert reason("", sender="postmaster@example.org") == "sender: mail system"


def test_only_the_first_from_address_can_make_a_mail_the_mail_system() -> None:
    assert reason("", sender="mario@example.com, mailer-daemon@example.org") is None


@pytest.mark.parametrize("value", ["no", "NO", "false", "0"])
def test_an_autoreply_flag_saying_no_is_a_person(value: str) -> None:
    assert reason(f"X-Autoreply: {value}") is None


def test_only_the_first_token_of_auto_submitted_is_the_reason() -> None:
    assert reason("Auto-Submitted: auto-replied; owner=x; seq=2") == "auto-submitted: auto-replied"


@pytest.mark.parametrize("path", ["<>", "< >", ""])
def test_an_empty_return_path_is_the_null_sender_of_automatic_mail(path: str) -> None:
    assert reason(f"Return-Path: {path}") == "null sender"


@pytest.mark.parametrize(
    ("parameter", "expected"),
    [("; report-type=Delivery-Status", "report: delivery-status"), ("", "report: unknown")],
)
def test_a_report_is_named_by_its_report_type(parameter: str, expected: str) -> None:
    assert reason(f'Content-Type: multipart/report{parameter}; boundary="b"') == expected


def test_facebooks_x_fb_headers_mark_a_bulk_sender() -> None:
    assert reason("X-FB-Campaign: spring") == "bulk sender: x-fb-campaign"
