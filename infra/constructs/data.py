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
from infra.constructs.nag import arn_finding, justify
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
# The action groups of CDK's `Bucket.grant_read` / `grant_read_write` (object versions, tags and ACLs
# included); each grant below limits them to one prefix's objects.
S3_READ_ACTION_GROUPS = ("Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*")
S3_WRITE_ACTION_GROUPS = ("Action::s3:DeleteObject*", "Action::s3:Abort*")


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
        bucket = s3.Bucket(
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
        self._justify_server_access_logs(bucket)
        return bucket

    def _justify_server_access_logs(self, bucket: s3.Bucket) -> None:
        justify(
            bucket,
            "S1",
            "Only the stack's functions and SES touch this private bucket; server access logs would need a "
            "second bucket and cost for little use. CloudTrail data events can be enabled for an audit.",
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
        self._justify(grantee, arn_finding(self.table, "/index/*"), "the table's indexes (queries by index)")

    def grant_inbound_read(self, grantee: iam.IGrantable) -> None:
        """Read the raw mail SES stored under `inbound/`."""
        self.bucket.grant_read(grantee, f"{INBOUND_PREFIX}*")
        self._justify_objects(grantee, INBOUND_PREFIX, S3_READ_ACTION_GROUPS)

    def grant_message_files_read_write(self, grantee: iam.IGrantable) -> None:
        """Attachments and the bodies too large for the table (written, and linked to agents)."""
        for prefix in (ATTACHMENTS_PREFIX, BODIES_PREFIX):
            self.bucket.grant_read_write(grantee, f"{prefix}*")
            self._justify_objects(grantee, prefix, S3_READ_ACTION_GROUPS + S3_WRITE_ACTION_GROUPS)

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
        self._justify_objects(grantee, prefix)

    def _justify_objects(
        self, grantee: iam.IGrantable, prefix: str, action_groups: tuple[str, ...] = ()
    ) -> None:
        """Object keys are not known in advance (mail ids, hashes, attachment names): one prefix's objects."""
        self._justify(
            grantee, arn_finding(self.bucket, f"/{prefix}*"), f"the objects under {prefix}", *action_groups
        )

    @staticmethod
    def _justify(grantee: iam.IGrantable, resource_finding: str, what: str, *findings: str) -> None:
        role = grantee.grant_principal
        assert isinstance(role, iam.Role)  # every Sportello function has its own role
        justify(
            role,
            "IAM5",
            f"Granted on {what} only, whose names are data (not known at deploy time)",
            findings=(resource_finding, *findings),
        )
