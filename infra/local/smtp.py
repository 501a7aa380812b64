"""An SMTP listener for inbound mail, as SES receiving would be in AWS."""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from .mailroom import Mailroom

logger = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # SES receiving's limit


class _SesLikeSmtp(SMTP):
    # SES takes lines longer than RFC 5321's 1,000 characters, and real mail has them: so does this
    # listener (the whole mail is capped by the message size limit instead).
    line_length_limit = MAX_MESSAGE_BYTES


class _SesLikeController(Controller):
    def factory(self) -> SMTP:
        return _SesLikeSmtp(self.handler, **self.SMTP_kwargs)


class _Handler:
    def __init__(self, mailroom: Mailroom) -> None:
        self._mailroom = mailroom

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or b""
        mail_from = envelope.mail_from or ""
        recipients = list(envelope.rcpt_tos)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._mailroom.receive, raw, mail_from, recipients)
        except Exception:
            # Not stored, so not accepted: the sender keeps the mail and tries again later.
            logger.exception("storing a mail from %s failed", mail_from)
            return "451 4.3.0 The mail could not be stored; try again later"
        return "250 Message accepted for delivery"


def start_smtp(mailroom: Mailroom, host: str, port: int) -> Controller:
    controller = _SesLikeController(
        _Handler(mailroom), hostname=host, port=port, data_size_limit=MAX_MESSAGE_BYTES, decode_data=False
    )
    controller.start()
    return controller
