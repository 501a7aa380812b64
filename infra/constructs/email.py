"""The email channel: SES receiving into the data bucket, the email_inbound function, its dead letters.

    customer ──► SES receipt rule: store raw mail under inbound/ ──► λ email_inbound (async, 2 retries)
        ──► tickets, acknowledgement through SES ──(retries exhausted)──► dead-letter queue (alarm)

SES keeps one *active* receipt rule set per region, and CloudFormation cannot activate one without
displacing whatever the account already uses, so the stack creates the set and outputs the command that
activates it (`ActivateReceiptRuleSetCommand`). Receiving also needs the domain's MX record pointing at
`inbound-smtp.<region>.amazonaws.com`, in a region where SES receiving is offered.

`allow_sending_mail` is how any function (here, the agent API's, the public API's) may send as the desk.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as ses_actions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import EMAIL_INBOUND_FUNCTION, INBOUND_PREFIX
from infra.constructs.data import Data
from infra.constructs.functions import SportelloFunction
from infra.constructs.layers import Layers
from infra.constructs.monitoring import Monitoring
from infra.constructs.reply_tokens import ReplyTokens
from infra.constructs.settings import DeploymentSettings
from sportello.names import ENV_DESK_NAME, ENV_MAIL_DOMAIN, ENV_SUPPORT_ADDRESS

INBOUND_TIMEOUT = Duration.seconds(60)
INBOUND_RETRIES = 2  # SES invokes asynchronously: two retries, then the event is parked for `replay`
DEAD_LETTER_RETENTION = Duration.days(14)


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


class Email(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: Data,
        layers: Layers,
        reply_tokens: ReplyTokens,
        monitoring: Monitoring,
        settings: DeploymentSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = sqs.Queue(
            self,
            "InboundDeadLetters",
            retention_period=DEAD_LETTER_RETENTION,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.inbound = self._inbound_function(data, layers, reply_tokens, settings)
        self.rule_set = ses.ReceiptRuleSet(
            self, "RuleSet", receipt_rule_set_name=f"{Stack.of(self).stack_name}-inbound"
        )
        self.rule = self.rule_set.add_rule(
            "Support",
            # The bare domain matches every address there, so reply+<token>@ threads arrive too.
            recipients=[settings.support_address, settings.mail_domain],
            scan_enabled=True,
            actions=[
                # Stored first, processed second: a failing handler never loses a message. The action
                # also adds the bucket policy letting SES put objects, conditioned on this account.
                ses_actions.S3(bucket=data.bucket, object_key_prefix=INBOUND_PREFIX),
                ses_actions.Lambda(
                    function=self.inbound.function, invocation_type=ses_actions.LambdaInvocationType.EVENT
                ),
            ],
        )
        monitoring.alarm_on_dead_letters("EmailInboundDeadLetters", self.dead_letters, "inbound mail")
        monitoring.alarm_on_errors("EmailInboundErrors", self.inbound.function, threshold=1)

    def _inbound_function(
        self, data: Data, layers: Layers, reply_tokens: ReplyTokens, settings: DeploymentSettings
    ) -> SportelloFunction:
        function = SportelloFunction(
            self,
            "Inbound",
            name=EMAIL_INBOUND_FUNCTION,
            description="turns mail stored by SES into tickets",
            layers=layers,
            environment={**data.table_environment, **data.bucket_environment},
            timeout=INBOUND_TIMEOUT,
            retry_attempts=INBOUND_RETRIES,
            on_failure=destinations.SqsDestination(self.dead_letters),
        )
        data.grant_table_read_write(function.role)
        data.grant_inbound_read(function.role)
        data.grant_attachments_read_write(function.role)
        # Verifies the reply+ addresses customers answer to, and signs those of its acknowledgements.
        reply_tokens.share_with(function)
        allow_sending_mail(function, settings)  # acknowledgements
        return function

    @property
    def rule_set_name(self) -> str:
        return self.rule_set.receipt_rule_set_name

    @property
    def activate_command(self) -> str:
        region = Stack.of(self).region
        return f"aws ses set-active-receipt-rule-set --rule-set-name {self.rule_set_name} --region {region}"
