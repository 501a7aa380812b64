"""The table and the data bucket: shaped by the shared schema, retained, and never moved."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from sportello.store.schema import INDEXES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE
from tests.infra.template import (
    only,
)


def test_table_keys_and_every_index_come_from_the_schema(template: Template) -> None:
    # Given the shared schema, when the table is synthesized, then keys and indexes match it exactly
    _, table = only(template.find_resources("AWS::DynamoDB::Table"))
    properties = table["Properties"]
    assert properties["KeySchema"] == [
        {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
    ]
    indexes = {index["IndexName"]: index for index in properties["GlobalSecondaryIndexes"]}
    assert set(indexes) == {spec.name for spec in INDEXES}
    for spec in INDEXES:
        assert indexes[spec.name]["KeySchema"] == [
            {"AttributeName": spec.partition_key, "KeyType": "HASH"},
            {"AttributeName": spec.sort_key, "KeyType": "RANGE"},
        ]
        assert indexes[spec.name]["Projection"] == {"ProjectionType": "ALL"}
    key_names = {PARTITION_KEY, SORT_KEY} | {n for s in INDEXES for n in (s.partition_key, s.sort_key)}
    definitions = properties["AttributeDefinitions"]
    assert {d["AttributeName"] for d in definitions} == key_names
    assert {d["AttributeType"] for d in definitions} == {"S"}


def test_table_is_on_demand_recoverable_streamed_expiring_and_retained(template: Template) -> None:
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
                "DeletionProtectionEnabled": True,
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_data_bucket_is_versioned_and_retained(template: Template) -> None:
    # Private, encrypted and TLS-only like every bucket (below); the data bucket also keeps old versions.
    template.has_resource(
        "AWS::S3::Bucket",
        {"Properties": {"VersioningConfiguration": {"Status": "Enabled"}}, "DeletionPolicy": "Retain"},
    )


# Resources kept when the stack is deleted or they are replaced: a new logical id (it is derived from the
# construct path) would make CloudFormation create a new, empty one and leave the old one orphaned.
RETAINED = {
    "DataTableFDBAD0F2": "AWS::DynamoDB::Table",
    "DataBucketE6B0FAA8": "AWS::S3::Bucket",
    "FunctionsReplyTokenSecretAC6ED28D": "AWS::SecretsManager::Secret",  # signs reply+ addresses already sent
    "MessagingProviderSecrets29CD86A5": "AWS::SecretsManager::Secret",
    "AuthUserPool8115E87F": "AWS::Cognito::UserPool",
}


def test_retained_resources_keep_their_logical_ids(template: Template) -> None:
    resources = template.to_json()["Resources"]
    assert {logical: resources.get(logical, {}).get("Type") for logical in RETAINED} == RETAINED
    assert all(resources[logical]["DeletionPolicy"] == "Retain" for logical in RETAINED)


def test_every_bucket_is_private_encrypted_tls_only_and_has_lifecycle_rules(template: Template) -> None:
    # Given every bucket of the stack (the data bucket and the agent app's), then each is locked down
    buckets = template.find_resources("AWS::S3::Bucket")
    assert len(buckets) == 2, sorted(buckets)
    for bucket_id, bucket in buckets.items():
        properties = bucket["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == dict.fromkeys(
            ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
        ), bucket_id
        assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"], bucket_id
        assert properties["LifecycleConfiguration"]["Rules"], bucket_id
        template.has_resource_properties(
            "AWS::S3::BucketPolicy",
            {
                "Bucket": {"Ref": bucket_id},
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                            )
                        ]
                    )
                },
            },
        )
