"""Delivering mail to the email handler the way SES does: store the raw mail, then invoke."""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from email_inbound.handler import handler as email_handler
from infra.local.events import PASSING_VERDICTS, LambdaContext, ses_message_id, ses_receipt_event
from sportello.config import INBOUND_PREFIX, settings


def compose(
    sender: str = "Mario Rossi <mario@example.org>",
    subject: str = "Cannot log in",
    body: str = "Hi, I can't log in to my account since yesterday. Can you help me?",
    *,
    to: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to or settings().support_address
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="example.org")
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = references
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    return mail


def deliver(
    cloud: Any,
    mail: EmailMessage | bytes,
    *,
    recipients: tuple[str, ...] | None = None,
    verdicts: Mapping[str, str] = PASSING_VERDICTS,
    ses_id: str | None = None,
) -> dict[str, Any]:
    raw = mail if isinstance(mail, bytes) else bytes(mail)
    message_id = ses_id or ses_message_id()
    cloud.s3.put_object(Bucket=cloud.bucket, Key=f"{INBOUND_PREFIX}{message_id}", Body=raw)
    event = ses_receipt_event(
        message_id, raw, recipients or (settings().support_address,), "sender@example.org", verdicts
    )
    result: dict[str, Any] = email_handler(event, LambdaContext("email_inbound"))
    if getattr(cloud, "routed", False):
        cloud.desk.settle()
    return dict(result["reports"][0])
