"""What SES does with inbound mail, locally: store the raw mail in S3, then invoke the email handler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import boto3

from email_inbound.handler import handler as email_handler
from sportello.config import INBOUND_PREFIX, settings

from .events import PASSING_VERDICTS, LambdaContext, ses_message_id, ses_receipt_event

logger = logging.getLogger(__name__)


class Mailroom:
    def __init__(self, lock: threading.RLock, on_change: Callable[[], None] = lambda: None) -> None:
        self._lock = lock
        self._on_change = on_change
        self._s3 = boto3.client("s3")

    def receive(self, raw: bytes, mail_from: str, recipients: Sequence[str]) -> dict[str, Any]:
        """Stores then processes one mail; returns the handler's report for it."""
        message_id = ses_message_id()
        with self._lock:
            self._s3.put_object(Bucket=settings().data_bucket, Key=f"{INBOUND_PREFIX}{message_id}", Body=raw)
            # The local listener stands in for an authenticating MTA: only this machine reaches it, so
            # its mail passes SPF/DKIM/DMARC (GRAY is no authentication: replies would never thread).
            event = ses_receipt_event(message_id, raw, recipients, mail_from, PASSING_VERDICTS)
            try:
                result = email_handler(event, LambdaContext("email_inbound"))
            finally:
                self._on_change()
        report: dict[str, Any] = result["reports"][0]
        logger.info("mail %s from %s: %s", message_id, mail_from, report)
        return report
