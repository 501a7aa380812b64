"""The Sportello stack: composes one construct per concern and publishes what an operator needs."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from infra.constants import (
    OUTPUT_ACTIVATE_RULE_SET,
    OUTPUT_ALARM_TOPIC_ARN,
    OUTPUT_API_URL,
    OUTPUT_DEAD_LETTER_QUEUE_URL,
    OUTPUT_HOSTED_UI_DOMAIN,
    OUTPUT_MAIL_DOMAIN,
    OUTPUT_NOTIFICATION_TOPIC_ARN,
    OUTPUT_PROVIDER_SECRET_NAME,
    OUTPUT_RULE_SET_NAME,
    OUTPUT_USER_POOL_CLIENT_ID,
    OUTPUT_USER_POOL_ID,
    OUTPUT_WEB_URL,
    OUTPUT_WEBHOOK_BASE_URL,
    SERVICE_NAME,
    WEBHOOKS_PATH,
)
from infra.constructs.agent_api import AgentApi
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.automations import AUTOMATIONS, SLA_SWEEP, ScheduledSweep, sweep_dead_letters
from infra.constructs.dashboard import Dashboard
from infra.constructs.data import Data
from infra.constructs.email import Email
from infra.constructs.events import TicketEvents
from infra.constructs.layers import Layers
from infra.constructs.messaging import Messaging
from infra.constructs.monitoring import Monitoring
from infra.constructs.public_api import PublicApi
from infra.constructs.reply_tokens import ReplyTokens
from infra.constructs.routing import Routing
from infra.constructs.settings import DeploymentSettings
from infra.constructs.ticket_desk import TicketDesk
from infra.constructs.web import Web


class SportelloStack(Stack):
    """Each concern owns its functions, queues, grants and alarms; the stack only wires them together."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, description="Sportello: serverless help desk", **kwargs)
        Tags.of(self).add("service", SERVICE_NAME)
        self.settings = settings = DeploymentSettings.from_context(self.node)

        self.monitoring = Monitoring(self, "Monitoring", alarm_email=settings.alarm_email)
        self.data = Data(self, "Data")
        self.layers = Layers(self, "Layers")
        self.reply_tokens = ReplyTokens(self, "ReplyTokens")
        desk = TicketDesk(
            data=self.data, layers=self.layers, reply_tokens=self.reply_tokens, settings=settings
        )
        self.email = Email(self, "Email", desk=desk, monitoring=self.monitoring)
        self.messaging = Messaging(
            self, "Messaging", data=self.data, layers=self.layers, monitoring=self.monitoring
        )
        self.agent_api = AgentApi(
            self, "AgentApi", desk=desk, messaging=self.messaging, monitoring=self.monitoring
        )
        self.public_api = PublicApi(self, "PublicApi", desk=desk)
        self.web = Web(self, "Web")
        self.auth = Auth(self, "Auth", web_url=self.web.url, domain_prefix=settings.auth_domain_prefix)
        self.api = Api(
            self,
            "Api",
            user_pool=self.auth.user_pool,
            client=self.auth.client,
            agent_api=self.agent_api.handler.function,
            public_api=self.public_api.handler.function,
            webhooks=self.messaging.webhooks.function,
        )
        self.web.deploy_site(self._web_config())
        self.routing = Routing(
            self, "Routing", desk=desk, messaging=self.messaging, monitoring=self.monitoring
        )
        self.ticket_events = TicketEvents(
            self, "TicketEvents", data=self.data, layers=self.layers, monitoring=self.monitoring
        )
        self.routing.allow_starting(self.ticket_events.handler)
        sweeps_failed = sweep_dead_letters(self, self.monitoring)
        self.automations = ScheduledSweep(
            self, "Automations", AUTOMATIONS, dead_letters=sweeps_failed, desk=desk, messaging=self.messaging
        )
        self.sla_sweep = ScheduledSweep(
            self, "SlaSweep", SLA_SWEEP, dead_letters=sweeps_failed, desk=desk, messaging=self.messaging
        )
        # Rules' "notify" actions publish to the desk's notification topic, from the sweeps too, and the
        # SLA's warnings and breaches go there (the `notifyEmail` context value subscribes an address).
        self.routing.allow_notifying(self.automations.handler)
        self.routing.allow_notifying(self.sla_sweep.handler)
        # Last: it draws every function and dead-letter queue created above.
        self.dashboard = Dashboard(self, "Dashboard", monitoring=self.monitoring, table=self.data.table)
        self._outputs()

    def _web_config(self) -> dict[str, str]:
        """`config.json`, read by the SPA at start-up (the local cloud serves its own)."""
        return {
            "auth": "cognito",
            "apiBase": self.api.url,  # the SPA appends /api/… itself
            "cognitoDomain": self.auth.hosted_ui_url,
            "clientId": self.auth.client.user_pool_client_id,
            "redirectUri": f"{self.web.url}/",
        }

    def _outputs(self) -> None:
        outputs = {
            OUTPUT_WEB_URL: (self.web.url, "The agent app"),
            OUTPUT_MAIL_DOMAIN: (
                self.settings.mail_domain,
                "The domain customers write to (verify it in SES)",
            ),
            OUTPUT_API_URL: (self.api.url, "HTTP API base URL"),
            OUTPUT_USER_POOL_ID: (self.auth.user_pool.user_pool_id, "Cognito user pool: invite agents"),
            OUTPUT_USER_POOL_CLIENT_ID: (self.auth.client.user_pool_client_id, "SPA client id"),
            OUTPUT_HOSTED_UI_DOMAIN: (self.auth.hosted_ui_url, "Cognito hosted UI"),
            OUTPUT_RULE_SET_NAME: (self.email.rule_set_name, "SES receipt rule set"),
            OUTPUT_ACTIVATE_RULE_SET: (
                self.email.activate_command,
                "Run once: SES has one active rule set per region (this replaces any other)",
            ),
            OUTPUT_DEAD_LETTER_QUEUE_URL: (
                self.email.dead_letters.queue_url,
                "Inbound mail that failed processing",
            ),
            OUTPUT_ALARM_TOPIC_ARN: (self.monitoring.topic.topic_arn, "Subscribe to receive alarms"),
            OUTPUT_NOTIFICATION_TOPIC_ARN: (
                self.routing.notifications.topic_arn,
                "The desk's notifications (assignments, urgent tickets, rules): subscribe agents' email",
            ),
            OUTPUT_WEBHOOK_BASE_URL: (
                f"{self.api.url}{WEBHOOKS_PATH}/",
                "Give each provider this URL followed by its name (whatsapp, telegram, ...)",
            ),
            OUTPUT_PROVIDER_SECRET_NAME: (
                self.messaging.provider_secret.secret_name,
                'Fill in the providers\' credentials: {"whatsapp": {...}, "telegram": {...}}',
            ),
        }
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)
