"""The Lambda functions, each with its own least-privilege role, and what they share (layers, secret, env)."""

from __future__ import annotations

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import (
    AGENT_API_FUNCTION,
    EMAIL_INBOUND_FUNCTION,
    FUNCTIONS_DIR,
    HANDLER,
    PUBLIC_API_FUNCTION,
    SERVICE_NAME,
)
from infra.constructs.bundling import ARCHITECTURE, IGNORED, RUNTIME
from infra.constructs.data import Data
from infra.constructs.email import send_mail_statement
from infra.constructs.layers import Layers
from infra.constructs.settings import DeploymentSettings
from sportello.names import (
    ENV_DATA_BUCKET,
    ENV_DESK_NAME,
    ENV_MAIL_DOMAIN,
    ENV_POWERTOOLS_LOG_LEVEL,
    ENV_POWERTOOLS_SERVICE_NAME,
    ENV_REPLY_TOKEN_SECRET_NAME,
    ENV_SUPPORT_ADDRESS,
    ENV_TABLE_NAME,
    ENV_TRACING,
)

LOG_RETENTION = logs.RetentionDays.ONE_MONTH
EMAIL_INBOUND_RETRIES = 2


def function_code(name: str) -> lambda_.Code:
    """`functions/<name>/` as is: handlers are plain modules, their dependencies come from the layers."""
    return lambda_.Code.from_asset(str(FUNCTIONS_DIR / name), exclude=list(IGNORED))


class SportelloFunction(Construct):
    """One function with its own role and log group; the caller grants exactly what it needs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        description: str,
        layers: Layers,
        environment: dict[str, str],
        timeout: Duration,
        memory_size: int = 512,
        retry_attempts: int | None = None,
        on_failure: lambda_.IDestination | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if not (FUNCTIONS_DIR / name / "handler.py").is_file():
            Annotations.of(self).add_warning_v2(
                "sportello:handler-missing", f"functions/{name}/handler.py does not exist yet"
            )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Sportello {name}: least privilege",
        )
        self.log_group = logs.LogGroup(
            self, "Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.log_group.grant_write(self.role)
        tracing = DeploymentSettings.from_context(self.node).tracing
        if tracing:
            environment = {**environment, ENV_TRACING: "true"}
        self.function = lambda_.Function(
            self,
            "Function",
            description=f"Sportello {name}: {description}",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=HANDLER,
            code=function_code(name),
            layers=layers.all,
            environment=environment,
            tracing=lambda_.Tracing.ACTIVE if tracing else lambda_.Tracing.DISABLED,
            timeout=timeout,
            memory_size=memory_size,
            role=self.role,
            log_group=self.log_group,
            retry_attempts=retry_attempts,
            on_failure=on_failure,
        )


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: Data,
        layers: Layers,
        settings: DeploymentSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        self.reply_token_secret = secretsmanager.Secret(
            self,
            "ReplyTokenSecret",
            description="Sportello: HMAC key of the reply+<token>@ addresses",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            # Tokens in mail already sent must keep verifying, as long as the data is kept.
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.email_inbound_dead_letters = sqs.Queue(
            self,
            "EmailInboundDeadLetters",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        # Every function's environment starts from this (sportello.config.Settings reads it).
        self.environment = {
            ENV_POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
            ENV_POWERTOOLS_LOG_LEVEL: settings.log_level,
            ENV_TABLE_NAME: data.table.table_name,
            ENV_DATA_BUCKET: data.bucket.bucket_name,
            ENV_MAIL_DOMAIN: settings.mail_domain,
            ENV_SUPPORT_ADDRESS: settings.support_address,
            ENV_DESK_NAME: settings.desk_name,
            ENV_REPLY_TOKEN_SECRET_NAME: self.reply_token_secret.secret_name,
        }
        self.email_inbound = self._email_inbound(data, layers, settings, self.environment)
        self.agent_api = self._agent_api(data, layers, settings, self.environment)
        self.public_api = self._public_api(data, layers, settings, self.environment)

    @property
    def all(self) -> list[SportelloFunction]:
        return [self.email_inbound, self.agent_api, self.public_api]

    def _email_inbound(
        self, data: Data, layers: Layers, settings: DeploymentSettings, environment: dict[str, str]
    ) -> SportelloFunction:
        function = SportelloFunction(
            self,
            "EmailInbound",
            name=EMAIL_INBOUND_FUNCTION,
            description="turns mail stored by SES into tickets",
            layers=layers,
            environment=environment,
            timeout=Duration.seconds(60),
            # SES invokes asynchronously: two retries, then the event is parked for `replay`.
            retry_attempts=EMAIL_INBOUND_RETRIES,
            on_failure=destinations.SqsDestination(self.email_inbound_dead_letters),
        )
        data.grant_table_read_write(function.role)
        data.grant_inbound_read(function.role)
        data.grant_attachments_read_write(function.role)
        self.reply_token_secret.grant_read(function.role)
        function.role.add_to_principal_policy(send_mail_statement(self, settings))
        return function

    def _agent_api(
        self, data: Data, layers: Layers, settings: DeploymentSettings, environment: dict[str, str]
    ) -> SportelloFunction:
        function = SportelloFunction(
            self,
            "AgentApi",
            name=AGENT_API_FUNCTION,
            description="the agent SPA's HTTP API",
            layers=layers,
            environment=environment,
            timeout=Duration.seconds(29),  # the HTTP API gives up after 30 s
        )
        data.grant_table_read_write(function.role)
        data.grant_inbound_read(function.role)  # "show original" on a mail message
        data.grant_attachments_read_write(function.role)
        self.reply_token_secret.grant_read(function.role)
        # Replies by email are sent from here; on messaging channels they are queued (Messaging).
        function.role.add_to_principal_policy(send_mail_statement(self, settings))
        return function

    def _public_api(
        self, data: Data, layers: Layers, settings: DeploymentSettings, environment: dict[str, str]
    ) -> SportelloFunction:
        function = SportelloFunction(
            self,
            "PublicApi",
            name=PUBLIC_API_FUNCTION,
            description="the web form and the chat widget (no login)",
            layers=layers,
            environment=environment,
            timeout=Duration.seconds(29),
        )
        data.grant_table_read_write(function.role)  # tickets, and the rate-limit counters
        data.grant_attachments_read_write(function.role)
        self.reply_token_secret.grant_read(function.role)  # also signs chat sessions
        function.role.add_to_principal_policy(send_mail_statement(self, settings))  # form acknowledgements
        return function
