"""Sportello under moto's in-process AWS, set up as the integration tests set it up.

Import only after `bench.environment.configure()`: Sportello reads its settings at import.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

import boto3
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from bench.environment import REGION
from bench.workload import Acknowledgement
from sportello.config import settings
from sportello.email.compose import ticket_number_in_subject
from sportello.email.parsing import normalise_message_id
from sportello.store import models
from sportello.store.tickets import DynamoTicketRepository
from tests.integration.mail import deliver


@dataclass(frozen=True)
class Desk:
    # The two attributes tests.integration.mail.deliver() needs from its `cloud`.
    s3: Any
    bucket: str

    def receive(self, raw: bytes) -> dict[str, Any]:
        """What SES does for one mail: store it under inbound/<id>, then invoke the handler."""
        return deliver(self, raw)

    @staticmethod
    def sent_count() -> int:
        return len(_raw_outbox())

    @staticmethod
    def acknowledgements() -> dict[str, Acknowledgement]:
        """The acknowledgements in the outbox, by the Message-ID of the mail each one answers."""
        acks = {}
        for mail in _outbox():
            answered = normalise_message_id(str(mail.get("In-Reply-To", "")))
            number = ticket_number_in_subject(str(mail["Subject"]))
            if mail.get("Auto-Submitted") and answered and number is not None:
                sent_id = normalise_message_id(str(mail["Message-ID"])) or ""
                acks[answered] = Acknowledgement(number, str(mail["Subject"]), sent_id)
        return acks

    @staticmethod
    def ticket_of(message_id: str) -> int | None:
        """Where the store filed a mail, read back from its Message-ID record (not from the report)."""
        normalised = normalise_message_id(message_id)
        return DynamoTicketRepository().ticket_for_ref(normalised) if normalised else None


def _raw_outbox() -> list[str]:
    backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
    return [message.raw_data for message in backend.sent_messages if hasattr(message, "raw_data")]


def _outbox() -> list[EmailMessage]:
    return [message_from_string(raw, policy=policy.default) for raw in _raw_outbox()]


@contextmanager
def running_desk() -> Iterator[Desk]:
    with mock_aws():
        config = settings()
        models.create_table()
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=config.data_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=config.mail_domain)
        yield Desk(s3, config.data_bucket)
