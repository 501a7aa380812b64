"""The agent API (`/api/*` behind the Cognito authorizer): the agent app's one function and its grants."""

from __future__ import annotations

from constructs import Construct

from infra.constants import AGENT_API_FUNCTION
from infra.constructs.api import INTEGRATION_TIMEOUT
from infra.constructs.messaging import Messaging
from infra.constructs.monitoring import Monitoring
from infra.constructs.ticket_desk import TicketDesk

ERRORS_ALARM_THRESHOLD = 5  # an agent sees each error and can retry: only a run of them needs a human


class AgentApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        desk: TicketDesk,
        messaging: Messaging,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = desk.function(
            self,
            "Handler",
            name=AGENT_API_FUNCTION,
            description="the agent SPA's HTTP API",
            timeout=INTEGRATION_TIMEOUT,
        )
        desk.data.grant_inbound_read(self.handler.role)  # "show original" on a mail message
        # Replies by email are sent from here; on messaging channels they are queued for `outbound`.
        messaging.allow_replies_from(self.handler)
        monitoring.alarm_on_errors("AgentApiErrors", self.handler.function, threshold=ERRORS_ALARM_THRESHOLD)
