"""Inbound mail through SES receiving, and the permission to send as the support address.

SES keeps one *active* receipt rule set per region, and CloudFormation cannot activate one without
displacing whatever the account already uses, so the stack creates the set and outputs the command that
activates it (`ActivateReceiptRuleSetCommand`). Receiving also needs the domain's MX record pointing at
`inbound-smtp.<region>.amazonaws.com`, in a region where SES receiving is offered.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as ses_actions
from constructs import Construct

from infra.constants import INBOUND_PREFIX
from infra.constructs.settings import DeploymentSettings


def send_mail_statement(scope: Construct, settings: DeploymentSettings) -> iam.PolicyStatement:
    """Send through SES as the support address only (domain or address identity, whichever is verified)."""
    stack = Stack.of(scope)
    identities = [
        stack.format_arn(service="ses", resource="identity", resource_name=identity)
        for identity in (settings.mail_domain, settings.support_address)
    ]
    return iam.PolicyStatement(
        actions=["ses:SendEmail", "ses:SendRawEmail"],
        resources=identities,
        conditions={"StringEquals": {"ses:FromAddress": settings.support_address}},
    )


class Email(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        handler: lambda_.IFunction,
        settings: DeploymentSettings,
    ) -> None:
        super().__init__(scope, construct_id)
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
                ses_actions.S3(bucket=bucket, object_key_prefix=INBOUND_PREFIX),
                ses_actions.Lambda(function=handler, invocation_type=ses_actions.LambdaInvocationType.EVENT),
            ],
        )

    @property
    def rule_set_name(self) -> str:
        return self.rule_set.receipt_rule_set_name

    @property
    def activate_command(self) -> str:
        region = Stack.of(self).region
        return f"aws ses set-active-receipt-rule-set --rule-set-name {self.rule_set_name} --region {region}"
