"""What every Sportello function shares: its own role and log group, the two layers, a base environment.

The concern constructs (`Email`, `Messaging`, `AgentApi`, `PublicApi`) create their functions with
`SportelloFunction`, then give each one the variables and grants it uses, nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constants import FUNCTIONS_DIR, HANDLER, LAMBDA_PYTHON_VERSION, SERVICE_NAME
from infra.constructs.bundling import IGNORED
from infra.constructs.layers import Layers
from infra.constructs.nag import justify
from infra.constructs.settings import DeploymentSettings
from sportello.names import ENV_POWERTOOLS_LOG_LEVEL, ENV_POWERTOOLS_SERVICE_NAME, ENV_TRACING

LOG_RETENTION = logs.RetentionDays.ONE_MONTH


def function_code(name: str) -> lambda_.Code:
    """`functions/<name>/` as is: handlers are plain modules, their dependencies come from the layers."""
    return lambda_.Code.from_asset(str(FUNCTIONS_DIR / name), exclude=list(IGNORED))


def base_environment(settings: DeploymentSettings) -> dict[str, str]:
    """What every handler reads, whatever it does: Powertools' logging, and whether to build a tracer."""
    environment = {ENV_POWERTOOLS_SERVICE_NAME: SERVICE_NAME, ENV_POWERTOOLS_LOG_LEVEL: settings.log_level}
    if settings.tracing:
        environment[ENV_TRACING] = "true"
    return environment


DEFAULT_MEMORY_MB = 512  # what a function gets unless its concern needs more


class SportelloFunction(Construct):
    """One function with its own role and log group; the caller grants exactly what it needs.

    `environment` holds the variables of what the caller grants (a table's name, a queue's URL); the base
    environment is added here.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        description: str,
        layers: Layers,
        timeout: Duration,
        environment: Mapping[str, str] | None = None,
        memory_size: int = DEFAULT_MEMORY_MB,
        retry_attempts: int | None = None,
        on_failure: lambda_.IDestination | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = name  # functions/<name>/: the dashboard's label
        if not (FUNCTIONS_DIR / name / "handler.py").is_file():
            Annotations.of(self).add_warning_v2(
                "sportello:handler-missing", f"functions/{name}/handler.py does not exist yet"
            )
        settings = DeploymentSettings.from_context(self.node)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Sportello {name}: least privilege",
        )
        self.log_group = logs.LogGroup(
            self, "Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            description=f"Sportello {name}: {description}",
            runtime=layers.target.runtime,
            architecture=layers.target.lambda_architecture,
            handler=HANDLER,
            code=function_code(name),
            layers=layers.all,
            environment={**base_environment(settings), **(environment or {})},
            tracing=lambda_.Tracing.ACTIVE if settings.tracing else lambda_.Tracing.DISABLED,
            timeout=timeout,
            memory_size=memory_size,
            role=self.role,
            log_group=self.log_group,
            retry_attempts=retry_attempts,
            on_failure=on_failure,
        )
        justify(
            self.function,
            "L1",
            f"Python {LAMBDA_PYTHON_VERSION} is deliberate: the layers are precompiled for it, and the "
            "artefact tests run the shipped code in that interpreter (newer ones are not available there)",
        )

    def add_environment(self, variables: Mapping[str, str]) -> None:
        """For grants that come with a name to use (a secret's, a queue's URL), added by their owner."""
        for name, value in variables.items():
            self.function.add_environment(name, value)
