"""`make destroy`: what it keeps (DeletionPolicy Retain in the deployed stack) and what a purge does."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from infra.constants import OUTPUT_RULE_SET_NAME
from infra.destroy import Retained, deactivate_rule_set, purge, retained_resources

STACK = "Desk"
TEMPLATE = {
    "Resources": {
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "Properties": {
                "TableName": "desk-table",
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            },
        },
        "Bucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "Properties": {"BucketName": "desk-data"},
        },
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "desk-work"}},
    }
}


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(TEMPLATE))
        yield


def test_only_the_retained_resources_are_listed(deployed: None) -> None:
    assert sorted(retained_resources(STACK), key=str) == [
        Retained("AWS::DynamoDB::Table", "desk-table"),
        Retained("AWS::S3::Bucket", "desk-data"),
    ]


def test_purge_empties_and_deletes_each_retained_resource(deployed: None) -> None:
    # Given a versioned bucket holding an object in two versions
    s3 = boto3.client("s3")
    s3.put_bucket_versioning(Bucket="desk-data", VersioningConfiguration={"Status": "Enabled"})
    for body in (b"first", b"second"):
        s3.put_object(Bucket="desk-data", Key="inbound/mail", Body=body)
    # When purging
    left = purge(retained_resources(STACK))
    # Then nothing is left
    assert left == []
    assert "desk-data" not in {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    assert boto3.client("dynamodb").list_tables()["TableNames"] == []


def test_the_stacks_active_rule_set_is_deactivated_before_the_stack_goes(deployed: None) -> None:
    # Given the stack's rule set, active (its name is the stack's output, as the real stack has it)
    ses = boto3.client("ses")
    ses.create_receipt_rule_set(RuleSetName="desk-inbound")
    ses.set_active_receipt_rule_set(RuleSetName="desk-inbound")
    cloudformation = boto3.client("cloudformation")
    template = {**TEMPLATE, "Outputs": {OUTPUT_RULE_SET_NAME: {"Value": "desk-inbound"}}}
    cloudformation.update_stack(StackName=STACK, TemplateBody=json.dumps(template))
    # When destroying, then it is no longer active
    deactivate_rule_set(STACK)
    assert "Metadata" not in ses.describe_active_receipt_rule_set()
