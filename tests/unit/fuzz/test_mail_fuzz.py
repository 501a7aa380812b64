"""Fuzzing the MIME parser and the email intake with real mails, mutated, and mails built from parts.

Properties: the parser returns a mail or refuses it with EmailParseError, nothing else; every mail,
however broken, ends as a ticket, a message on one, an event or a quarantine record, with its raw
bytes kept; and delivering the same bytes again creates nothing new.
"""

from __future__ import annotations

import contextlib

from hypothesis import given
from hypothesis import strategies as st

from sportello.email.parsing import EmailParseError, parse_email
from sportello.intake.email import Result, Verdicts

from .ledger import VERDICTS, FuzzedMailbox
from .mail_strategies import raw_mail


@given(raw_mail())
def test_the_mime_parser_returns_a_mail_or_an_email_parse_error(raw: bytes) -> None:
    with contextlib.suppress(EmailParseError):  # the one documented way to say "not a mail"
        parse_email(raw)


@given(raw_mail(), st.sampled_from(VERDICTS))
def test_every_mail_ends_as_a_ticket_a_message_an_event_or_a_quarantine_record(
    raw: bytes, verdicts: Verdicts
) -> None:
    mailbox = FuzzedMailbox()

    mailbox.deliver(raw, verdicts)  # checks where it ended, and that nothing crashed on the way


@given(raw_mail(), st.sampled_from(VERDICTS))
def test_a_mail_delivered_twice_creates_nothing_the_second_time(raw: bytes, verdicts: Verdicts) -> None:
    mailbox = FuzzedMailbox()
    first = mailbox.deliver(raw, verdicts)

    again = mailbox.deliver(raw, verdicts)

    expected = Result.QUARANTINED if first.result is Result.QUARANTINED else Result.DUPLICATE
    assert again.result is expected, (first, again)
