"""The two Lambda layers every function uses: the domain package and its third-party dependencies."""

from __future__ import annotations

from aws_cdk import AssetHashType, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constants import CORE_PACKAGE_DIR, DEPS_DIR, REPO_ROOT
from infra.constructs.bundling import IGNORED, CopyInto, LambdaTarget, deps_layer_bundler, local_bundling
from infra.constructs.settings import DeploymentSettings


class Layers(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.target = LambdaTarget(DeploymentSettings.from_context(self.node).architecture)
        bytecode_for = self.target.python_version
        self.core = self._layer(
            "Core",
            "the sportello domain package (layers/core)",
            lambda_.Code.from_asset(
                str(CORE_PACKAGE_DIR),
                exclude=list(IGNORED),
                bundling=local_bundling(CopyInto(CORE_PACKAGE_DIR, "python/sportello", bytecode_for)),
            ),
        )
        self.deps = self._layer("Deps", "third-party runtime dependencies (layers/deps)", self._deps_code())

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.core, self.deps]

    def _layer(self, construct_id: str, description: str, code: lambda_.Code) -> lambda_.LayerVersion:
        return lambda_.LayerVersion(
            self,
            construct_id,
            code=code,
            description=f"Sportello: {description}",
            compatible_runtimes=[self.target.runtime],
            compatible_architectures=[self.target.lambda_architecture],
            # Published functions keep their copy of a deleted layer version.
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _deps_code(self) -> lambda_.Code:
        bundler = deps_layer_bundler(self.target)
        # The hash is the requirements' fingerprint, not the folder's content: same pins, same layer.
        # CDK only needs the source folder to exist (and skips bundling when cdk.out already has it).
        source = DEPS_DIR if DEPS_DIR.is_dir() else REPO_ROOT / "layers"
        return lambda_.Code.from_asset(
            str(source),
            asset_hash=bundler.fingerprint,
            asset_hash_type=AssetHashType.CUSTOM,
            bundling=local_bundling(bundler),
        )
