"""Delete the Sportello stack; its data stays unless asked for (`make destroy PURGE=1`).

    make destroy            # cdk destroy: the table, the data bucket, the user pool and the secrets stay
    make destroy PURGE=1    # the same, then those too: every ticket, mail, attachment and agent account

The retained resources are the ones whose `DeletionPolicy` is `Retain` in the deployed template, read from
CloudFormation before the stack goes (with the ambient AWS configuration, as `make replay`). Nothing is
deleted before the operator has seen the list and typed the stack's name. The stack's SES receipt rule
set, if it is the active one, is deactivated first: SES cannot delete an active rule set. A purge then
empties and deletes each one, reports each step, and ends with a summary; the secrets keep AWS's 7-day
recovery window.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.constants import OUTPUT_RULE_SET_NAME, STACK_NAME

SECRET_RECOVERY_DAYS = 7  # the shortest window AWS allows: a mistaken purge can still be undone


@dataclass(frozen=True)
class Retained:
    resource_type: str
    physical_id: str

    def __str__(self) -> str:
        return f"{self.resource_type:<30} {self.physical_id}"


def _client(service: str) -> Any:
    return boto3.client(service)  # type: ignore[call-overload]  # the service is a runtime value


def retained_resources(stack_name: str) -> list[Retained]:
    """What `cdk destroy` leaves behind: the deployed template's resources with DeletionPolicy Retain."""
    cloudformation = _client("cloudformation")
    template = cloudformation.get_template(StackName=stack_name, TemplateStage="Processed")["TemplateBody"]
    if isinstance(template, str):
        template = json.loads(template)
    retained_ids = {
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource.get("DeletionPolicy") == "Retain"
    }
    described = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    return [
        Retained(resource["ResourceType"], resource["PhysicalResourceId"])
        for resource in described
        if resource["LogicalResourceId"] in retained_ids and resource.get("PhysicalResourceId")
    ]


def deactivate_rule_set(stack_name: str) -> None:
    """SES refuses to delete the active receipt rule set, and `make deploy` asked to activate ours: if it
    still is, deactivate it (mail to the domain is then no longer received) so that the stack can go."""
    ses = _client("ses")
    (stack,) = _client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    active = ses.describe_active_receipt_rule_set().get("Metadata", {}).get("Name")
    if active and active == outputs.get(OUTPUT_RULE_SET_NAME):
        print(f"==> deactivating the SES receipt rule set {active} (no more mail is received)")
        ses.set_active_receipt_rule_set()  # no name: no active rule set


def _delete_table(name: str) -> None:
    dynamodb = _client("dynamodb")
    dynamodb.update_table(TableName=name, DeletionProtectionEnabled=False)
    dynamodb.get_waiter("table_exists").wait(TableName=name)
    dynamodb.delete_table(TableName=name)


def _delete_bucket(name: str) -> None:
    bucket = boto3.resource("s3").Bucket(name)
    bucket.object_versions.delete()  # every version and delete marker: the bucket is versioned
    bucket.delete()


def _delete_user_pool(pool_id: str) -> None:
    cognito = _client("cognito-idp")
    # UpdateUserPool resets what it is not given; harmless here, the pool is deleted next.
    cognito.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE")
    cognito.delete_user_pool(UserPoolId=pool_id)


def _delete_secret(arn: str) -> None:
    _client("secretsmanager").delete_secret(SecretId=arn, RecoveryWindowInDays=SECRET_RECOVERY_DAYS)


DELETERS: dict[str, Callable[[str], None]] = {
    "AWS::DynamoDB::Table": _delete_table,
    "AWS::S3::Bucket": _delete_bucket,
    "AWS::Cognito::UserPool": _delete_user_pool,
    "AWS::SecretsManager::Secret": _delete_secret,
}


def purge(resources: list[Retained]) -> list[Retained]:
    """Delete each retained resource; the ones that could not be deleted are returned."""
    left: list[Retained] = []
    for resource in resources:
        deleter = DELETERS.get(resource.resource_type)
        if deleter is None:
            print(f"    skipped (no deleter for this type): {resource}")
            left.append(resource)
            continue
        print(f"    deleting {resource}")
        try:
            deleter(resource.physical_id)
        except (BotoCoreError, ClientError) as error:
            print(f"    FAILED: {error}")
            left.append(resource)
    return left


def confirmed(stack_name: str, resources: list[Retained], *, purging: bool) -> bool:
    print(f"==> deleting the stack {stack_name}")
    print("    these resources hold the desk's data and agents' accounts:")
    for resource in resources:
        print(f"      {resource}")
    if purging:
        print("    PURGE: they will be DELETED too, with every ticket, mail, attachment and agent account.")
    else:
        print("    They are KEPT (DeletionPolicy Retain); `make destroy PURGE=1` deletes them as well.")
    answer = input(f"    Type the stack name ({stack_name}) to go on: ")
    return answer.strip() == stack_name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--purge", action="store_true", help="delete the retained resources as well")
    parser.add_argument("--stack", default=STACK_NAME)
    args = parser.parse_args(argv)
    try:
        resources = retained_resources(args.stack)
    except (BotoCoreError, ClientError) as error:
        print(f"cannot read the stack {args.stack}: {error}", file=sys.stderr)
        return 1
    if not confirmed(args.stack, resources, purging=args.purge):
        print("    nothing deleted")
        return 1
    try:
        deactivate_rule_set(args.stack)
    except (BotoCoreError, ClientError) as error:  # e.g. a region without SES receiving: nothing to do
        print(f"    could not check the active SES receipt rule set ({error}); going on")
    # Already confirmed above: no second prompt from the CLI.
    subprocess.run(  # noqa: S603 - fixed argv; the stack name is the operator's own
        ["npx", "cdk", "destroy", "--force", args.stack],  # noqa: S607 - the project's CDK CLI
        check=True,
    )
    if not args.purge:
        print(f"==> stack deleted; kept {len(resources)} resources (listed above)")
        return 0
    print("==> purging the retained resources")
    left = purge(resources)
    print(f"==> stack deleted; purged {len(resources) - len(left)} of {len(resources)} retained resources")
    for resource in left:
        print(f"    still there: {resource}")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
