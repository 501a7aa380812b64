"""The agent SPA: a private bucket behind CloudFront (Origin Access Control), plus its runtime config."""

from __future__ import annotations

from aws_cdk import Annotations, CfnResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.constants import WEB_CONFIG_FILE, WEB_DIST_DIR, WEB_INDEX
from infra.constructs.functions import LOG_RETENTION
from infra.constructs.nag import arn_finding, justify

# CDK's stack-wide provider behind `auto_delete_objects` (it empties the bucket when the stack is deleted).
AUTO_DELETE_PROVIDER = "Custom::S3AutoDeleteObjectsCustomResourceProvider"

# Client-side routes are not objects in the bucket: S3 answers 403 (no ListBucket) or 404.
SPA_FALLBACK_STATUSES = (403, 404)


class Web(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            # Only build output lives here; `deploy_site` puts it back.
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=True,
            # Not versioned (each deploy replaces the build): the one rule clears uploads a failed deploy
            # left half done, which S3 would otherwise keep, and bill, for ever.
            lifecycle_rules=[
                s3.LifecycleRule(abort_incomplete_multipart_upload_after=Duration.days(1)),
            ],
        )
        justify(
            self.bucket,
            "S1",
            "Holds only the public build of the agent app, served through CloudFront; nothing to audit",
        )
        self._limit_auto_delete_logs()
        # CloudFront names are global to the account: keep them apart per stack and region.
        unique_name = f"{Stack.of(self).stack_name}-{Stack.of(self).region}"
        origin_access = cloudfront.S3OriginAccessControl(
            self, "OriginAccess", origin_access_control_name=f"{unique_name}-spa"
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Sportello agent app",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(
                    self.bucket, origin_access_control=origin_access
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self._security_headers(f"{unique_name}-spa-security-headers"),
            ),
            default_root_object=WEB_INDEX,
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=status,
                    response_http_status=200,
                    response_page_path=f"/{WEB_INDEX}",
                    ttl=Duration.seconds(0),
                )
                for status in SPA_FALLBACK_STATUSES
            ],
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
        )
        self._justify_distribution()

    @property
    def url(self) -> str:
        """https://<id>.cloudfront.net, without a trailing slash."""
        return f"https://{self.distribution.distribution_domain_name}"

    def deploy_site(self, config: dict[str, str]) -> None:
        """Upload web/dist (when built) and `config.json`, then invalidate the CDN."""
        sources = []
        if WEB_DIST_DIR.is_dir():
            sources.append(s3deploy.Source.asset(str(WEB_DIST_DIR)))
        else:
            Annotations.of(self).add_warning_v2(
                "sportello:web-dist-missing",
                "web/dist does not exist: only config.json is deployed (build the SPA, then deploy again)",
            )
        # Last, so it replaces the local-cloud config.json the SPA build ships.
        sources.append(s3deploy.Source.json_data(WEB_CONFIG_FILE, config))
        deployment = s3deploy.BucketDeployment(
            self,
            "Site",
            sources=sources,
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=512,
            log_group=logs.LogGroup(
                self, "SiteDeploymentLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
            ),
        )
        self._justify_deployment_handler(deployment)

    def _limit_auto_delete_logs(self) -> None:
        """The auto-delete provider is a raw CloudFormation function whose logs would be kept forever: point
        it at a log group of ours with the functions' retention."""
        provider = Stack.of(self).node.find_child(AUTO_DELETE_PROVIDER)
        handler = provider.node.find_child("Handler")
        assert isinstance(handler, CfnResource)
        log_group = logs.LogGroup(
            self, "AutoDeleteLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        handler.add_property_override("LoggingConfig.LogGroup", log_group.log_group_name)

    def _justify_distribution(self) -> None:
        for rule, reason in {
            "CFR1": "The desk serves agents and customers wherever they are: no country is excluded",
            "CFR2": "AWS WAF costs a monthly fee per web ACL and rule, too much for an SMB desk by default; "
            "the API throttles every route and the site is static files",
            "CFR3": "Standard logs need a bucket with ACLs enabled and cost per request: a static SPA does "
            "not need them (the API keeps its own access log)",
            "CFR4": "The default *.cloudfront.net certificate cannot pin a minimum TLS version; a custom "
            "domain with its own certificate can (TLSv1.2_2021)",
        }.items():
            justify(self.distribution, rule, reason)

    def _justify_deployment_handler(self, deployment: s3deploy.BucketDeployment) -> None:
        """CDK's own helper that copies the build into the bucket: its role and runtime are CDK's."""
        handler = deployment.handler_role.node.scope
        assert handler is not None
        justify(
            handler,
            "IAM4",
            "CDK's BucketDeployment handler role: AWSLambdaBasicExecutionRole, logs only",
            findings=[
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
            ],
        )
        justify(
            handler,
            "IAM5",
            "CDK's BucketDeployment grants: read its assets, replace every object of the site bucket, "
            "invalidate the distribution (cloudfront:CreateInvalidation and GetInvalidation on *)",
            findings=[
                "Action::s3:GetObject*",
                "Action::s3:GetBucket*",
                "Action::s3:List*",
                "Action::s3:DeleteObject*",
                "Action::s3:Abort*",
                "Resource::*",
                arn_finding(self.bucket, "/*"),
                "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
            ],
        )
        justify(handler, "L1", "CDK's BucketDeployment handler: its runtime is chosen by aws-cdk-lib")

    def _security_headers(self, name: str) -> cloudfront.ResponseHeadersPolicy:
        region = Stack.of(self).region
        content_security_policy = "; ".join(
            (
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self' 'unsafe-inline'",
                "img-src 'self' data: blob: https:",
                "font-src 'self' data:",
                # The API and Cognito's token endpoint; their exact hosts would make a dependency cycle.
                f"connect-src 'self' https://*.execute-api.{region}.amazonaws.com https://*.amazoncognito.com",
                "frame-ancestors 'none'",
                "base-uri 'self'",
                "object-src 'none'",
            )
        )
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=name,
            comment="Sportello agent app security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730), include_subdomains=True, override=True
                ),
            ),
        )
