"""The email channel: SES receiving into the data bucket, the email_inbound function, its dead letters.

    customer ──► SES receipt rule: store raw mail under inbound/ ──► λ email_inbound (async, 2 retries)
        ──► tickets, acknowledgement through SES ──(retries exhausted)──► dead-letter queue (alarm)

SES keeps one *active* receipt rule set per region, and CloudFormation cannot activate one without
displacing whatever the account already uses, so the stack creates the set and outputs the command that
activates it (`ActivateReceiptRuleSetCommand`). Receiving also needs the domain's MX record pointing at
`inbound-smtp.<region>.amazonaws.com`, in a region where SES receiving is offered.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as ses_actions
from constructs import Construct

from infra.constants import EMAIL_INBOUND_FUNCTION, INBOUND_PREFIX
from infra.constructs.monitoring import Monitoring
from infra.constructs.queues import dead_letter_queue
from infra.constructs.ticket_desk import TicketDesk

INBOUND_TIMEOUT = Duration.seconds(60)
INBOUND_RETRIES = 2  # SES invokes asynchronously: two retries, then the event is parked for `replay`
# SES accepts mails of up to 40 MB. Parsing one peaks at about 6.4 times its size over the function's
# baseline (bench/mail_memory.py: a 40.5 MB mail peaks at 328 MB, 261 MB of it the mail's); with the
# Lambda runtime and the SDK's copies on the way to S3 that nears 512 MB. Twice that leaves room.
INBOUND_MEMORY_MB = 1024


class Email(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        desk: TicketDesk,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = dead_letter_queue(self, "InboundDeadLetters")
        # Verifies the reply+ addresses customers answer to; signs those of its acknowledgements.
        self.inbound = desk.function(
            self,
            "Inbound",
            name=EMAIL_INBOUND_FUNCTION,
            description="turns mail stored by SES into tickets",
            timeout=INBOUND_TIMEOUT,
            retry_attempts=INBOUND_RETRIES,
            on_failure=destinations.SqsDestination(self.dead_letters),
            memory_size=INBOUND_MEMORY_MB,
        )
        desk.data.grant_inbound_read(self.inbound.role)
        self.rule_set = ses.ReceiptRuleSet(
            self, "RuleSet", receipt_rule_set_name=f"{Stack.of(self).stack_name}-inbound"
        )
        self.rule = self.rule_set.add_rule(
            "Support",
            # The bare domain matches every address there, so reply+<token>@ threads arrive too.
            recipients=[desk.settings.support_address, desk.settings.mail_domain],
            scan_enabled=True,
            actions=[
                # Stored first, processed second: a failing handler never loses a message. The action
                # also adds the bucket policy letting SES put objects, conditioned on this account.
                ses_actions.S3(bucket=desk.data.bucket, object_key_prefix=INBOUND_PREFIX),
                ses_actions.Lambda(
                    function=self.inbound.function, invocation_type=ses_actions.LambdaInvocationType.EVENT
                ),
            ],
        )
        monitoring.alarm_on_dead_letters("EmailInboundDeadLetters", self.dead_letters, "inbound mail")
        monitoring.alarm_on_errors("EmailInboundErrors", self.inbound.function, threshold=1)

    @property
    def rule_set_name(self) -> str:
        return self.rule_set.receipt_rule_set_name

    @property
    def activate_command(self) -> str:
        region = Stack.of(self).region
        return f"aws ses set-active-receipt-rule-set --rule-set-name {self.rule_set_name} --region {region}"
