"""The ticket desk's functions: email_inbound, agent_api and public_api work tickets and answer by mail.

Each reads and writes the table, keeps and serves attachments, and sends mail as the desk with signed
reply+ addresses (acknowledgements, agents' replies): `TicketDesk.function` gives exactly that, and the
concern that owns the function (Email, AgentApi, PublicApi) adds what only it needs. The messaging
functions are not among them: they never send mail (see `Messaging`).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.data import Data
from infra.constructs.functions import DEFAULT_MEMORY_MB, SportelloFunction
from infra.constructs.layers import Layers
from infra.constructs.reply_tokens import ReplyTokens
from infra.constructs.settings import DeploymentSettings
from sportello.names import ENV_DESK_NAME, ENV_MAIL_DOMAIN, ENV_SUPPORT_ADDRESS


def allow_sending_mail(function: SportelloFunction, settings: DeploymentSettings) -> None:
    """Send through SES as the support address only (domain or address identity, whichever is verified),
    with the variables that say who the desk is."""
    stack = Stack.of(function)
    identities = [
        stack.format_arn(service="ses", resource="identity", resource_name=identity)
        for identity in (settings.mail_domain, settings.support_address)
    ]
    function.role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["ses:SendEmail", "ses:SendRawEmail"],
            resources=identities,
            conditions={"StringEquals": {"ses:FromAddress": settings.support_address}},
        )
    )
    function.add_environment(
        {
            ENV_MAIL_DOMAIN: settings.mail_domain,
            ENV_SUPPORT_ADDRESS: settings.support_address,
            ENV_DESK_NAME: settings.desk_name,
        }
    )


@dataclass(frozen=True)
class TicketDesk:
    """What those functions are built from; the stack makes one and hands it to their concerns."""

    data: Data
    layers: Layers
    reply_tokens: ReplyTokens
    settings: DeploymentSettings

    def function(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        description: str,
        timeout: Duration,
        retry_attempts: int | None = None,
        on_failure: lambda_.IDestination | None = None,
        memory_size: int = DEFAULT_MEMORY_MB,
    ) -> SportelloFunction:
        """A function with the table, attachments, the reply tokens and mail: what every one of them uses."""
        function = SportelloFunction(
            scope,
            construct_id,
            name=name,
            description=description,
            layers=self.layers,
            environment={**self.data.table_environment, **self.data.bucket_environment},
            timeout=timeout,
            retry_attempts=retry_attempts,
            on_failure=on_failure,
            memory_size=memory_size,
        )
        self.data.grant_table_read_write(function.role)
        self.data.grant_message_files_read_write(function.role)
        self.reply_tokens.share_with(function)
        allow_sending_mail(function, self.settings)
        return function
