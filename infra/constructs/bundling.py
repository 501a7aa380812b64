"""Docker-free bundling of the Lambda assets.

These machines have no Docker, so every asset is bundled by `ILocalBundling` callbacks that jsii invokes
during synthesis. The Docker image in `BundlingOptions` is a placeholder CDK requires; a callback never
returns False (that would make CDK try the image), it raises instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from glob import glob
from pathlib import Path
from typing import cast

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra.constants import DEPS_CACHE_DIR, DEPS_REQUIREMENTS, LAMBDA_PYTHON_VERSION, PYPROJECT

IGNORED = ("__pycache__", "*.pyc", "*.pyo", "*.egg-info", ".pytest_cache", ".mypy_cache", ".ruff_cache")
# The Lambda runtime ships these (pynamodb pulls botocore in): a second copy would add tens of MB and
# shadow the runtime's own compiled modules.
RUNTIME_PROVIDED = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "dateutil",
    "python_dateutil",
    "urllib3",
    "six",
)
# Bump when the way the deps layer is built changes, so cached builds are not reused.
_DEPS_BUILD_VERSION = "2"
_PIP_PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
_RUNTIMES = {"3.12": lambda_.Runtime.PYTHON_3_12, "3.13": lambda_.Runtime.PYTHON_3_13}


@dataclass(frozen=True)
class LambdaTarget:
    """Where the functions run: the CPU architecture and Python version that pip and bytecode follow."""

    architecture: str = "arm64"  # 20% cheaper per GB-second than x86_64, and no slower for this work
    python_version: str = LAMBDA_PYTHON_VERSION

    def __post_init__(self) -> None:
        if self.architecture not in _PIP_PLATFORMS:
            raise ValueError(f"architecture must be one of {', '.join(_PIP_PLATFORMS)}")

    @property
    def lambda_architecture(self) -> lambda_.Architecture:
        return lambda_.Architecture.ARM_64 if self.architecture == "arm64" else lambda_.Architecture.X86_64

    @property
    def runtime(self) -> lambda_.Runtime:
        return _RUNTIMES[self.python_version]

    @property
    def pip_platform(self) -> str:
        return _PIP_PLATFORMS[self.architecture]


def find_python(version: str) -> Path | None:
    """An interpreter of `version` (the runtime's): on PATH, or one pyenv installed; None if there is none."""
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(glob(str(pyenv_root / "versions" / f"{version}.*" / "bin" / f"python{version}")))
    for candidate in candidates:
        if candidate and _reports_version(candidate, version):
            return Path(candidate)
    return None


def _reports_version(interpreter: str, version: str) -> bool:
    probe = subprocess.run(  # noqa: S603 - a path we found ourselves
        [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0 and probe.stdout.strip() == version


def compile_bytecode(tree: Path, python_version: str) -> bool:
    """Precompiles `tree` for the runtime's Python, so a cold start reads bytecode instead of compiling.

    Lambda's /opt is read-only: without shipped bytecode every cold start compiles every module again.
    `unchecked-hash` bytecode is used as is, whatever the files' times after zipping and unzipping.
    Returns False (and says so) when no interpreter of that version is here: the layer still works.
    """
    interpreter = find_python(python_version)
    if interpreter is None:
        _progress(f"no Python {python_version} here: {tree.name} ships without bytecode (slower cold starts)")
        return False
    command = [str(interpreter), "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]
    result = subprocess.run([*command, str(tree)], capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"compiling {tree} failed:\n{result.stdout}{result.stderr}")
    return True


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

    def __init__(self, source: Path, target: str = ".", bytecode_for: str | None = None) -> None:
        self._source = source
        self._target = target
        self._bytecode_for = bytecode_for  # a Python version: precompile the copy for it

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:
        destination = Path(output_dir) / self._target
        ignore = shutil.ignore_patterns(*IGNORED)
        shutil.copytree(self._source, destination, ignore=ignore, dirs_exist_ok=True)
        if self._bytecode_for:
            compile_bytecode(destination, self._bytecode_for)
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

    def __init__(
        self, requirements: str, cache_root: Path, target: LambdaTarget | None = None, bytecode: bool = False
    ) -> None:
        self._requirements = requirements
        self._target = target or LambdaTarget()
        # One cache folder per platform: switching architectures does not throw the other build away.
        self._cache_root = cache_root / self._target.pip_platform
        self._bytecode = bytecode
        self.fingerprint = self._fingerprint(requirements)

    def _fingerprint(self, requirements: str) -> str:
        recipe = "\n".join(
            (
                _DEPS_BUILD_VERSION,
                self._target.pip_platform,
                self._target.python_version,
                ",".join(RUNTIME_PROVIDED),
                f"bytecode={self._bytecode}",
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
            platform = self._target.pip_platform
            _progress(f"bundling deps layer… (pip install --platform {platform}, needs PyPI)")
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
            self._pip_install(requirements, target, self._target)
            self._prune(target)
            if self._bytecode:
                compile_bytecode(target, self._target.python_version)
            # The rename is the commit point: a half-built tree is never mistaken for a cached one.
            (staging / "layer").rename(self.cached)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._forget_other_builds()

    @staticmethod
    def _pip_install(requirements: Path, target: Path, platform: LambdaTarget) -> None:
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--platform",
            platform.pip_platform,
            "--implementation",
            "cp",
            "--python-version",
            platform.python_version,
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
            distribution = entry.name.split("-")[0].removesuffix(".py").lower()
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


def deps_layer_bundler(target: LambdaTarget | None = None) -> PipInstallLayer:
    requirements = read_requirements(DEPS_REQUIREMENTS, PYPROJECT)
    return PipInstallLayer(requirements, DEPS_CACHE_DIR, target, bytecode=True)


if __name__ == "__main__":
    # `python -m infra.constructs.bundling [arm64|x86_64]`: build the deps layer cache now, so later synths
    # work offline.
    deps_layer_bundler(LambdaTarget(*sys.argv[1:2])).ensure_cached()
