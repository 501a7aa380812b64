"""Docker-free bundling of the Lambda assets.

These machines have no Docker, so every asset is bundled by `ILocalBundling` callbacks that jsii invokes
during synthesis. The Docker image in `BundlingOptions` is a placeholder CDK requires; a callback never
returns False (that would make CDK try the image), it raises instead.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import cast

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra.constants import DEPS_CACHE_DIR, DEPS_REQUIREMENTS, LAMBDA_PYTHON_VERSION, PYPROJECT

# One switch for the CPU architecture: the functions, the layers and pip's --platform follow it.
ARCHITECTURE = lambda_.Architecture.X86_64
_PIP_PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
PIP_PLATFORM = _PIP_PLATFORMS[ARCHITECTURE.name]
_RUNTIMES = {"3.12": lambda_.Runtime.PYTHON_3_12, "3.13": lambda_.Runtime.PYTHON_3_13}
RUNTIME = _RUNTIMES[LAMBDA_PYTHON_VERSION]

IGNORED = ("__pycache__", "*.pyc", "*.pyo", "*.egg-info", ".pytest_cache", ".mypy_cache", ".ruff_cache")
# The Lambda Python runtime ships these (pynamodb pulls botocore in); a second copy would add tens of MB.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
# Bump when the way the deps layer is built changes, so cached builds are not reused.
_DEPS_BUILD_VERSION = "1"


def local_bundling(bundler: object) -> BundlingOptions:
    """Bundling options that only ever run `bundler` locally."""
    # jsii calls try_bundle(output_dir, options) positionally, while the generated Protocol spells the
    # options struct out as keyword arguments, hence the cast.
    return BundlingOptions(
        image=DockerImage.from_registry("local-bundling-only"), local=cast(ILocalBundling, bundler)
    )


def _progress(message: str) -> None:
    # stderr, which the CDK CLI passes through (also with --quiet).
    print(f"[sportello] {message}", file=sys.stderr, flush=True)


@jsii.implements(ILocalBundling)
class CopyInto:
    """Copies `source` to `<asset>/<target>` (e.g. `python/sportello` for a layer), skipping caches."""

    def __init__(self, source: Path, target: str = ".") -> None:
        self._source = source
        self._target = target

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:
        destination = Path(output_dir) / self._target
        ignore = shutil.ignore_patterns(*IGNORED)
        shutil.copytree(self._source, destination, ignore=ignore, dirs_exist_ok=True)
        return True


def read_requirements(requirements: Path, pyproject: Path) -> str:
    """The deps layer's requirement lines: requirements.txt, or else the project's runtime dependencies."""
    if requirements.is_file():
        return requirements.read_text(encoding="utf-8")
    with pyproject.open("rb") as file:
        dependencies: list[str] = tomllib.load(file)["project"]["dependencies"]
    return "".join(f"{line}\n" for line in dependencies)


@jsii.implements(ILocalBundling)
class PipInstallLayer:
    """`pip install --platform … --target <asset>/python`, cached under `cache_root/<fingerprint>/`.

    The first build needs PyPI; later ones (a fresh cdk.out, another checkout of the same requirements)
    copy the cached tree, so `cdk synth` works offline once the deps layer has been built.
    """

    def __init__(self, requirements: str, cache_root: Path) -> None:
        self._requirements = requirements
        self._cache_root = cache_root
        self.fingerprint = self._fingerprint(requirements)

    @staticmethod
    def _fingerprint(requirements: str) -> str:
        recipe = "\n".join(
            (
                _DEPS_BUILD_VERSION,
                PIP_PLATFORM,
                LAMBDA_PYTHON_VERSION,
                ",".join(RUNTIME_PROVIDED),
                requirements.strip(),
            )
        )
        return hashlib.sha256(recipe.encode()).hexdigest()[:16]

    @property
    def cached(self) -> Path:
        return self._cache_root / self.fingerprint

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:
        shutil.copytree(self.ensure_cached(), output_dir, dirs_exist_ok=True)
        return True

    def ensure_cached(self) -> Path:
        if self.cached.is_dir():
            _progress(f"reusing cached deps layer (hash {self.fingerprint}) from {self.cached}")
        else:
            _progress(f"bundling deps layer… (pip install --platform {PIP_PLATFORM}, needs PyPI)")
            self._build()
            _progress(f"deps layer cached at {self.cached}")
        return self.cached

    def _build(self) -> None:
        self._cache_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{self.fingerprint}-", dir=self._cache_root))
        try:
            requirements = staging / "requirements.txt"
            requirements.write_text(self._requirements, encoding="utf-8")
            target = staging / "layer" / "python"
            self._pip_install(requirements, target)
            self._prune(target)
            # The rename is the commit point: a half-built tree is never mistaken for a cached one.
            (staging / "layer").rename(self.cached)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._forget_other_builds()

    @staticmethod
    def _pip_install(requirements: Path, target: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--platform",
            PIP_PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            LAMBDA_PYTHON_VERSION,
            "--only-binary=:all:",
            "--target",
            str(target),
            "-r",
            str(requirements),
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise RuntimeError(
                "building the deps layer failed (is PyPI reachable? once built, the cache under "
                f"build/layers/deps is reused offline):\n{result.stdout}{result.stderr}"
            )

    @staticmethod
    def _prune(target: Path) -> None:
        for entry in target.iterdir():
            distribution = entry.name.split("-")[0].lower()
            if entry.name in ("bin", "__pycache__") or distribution in RUNTIME_PROVIDED:
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        for cache in target.rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)

    def _forget_other_builds(self) -> None:
        for entry in self._cache_root.iterdir():
            if entry.is_dir() and entry != self.cached and not entry.name.startswith("."):
                shutil.rmtree(entry, ignore_errors=True)


def deps_layer_bundler() -> PipInstallLayer:
    return PipInstallLayer(read_requirements(DEPS_REQUIREMENTS, PYPROJECT), DEPS_CACHE_DIR)


if __name__ == "__main__":
    # `python -m infra.constructs.bundling`: build the deps layer cache now, so later synths work offline.
    deps_layer_bundler().ensure_cached()
