"""The agent API (`/api/*` behind the Cognito authorizer): the agent app's one function and its grants."""

from __future__ import annotations

from constructs import Construct

from infra.constants import AGENT_API_FUNCTION
from infra.constructs.api import INTEGRATION_TIMEOUT
from infra.constructs.data import Data
from infra.constructs.email import allow_sending_mail
from infra.constructs.functions import SportelloFunction
from infra.constructs.layers import Layers
from infra.constructs.messaging import Messaging
from infra.constructs.monitoring import Monitoring
from infra.constructs.reply_tokens import ReplyTokens
from infra.constructs.settings import DeploymentSettings

ERRORS_ALARM_THRESHOLD = 5  # agents retry and report; a few errors in five minutes are worth a look


class AgentApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: Data,
        layers: Layers,
        reply_tokens: ReplyTokens,
        messaging: Messaging,
        monitoring: Monitoring,
        settings: DeploymentSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = SportelloFunction(
            self,
            "Handler",
            name=AGENT_API_FUNCTION,
            description="the agent SPA's HTTP API",
            layers=layers,
            environment={**data.table_environment, **data.bucket_environment},
            timeout=INTEGRATION_TIMEOUT,
        )
        data.grant_table_read_write(self.handler.role)
        data.grant_inbound_read(self.handler.role)  # "show original" on a mail message
        data.grant_attachments_read_write(self.handler.role)
        # Replies by email are sent from here, with signed reply+ addresses; on messaging channels they
        # are queued for the outbound function.
        reply_tokens.share_with(self.handler)
        allow_sending_mail(self.handler, settings)
        messaging.allow_replies_from(self.handler)
        monitoring.alarm_on_errors("AgentApiErrors", self.handler.function, threshold=ERRORS_ALARM_THRESHOLD)
