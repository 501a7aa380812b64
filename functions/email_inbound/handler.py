"""SES receipt rule, Lambda action: the mail is already in S3 (the rule's first action)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import SESEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello.app import sportello
from sportello.config import INBOUND_PREFIX
from sportello.intake.email import Verdicts
from sportello.observability import TICKET_KEY, correlated, lambda_entry

logger = Logger()


@lambda_entry(logger)
@event_source(data_class=SESEvent)
def handler(event: SESEvent, context: LambdaContext) -> dict[str, Any]:
    reports = []
    for record in event.records:
        receipt = record.ses.receipt
        verdicts = Verdicts(
            spam=receipt.spam_verdict.status,
            virus=receipt.virus_verdict.status,
            spf=receipt.spf_verdict.status,
            dkim=receipt.dkim_verdict.status,
            dmarc=receipt.dmarc_verdict.status,
            recipients=tuple(receipt.recipients),
        )
        message_id = record.ses.mail.message_id
        # The SES message id names the raw mail in S3; it follows the mail to its ticket's events.
        with correlated(logger, message_id):
            report = sportello().email.receive(f"{INBOUND_PREFIX}{message_id}", verdicts)
            logger.append_keys(**{TICKET_KEY: report.ticket_number})
            logger.info("inbound mail: %s", report.result.value)
        reports.append(
            {"result": report.result.value, "ticket": report.ticket_number, "reason": report.reason}
        )
    return {"reports": reports}
