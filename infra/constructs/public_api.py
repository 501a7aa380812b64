"""The public API (`/public/*`, no login): the web form and the chat widget on the business's own site."""

from __future__ import annotations

from constructs import Construct

from infra.constants import PUBLIC_API_FUNCTION
from infra.constructs.api import INTEGRATION_TIMEOUT
from infra.constructs.data import Data
from infra.constructs.email import allow_sending_mail
from infra.constructs.functions import SportelloFunction
from infra.constructs.layers import Layers
from infra.constructs.reply_tokens import ReplyTokens
from infra.constructs.settings import DeploymentSettings


class PublicApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: Data,
        layers: Layers,
        reply_tokens: ReplyTokens,
        settings: DeploymentSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = SportelloFunction(
            self,
            "Handler",
            name=PUBLIC_API_FUNCTION,
            description="the web form and the chat widget (no login)",
            layers=layers,
            environment={**data.table_environment, **data.bucket_environment},
            timeout=INTEGRATION_TIMEOUT,
        )
        data.grant_table_read_write(self.handler.role)  # tickets, and the rate-limit counters
        data.grant_attachments_read_write(self.handler.role)
        # Signs chat sessions, and the reply+ addresses of the form's acknowledgements.
        reply_tokens.share_with(self.handler)
        allow_sending_mail(self.handler, settings)  # form acknowledgements
