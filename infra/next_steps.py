"""What `make deploy` cannot do itself: the steps that remain before the desk answers its first customer.

After `cdk deploy --outputs-file …`, `python -m infra.next_steps <outputs.json>` looks at the account
(read-only: SES, Cognito, Secrets Manager) and prints each remaining step with the exact command or DNS
record, marking the ones already done. Without credentials it prints every step as still to do.

Reading the account is kept apart (`read_account`) from deciding the steps (`next_steps`, pure), so the
steps are tested without AWS.
"""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.constants import (
    OUTPUT_ACTIVATE_RULE_SET,
    OUTPUT_ALARM_TOPIC_ARN,
    OUTPUT_MAIL_DOMAIN,
    OUTPUT_PROVIDER_SECRET_NAME,
    OUTPUT_RULE_SET_NAME,
    OUTPUT_USER_POOL_ID,
    OUTPUT_WEB_URL,
    OUTPUT_WEBHOOK_BASE_URL,
    STACK_NAME,
)
from sportello.names import ADMINS_GROUP

# SES receives mail only in some regions; the MX record points at the region's inbound endpoint.
SES_INBOUND_HOST = "inbound-smtp.{region}.amazonaws.com"


@dataclass(frozen=True)
class AccountState:
    """What the account says about the steps; None where it could not be read."""

    region: str
    domain_verified: bool | None = None
    dkim_tokens: tuple[str, ...] = ()
    active_rule_set: str | None = None
    production_access: bool | None = None
    admins: int | None = None
    providers_configured: tuple[str, ...] | None = None
    alarm_subscriptions: int | None = None


@dataclass(frozen=True)
class Step:
    title: str
    done: bool | None  # None: could not tell
    how: list[str] = field(default_factory=list)


def next_steps(outputs: dict[str, str], state: AccountState) -> list[Step]:
    domain = outputs[OUTPUT_MAIL_DOMAIN]
    inbound = SES_INBOUND_HOST.format(region=state.region)
    dkim = [f"CNAME {token}._domainkey.{domain} -> {token}.dkim.amazonses.com" for token in state.dkim_tokens]
    return [
        Step(
            f"Verify {domain} in SES (sending and receiving)",
            state.domain_verified,
            [f"aws sesv2 create-email-identity --email-identity {domain}", *dkim]
            if not state.dkim_tokens
            else ["add these DNS records, then wait for SES to verify them:", *dkim],
        ),
        Step(
            f"Point {domain}'s MX record at SES",
            None,
            [f"MX 10 {inbound}   (SES receives mail only in some regions: eu-west-1, us-east-1, us-west-2)"],
        ),
        Step(
            "Activate the receipt rule set (SES keeps one active set per region: this replaces any other)",
            None if state.active_rule_set is None else state.active_rule_set == outputs[OUTPUT_RULE_SET_NAME],
            [outputs[OUTPUT_ACTIVATE_RULE_SET]],
        ),
        Step(
            "Leave the SES sandbox, so acknowledgements and replies reach any customer",
            state.production_access,
            [
                "aws sesv2 put-account-details --production-access-enabled --mail-type TRANSACTIONAL "
                f'--website-url {outputs[OUTPUT_WEB_URL]} --use-case-description "Help desk replies to '
                'customers who wrote to us"'
            ],
        ),
        Step(
            "Create the first admin (then invite agents from the same pool, group 'agents')",
            bool(state.admins) if state.admins is not None else None,
            [
                f"aws cognito-idp admin-create-user --user-pool-id {outputs[OUTPUT_USER_POOL_ID]} "
                "--username you@example.com --user-attributes Name=email,Value=you@example.com "
                "Name=email_verified,Value=true",
                f"aws cognito-idp admin-add-user-to-group --user-pool-id {outputs[OUTPUT_USER_POOL_ID]} "
                f"--username you@example.com --group-name {ADMINS_GROUP}",
                f"then sign in at {outputs[OUTPUT_WEB_URL]}",
            ],
        ),
        Step(
            "Receive alarms (dead letters, errors)",
            bool(state.alarm_subscriptions) if state.alarm_subscriptions is not None else None,
            [
                f"aws sns subscribe --topic-arn {outputs[OUTPUT_ALARM_TOPIC_ARN]} --protocol email "
                "--notification-endpoint you@example.com   (or deploy with -c alarmEmail=…)"
            ],
        ),
        Step(
            "Connect the messaging channels you use (optional): credentials, then each provider's webhook",
            bool(state.providers_configured) if state.providers_configured is not None else None,
            [
                f"fill the secret {outputs[OUTPUT_PROVIDER_SECRET_NAME]} with "
                '{"telegram": {...}, "whatsapp": {...}} (README: "Connect the messaging channels")',
                f"give each provider {outputs[OUTPUT_WEBHOOK_BASE_URL]}<provider>",
            ],
        ),
    ]


def read_account(outputs: dict[str, str], region: str) -> AccountState:
    """The account's answers, each on its own: a refused or failing call leaves that one unknown."""
    import boto3

    # Whatever goes wrong with one question (no permission, a service missing in the region, a call the
    # endpoint does not implement) leaves that answer unknown: the step then says "check", nothing stops.
    failures = (Exception,)
    answers: dict[str, Any] = {"region": region}
    sesv2 = boto3.client("sesv2", region_name=region)
    try:
        identity = sesv2.get_email_identity(EmailIdentity=outputs[OUTPUT_MAIL_DOMAIN])
        answers["domain_verified"] = bool(identity.get("VerifiedForSendingStatus"))
        answers["dkim_tokens"] = tuple(identity.get("DkimAttributes", {}).get("Tokens", []))
    except sesv2.exceptions.NotFoundException:
        answers["domain_verified"] = False
    except failures:
        pass
    with contextlib.suppress(*failures):
        answers["production_access"] = bool(sesv2.get_account().get("ProductionAccessEnabled"))
    with contextlib.suppress(*failures):
        active = boto3.client("ses", region_name=region).describe_active_receipt_rule_set()
        answers["active_rule_set"] = active.get("Metadata", {}).get("Name", "")
    with contextlib.suppress(*failures):
        users = boto3.client("cognito-idp", region_name=region).list_users_in_group(
            UserPoolId=outputs[OUTPUT_USER_POOL_ID], GroupName=ADMINS_GROUP, Limit=1
        )
        answers["admins"] = len(users.get("Users", []))
    with contextlib.suppress(*failures, ValueError):
        secret = boto3.client("secretsmanager", region_name=region).get_secret_value(
            SecretId=outputs[OUTPUT_PROVIDER_SECRET_NAME]
        )
        answers["providers_configured"] = tuple(sorted(json.loads(secret.get("SecretString") or "{}")))
    with contextlib.suppress(*failures):
        subscriptions = boto3.client("sns", region_name=region).list_subscriptions_by_topic(
            TopicArn=outputs[OUTPUT_ALARM_TOPIC_ARN]
        )
        answers["alarm_subscriptions"] = len(subscriptions.get("Subscriptions", []))
    return AccountState(**answers)


def render(steps: list[Step]) -> str:
    marks = {True: "done", False: "to do", None: "check"}
    lines = ["", "==> next steps (what a deploy cannot do by itself)"]
    for number, step in enumerate(steps, start=1):
        lines.append(f"{number}. [{marks[step.done]}] {step.title}")
        lines.extend(f"       {how}" for how in step.how if step.done is not True)
    done = sum(step.done is True for step in steps)
    lines.append(f"summary: {done} of {len(steps)} steps done; the README's 'Deploy to AWS' explains each")
    return "\n".join(lines)


def main() -> None:
    outputs_file = Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out/outputs.json")
    outputs: dict[str, str] = json.loads(outputs_file.read_text())[STACK_NAME]
    region = sys.argv[2] if len(sys.argv) > 2 else _region()
    print(render(next_steps(outputs, read_account(outputs, region))))


def _region() -> str:
    import boto3

    return boto3.session.Session().region_name or "us-east-1"


if __name__ == "__main__":
    main()
