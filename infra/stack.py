"""The Sportello stack: composes one construct per concern and publishes what an operator needs."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from infra.constants import SERVICE_NAME
from infra.constructs import names
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.data import Data
from infra.constructs.email import Email
from infra.constructs.events import TicketEvents
from infra.constructs.functions import Functions
from infra.constructs.layers import Layers
from infra.constructs.messaging import Messaging
from infra.constructs.monitoring import Monitoring
from infra.constructs.settings import DeploymentSettings
from infra.constructs.web import Web


class SportelloStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, description="Sportello: serverless help desk", **kwargs)
        Tags.of(self).add("service", SERVICE_NAME)
        settings = DeploymentSettings.from_context(self.node)

        self.data = Data(self, "Data")
        self.web = Web(self, "Web")
        self.auth = Auth(self, "Auth", web_url=self.web.url, domain_prefix=settings.auth_domain_prefix)
        self.layers = Layers(self, "Layers")
        self.functions = Functions(self, "Functions", data=self.data, layers=self.layers, settings=settings)
        self.email = Email(
            self,
            "Email",
            bucket=self.data.bucket,
            handler=self.functions.email_inbound.function,
            settings=settings,
        )
        self.messaging = Messaging(
            self,
            "Messaging",
            data=self.data,
            layers=self.layers,
            environment=self.functions.environment,
            reply_token_secret=self.functions.reply_token_secret,
        )
        self.messaging.allow_replies_from(self.functions.agent_api)
        self.api = Api(
            self,
            "Api",
            user_pool=self.auth.user_pool,
            client=self.auth.client,
            agent_api=self.functions.agent_api.function,
        )
        # Providers cannot present a Cognito token: the handler verifies each provider's signature.
        self.api.add_public_route(names.WEBHOOKS_ROUTE, self.messaging.webhooks.function)
        # Visitors of the business's own website: rate limits and signed chat sessions protect it.
        self.api.add_public_route(names.PUBLIC_ROUTE, self.functions.public_api.function)
        self.web.deploy_site(self._web_config())
        self.ticket_events = TicketEvents(
            self, "TicketEvents", data=self.data, layers=self.layers, environment=self.functions.environment
        )
        self.monitoring = self._monitoring(settings)
        self.ticket_events.watch(self.monitoring)
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

    def _monitoring(self, settings: DeploymentSettings) -> Monitoring:
        monitoring = Monitoring(self, "Monitoring", alarm_email=settings.alarm_email)
        monitoring.alarm_on_dead_letters(
            "EmailInboundDeadLetters", self.functions.email_inbound_dead_letters, "inbound mail"
        )
        monitoring.alarm_on_dead_letters(
            "InboundDeadLetters", self.messaging.inbound.dead_letters, "a provider webhook delivery"
        )
        monitoring.alarm_on_dead_letters(
            "OutboundDeadLetters",
            self.messaging.outbound.dead_letters,
            "an agent's reply on a messaging channel",
        )
        monitoring.alarm_on_errors("EmailInboundErrors", self.functions.email_inbound.function, threshold=1)
        # A failing intake answers 5xx: providers retry for a while, some (Twilio) hardly at all.
        monitoring.alarm_on_errors("WebhooksErrors", self.messaging.webhooks.function, threshold=1)
        monitoring.alarm_on_errors("AgentApiErrors", self.functions.agent_api.function, threshold=5)
        return monitoring

    def _outputs(self) -> None:
        outputs = {
            names.OUTPUT_WEB_URL: (self.web.url, "The agent app"),
            names.OUTPUT_API_URL: (self.api.url, "HTTP API base URL"),
            names.OUTPUT_USER_POOL_ID: (self.auth.user_pool.user_pool_id, "Cognito user pool: invite agents"),
            names.OUTPUT_USER_POOL_CLIENT_ID: (self.auth.client.user_pool_client_id, "SPA client id"),
            names.OUTPUT_HOSTED_UI_DOMAIN: (self.auth.hosted_ui_url, "Cognito hosted UI"),
            names.OUTPUT_RULE_SET_NAME: (self.email.rule_set_name, "SES receipt rule set"),
            names.OUTPUT_ACTIVATE_RULE_SET: (
                self.email.activate_command,
                "Run once: SES has one active rule set per region (this replaces any other)",
            ),
            names.OUTPUT_DEAD_LETTER_QUEUE_URL: (
                self.functions.email_inbound_dead_letters.queue_url,
                "Inbound mail that failed processing",
            ),
            names.OUTPUT_ALARM_TOPIC_ARN: (self.monitoring.topic.topic_arn, "Subscribe to receive alarms"),
            names.OUTPUT_WEBHOOK_BASE_URL: (
                f"{self.api.url}{names.WEBHOOKS_PATH}/",
                "Give each provider this URL followed by its name (whatsapp, telegram, ...)",
            ),
            names.OUTPUT_PROVIDER_SECRET_NAME: (
                self.messaging.provider_secret.secret_name,
                'Fill in the providers\' credentials: {"whatsapp": {...}, "telegram": {...}}',
            ),
        }
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)
