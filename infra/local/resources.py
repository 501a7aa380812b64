"""The AWS resources the CDK stack deploys, created in the embedded AWS (idempotent)."""

from __future__ import annotations

import json
from typing import Any

import boto3

from infra.constants import (
    DLQ_SUFFIX,
    INBOUND_QUEUE,
    NOTIFICATION_TOPIC,
    OUTBOUND_QUEUE,
    QUEUE_MAX_RECEIVES,
    ROUTING_FUNCTION,
    ROUTING_STATE_MACHINE,
    TICKET_EVENTS_DLQ,
    routing_definition,
)
from sportello.agents import Agent, Group, Role
from sportello.config import settings
from sportello.names import ADMINS_GROUP
from sportello.store import models
from sportello.store.agents import DynamoAgentRepository

from . import lambdas
from .auth import SEEDED_AGENTS

GROUPS = (Group("support", "Support"), Group("billing", "Billing"))
RETRY_AFTER_SECONDS = 2  # the visibility timeout: how soon a failed delivery is retried locally


def provision() -> None:
    """Creates what the CDK stack deploys, where it does not exist yet (idempotent)."""
    config = settings()
    models.create_table()
    ensure_stream(config.table_name)
    s3 = boto3.client("s3")
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if config.data_bucket not in existing:
        region = boto3.session.Session().region_name
        location: Any = {"LocationConstraint": region}
        s3.create_bucket(Bucket=config.data_bucket, CreateBucketConfiguration=location)
    for queue in (INBOUND_QUEUE, OUTBOUND_QUEUE):
        ensure_queue(queue)
    boto3.client("sqs").create_queue(QueueName=TICKET_EVENTS_DLQ)  # the stream mapping's on-failure queue
    provision_routing()
    sesv2 = boto3.client("sesv2")
    identities = {i["IdentityName"] for i in sesv2.list_email_identities().get("EmailIdentities", [])}
    if config.mail_domain not in identities:
        sesv2.create_email_identity(EmailIdentity=config.mail_domain)


def provision_routing() -> str:
    """The routing function, its workflow from the stack's ASL file, and the notification topic."""
    boto3.client("sns").create_topic(Name=NOTIFICATION_TOPIC)
    function_arn = lambdas.create_function(ROUTING_FUNCTION)
    sfn = boto3.client("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        if machine["name"] == ROUTING_STATE_MACHINE:
            sfn.update_state_machine(
                stateMachineArn=machine["stateMachineArn"], definition=routing_definition(function_arn)
            )
            return str(machine["stateMachineArn"])
    created = sfn.create_state_machine(
        name=ROUTING_STATE_MACHINE,
        definition=routing_definition(function_arn),
        roleArn=lambdas.role_arn(),
        type="EXPRESS",
    )
    return str(created["stateMachineArn"])


def ensure_stream(table_name: str) -> None:
    """Turns on the table's stream where a table saved before it existed lacks one (`.sportello/`)."""
    dynamodb = boto3.client("dynamodb")
    if "LatestStreamArn" not in dynamodb.describe_table(TableName=table_name)["Table"]:
        dynamodb.update_table(
            TableName=table_name,
            # The view type of sportello.store.models.TableItem.Meta and of the CDK table
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )


def ensure_queue(name: str) -> str:
    """A queue with its dead-letter queue, as the CDK stack makes them (short timeouts locally)."""
    sqs = boto3.client("sqs")
    dlq_url = sqs.create_queue(QueueName=f"{name}{DLQ_SUFFIX}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(QUEUE_MAX_RECEIVES)})
    url: str = sqs.create_queue(
        QueueName=name, Attributes={"RedrivePolicy": redrive, "VisibilityTimeout": str(RETRY_AFTER_SECONDS)}
    )["QueueUrl"]
    return url


def seed_agents() -> None:
    agents = DynamoAgentRepository()
    for group in GROUPS:
        agents.save_group(group)
    for seeded in SEEDED_AGENTS:
        role = Role.ADMIN if ADMINS_GROUP in seeded.groups else Role.AGENT
        agents.save(Agent(seeded.subject, seeded.email, seeded.name, seeded.groups, role.value))
