"""What SES does with inbound mail, locally: store the raw mail in S3, then invoke the email handler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import boto3

from email_inbound.handler import handler as email_handler
from sportello.app import sportello
from sportello.clock import utc_now
from sportello.config import INBOUND_PREFIX, settings
from sportello.intake.keeping import quarantine_raw
from sportello.tickets.model import Channel

from .events import PASSING_VERDICTS, LambdaContext, ses_message_id, ses_receipt_event

logger = logging.getLogger(__name__)


class Mailroom:
    def __init__(self, lock: threading.RLock, on_change: Callable[[], None] = lambda: None) -> None:
        self._lock = lock
        self._on_change = on_change
        self._s3 = boto3.client("s3")

    def receive(self, raw: bytes, mail_from: str, recipients: Sequence[str]) -> dict[str, Any]:
        """Stores then processes one mail; returns the handler's report for it.

        Raises only when the mail could not be stored (the listener then refuses it, and the sender
        retries): once stored, it ends as a ticket, an event or a quarantine record, as in AWS.
        """
        message_id = ses_message_id()
        raw_key = f"{INBOUND_PREFIX}{message_id}"
        with self._lock:
            self._s3.put_object(Bucket=settings().data_bucket, Key=raw_key, Body=raw)
            try:
                report = self._process(message_id, raw, mail_from, recipients)
            except Exception as error:
                logger.exception("processing mail %s from %s failed", message_id, mail_from)
                reason = f"processing failed: {type(error).__name__}: {error}"
                quarantine_raw(sportello().quarantine, raw_key, reason, Channel.EMAIL.value, utc_now())
                report = {"result": "quarantined", "ticket": None, "reason": reason}
            finally:
                self._on_change()
        logger.info("mail %s from %s: %s", message_id, mail_from, report)
        return report

    @staticmethod
    def _process(message_id: str, raw: bytes, mail_from: str, recipients: Sequence[str]) -> dict[str, Any]:
        # The local listener stands in for an authenticating MTA: only this machine reaches it, so
        # its mail passes SPF/DKIM/DMARC (GRAY is no authentication: replies would never thread).
        event = ses_receipt_event(message_id, raw, recipients, mail_from, PASSING_VERDICTS)
        result = email_handler(event, LambdaContext("email_inbound"))
        report: dict[str, Any] = result["reports"][0]
        return report
