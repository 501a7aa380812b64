"""Where Sportello keeps its state: the single DynamoDB table and the data bucket.

Both are retained on delete, and their construct paths (`Data/Table`, `Data/Bucket`) make their logical
ids: moving or renaming them would make CloudFormation create new, empty ones and orphan the data.

The bucket's layout: raw mail under `inbound/`, raw webhook bodies under `webhooks/<provider>/<sha256>`
(both kept), attachments under `attachments/`, message bodies too large for the table under `bodies/`.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constants import ATTACHMENTS_PREFIX, BODIES_PREFIX, INBOUND_PREFIX
from sportello.intake.messaging import WEBHOOKS_PREFIX
from sportello.names import ENV_DATA_BUCKET, ENV_TABLE_NAME
from sportello.store.schema import INDEXES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

# Every read is a key or index query, so no Scan; transactions are authorised per item action.
TABLE_READ_WRITE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Data(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.table = self._table()
        self.bucket = self._bucket()

    def _table(self) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            "Table",
            partition_key=_string(PARTITION_KEY),
            sort_key=_string(SORT_KEY),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # The stream feeds KPI aggregates, audit and search (a later issue adds its consumer).
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            time_to_live_attribute=TTL_ATTRIBUTE,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in INDEXES:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_string(index.partition_key),
                sort_key=_string(index.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table

    def _bucket(self) -> s3.Bucket:
        return s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,  # SES can write to SSE-S3 without a key policy
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(90),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

    @property
    def table_environment(self) -> dict[str, str]:
        """The variable naming the table, for a function granted access to it."""
        return {ENV_TABLE_NAME: self.table.table_name}

    @property
    def bucket_environment(self) -> dict[str, str]:
        """The variable naming the bucket, for a function granted access to part of it."""
        return {ENV_DATA_BUCKET: self.bucket.bucket_name}

    def grant_table_read_write(self, grantee: iam.IGrantable) -> None:
        """Item reads and writes on the table and its indexes; no Scan, no table administration."""
        self.table.grant(grantee, *TABLE_READ_WRITE_ACTIONS)

    def grant_inbound_read(self, grantee: iam.IGrantable) -> None:
        """Read the raw mail SES stored under `inbound/`."""
        self.bucket.grant_read(grantee, f"{INBOUND_PREFIX}*")

    def grant_message_files_read_write(self, grantee: iam.IGrantable) -> None:
        """Attachments and the bodies too large for the table (written, and linked to agents)."""
        self.bucket.grant_read_write(grantee, f"{ATTACHMENTS_PREFIX}*")
        self.bucket.grant_read_write(grantee, f"{BODIES_PREFIX}*")

    def grant_message_files_put(self, grantee: iam.IGrantable) -> None:
        """Store new attachments (media fetched from a provider) and large bodies; nothing else there."""
        self._grant_objects(grantee, "s3:PutObject", ATTACHMENTS_PREFIX)
        self._grant_objects(grantee, "s3:PutObject", BODIES_PREFIX)

    def grant_webhooks_put(self, grantee: iam.IGrantable) -> None:
        """Keep a webhook's raw body under `webhooks/`: put only, no reads, no deletes."""
        self._grant_objects(grantee, "s3:PutObject", WEBHOOKS_PREFIX)

    def grant_webhooks_read(self, grantee: iam.IGrantable) -> None:
        self._grant_objects(grantee, "s3:GetObject", WEBHOOKS_PREFIX)

    def _grant_objects(self, grantee: iam.IGrantable, action: str, prefix: str) -> None:
        iam.Grant.add_to_principal(
            grantee=grantee, actions=[action], resource_arns=[self.bucket.arn_for_objects(f"{prefix}*")]
        )
