"""The public API (`/public/*`, no login): the web form and the chat widget on the business's own site."""

from __future__ import annotations

from constructs import Construct

from infra.constants import PUBLIC_API_FUNCTION
from infra.constructs.api import INTEGRATION_TIMEOUT
from infra.constructs.ticket_desk import TicketDesk


class PublicApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        desk: TicketDesk,
    ) -> None:
        super().__init__(scope, construct_id)
        # Tickets and the rate-limit counters in the table; signed chat sessions; acknowledgements of the
        # form by mail.
        self.handler = desk.function(
            self,
            "Handler",
            name=PUBLIC_API_FUNCTION,
            description="the web form and the chat widget (no login)",
            timeout=INTEGRATION_TIMEOUT,
        )
