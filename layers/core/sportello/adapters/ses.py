"""SES (v2 API) as the mail transport."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from ..ports import OutboundMail


class SesMailTransport:
    def __init__(self, client: Any | None = None) -> None:
        self._client = client or boto3.client("sesv2", config=Config(retries={"mode": "standard"}))

    def send(self, mail: OutboundMail) -> tuple[str, ...]:
        response = self._client.send_email(
            FromEmailAddress=mail.source,
            Destination={"ToAddresses": list(mail.destinations)},
            Content={"Raw": {"Data": mail.raw}},
        )
        ses_id = str(response["MessageId"])
        # SES rewrites the Message-ID as <id@email.amazonses.com> (us-east-1) or <id@<region>.amazonses.com>.
        region = self._client.meta.region_name
        return (f"{ses_id}@email.amazonses.com", f"{ses_id}@{region}.amazonses.com")
