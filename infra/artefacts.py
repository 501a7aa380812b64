"""The Lambda functions as the stack ships them, run the way the Lambda runtime runs them.

`synthesize` builds the stack with bundling on (the same bundlers `cdk deploy` uses) and reads, from the
template, each Sportello function's code asset, layers, handler, runtime and environment. A
`LambdaRuntime` is a clean virtual environment with the runtime's Python version and the boto3 that
the Lambda runtime ships, nothing else; `invoke` imports a handler there with the function code and the
layers on the path in Lambda's order (/var/task, then /opt/python) and calls it with one event.

The artefact tests and the cold-start benchmark use it, so both measure what is deployed, not `.venv`.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.constants import CONTEXT_ARCHITECTURE, HANDLER, LAMBDA_PYTHON_VERSION, STACK_NAME
from infra.constructs.bundling import find_python

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNTIME_CACHE_DIR = REPO_ROOT / "build" / "lambda-runtime"
# The SDK the Lambda Python runtimes include ("Runtime-included SDK versions" in the Lambda developer
# guide, read 2026-12): a handler may rely on this boto3/botocore and on nothing else the layers lack.
RUNTIME_BOTO3_VERSION = "1.40.4"
# Lambda's sys.path: the function's code, then each layer's python/ folder, then the runtime.
LAMBDA_TASK_ROOT = "/var/task"

_BOOTSTRAP = """
import importlib, json, sys, time
started = time.perf_counter()
module_name, attribute = sys.argv[1].rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), attribute)
init_seconds = time.perf_counter() - started

class Context:
    function_name = sys.argv[4]
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    aws_request_id = "artefact-test"
    log_group_name = "/aws/lambda/" + function_name
    log_stream_name = "artefact-test"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:" + function_name
    @staticmethod
    def get_remaining_time_in_millis():
        return 30000

result = None
if sys.argv[2]:  # no event: import only, as Lambda's init phase does
    with open(sys.argv[2]) as file:
        result = handler(json.load(file), Context())
with open(sys.argv[3], "w") as file:
    json.dump({"result": result, "init_seconds": init_seconds, "modules": sorted(sys.modules)}, file)
"""


# The architecture of this machine, where the shipped code is run: the same code and layers as deployed,
# with the dependency layer's compiled wheels for this CPU instead of the deployed one.
LOCAL_ARCHITECTURE = "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"


class ArtefactError(RuntimeError):
    """The shipped artefacts cannot be built or run here; the message says what is missing."""


def runtime_python(version: str = LAMBDA_PYTHON_VERSION) -> Path:
    interpreter = find_python(version)
    if interpreter is None:
        raise ArtefactError(
            f"no Python {version} here (the Lambda runtime's version): "
            f"install it, e.g. `pyenv install {version}`"
        )
    return interpreter


@dataclass(frozen=True)
class ShippedFunction:
    """One Lambda function of the synthesized stack, with its assets on disk."""

    name: str  # the folder under functions/
    handler: str
    runtime: str
    code: Path
    layers: tuple[Path, ...]  # in the function's order: a later layer's files win, as in Lambda
    environment: Mapping[str, Any]  # values are strings or unresolved CloudFormation tokens


@dataclass(frozen=True)
class Invocation:
    result: Any
    init_seconds: float
    modules: tuple[str, ...]


def synthesize(outdir: Path, context: Mapping[str, Any] | None = None) -> list[ShippedFunction]:
    """Synthesizes the stack with bundling on and returns its Sportello functions."""
    import aws_cdk as cdk

    from infra.stack import SportelloStack

    defaults = {"aws:cdk:enable-asset-metadata": True, CONTEXT_ARCHITECTURE: LOCAL_ARCHITECTURE}
    app = cdk.App(outdir=str(outdir), context={**defaults, **(context or {})})
    SportelloStack(app, STACK_NAME)
    app.synth()
    template = json.loads((outdir / f"{STACK_NAME}.template.json").read_text())
    return shipped_functions(template, outdir)


def shipped_functions(template: Mapping[str, Any], outdir: Path) -> list[ShippedFunction]:
    resources: Mapping[str, Any] = template["Resources"]

    def asset(logical_id: str) -> Path:
        path = resources[logical_id].get("Metadata", {}).get("aws:asset:path")
        if not path:
            raise ArtefactError(f"{logical_id} has no asset path (was asset metadata switched off?)")
        return outdir / str(path)

    functions = []
    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] != "AWS::Lambda::Function" or properties.get("Handler") != HANDLER:
            continue  # CDK's own helper functions (bucket deployment, log retention) are not ours
        code = asset(logical_id)
        layers = tuple(asset(layer["Ref"]) for layer in properties.get("Layers", []))
        functions.append(
            ShippedFunction(
                name=_function_folder(code),
                handler=properties["Handler"],
                runtime=properties["Runtime"],
                code=code,
                layers=layers,
                environment=properties.get("Environment", {}).get("Variables", {}),
            )
        )
    return sorted(functions, key=lambda function: function.name)


def _function_folder(code: Path) -> str:
    """The functions/<name> folder a code asset was copied from (its handler's docstring is not enough)."""
    shipped = (code / "handler.py").read_bytes()
    for candidate in sorted((REPO_ROOT / "functions").glob("*/handler.py")):
        if candidate.read_bytes() == shipped:
            return candidate.parent.name
    raise ArtefactError(f"{code} matches no folder under functions/")


class LambdaRuntime:
    """A virtual environment holding what the Lambda Python runtime holds: Python and its boto3."""

    def __init__(self, version: str = LAMBDA_PYTHON_VERSION, boto3_version: str = RUNTIME_BOTO3_VERSION):
        self.version = version
        self.boto3_version = boto3_version
        self.home = RUNTIME_CACHE_DIR / f"python{version}-boto3-{boto3_version}"

    @property
    def python(self) -> Path:
        return self.home / "bin" / "python"

    def ensure(self) -> LambdaRuntime:
        """Builds the environment once (needs PyPI); later runs reuse it offline."""
        if self.python.exists():
            return self
        staging = Path(tempfile.mkdtemp(prefix=".runtime-", dir=self._make_cache_root()))
        try:
            subprocess.run([str(runtime_python(self.version)), "-m", "venv", str(staging)], check=True)  # noqa: S603
            pip = [str(staging / "bin" / "python"), "-m", "pip", "install", "--quiet"]
            result = subprocess.run(  # noqa: S603
                [*pip, "--disable-pip-version-check", f"boto3=={self.boto3_version}"],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise ArtefactError(f"installing the runtime's boto3 failed:\n{result.stdout}{result.stderr}")
            # Virtual environments hold absolute paths: build in place of the final folder's name.
            staging.rename(self.home)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return self

    def _make_cache_root(self) -> Path:
        RUNTIME_CACHE_DIR.mkdir(parents=True, exist_ok=True)
        return RUNTIME_CACHE_DIR

    def invoke(
        self,
        function: ShippedFunction,
        event: Mapping[str, Any] | None,
        environment: Mapping[str, str],
        *,
        workdir: Path,
    ) -> Invocation:
        """Imports the function's handler in a fresh process and calls it once with `event` (if any)."""
        workdir.mkdir(parents=True, exist_ok=True)
        event_file = workdir / "event.json"
        result_file = workdir / "result.json"
        event_file.write_text(json.dumps(event))
        result_file.unlink(missing_ok=True)
        completed = subprocess.run(  # noqa: S603
            [
                str(self.python),
                "-c",
                _BOOTSTRAP,
                function.handler,
                str(event_file) if event is not None else "",
                str(result_file),
                function.name,
            ],
            cwd=workdir,
            env=self.environment(function, environment, workdir),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if completed.returncode != 0 or not result_file.exists():
            raise ArtefactError(
                f"{function.name} failed in the Lambda runtime (exit {completed.returncode}):\n"
                f"{completed.stderr[-6000:]}"
            )
        payload = json.loads(result_file.read_text())
        return Invocation(payload["result"], payload["init_seconds"], tuple(payload["modules"]))

    def environment(
        self, function: ShippedFunction, environment: Mapping[str, str], workdir: Path
    ) -> dict[str, str]:
        # Lambda extracts every layer into /opt in order; each contributes its python/ folder.
        layer_paths = [str(layer / "python") for layer in function.layers]
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(workdir),
            "LANG": "C.UTF-8",
            "PYTHONNOUSERSITE": "1",
            "PYTHONPATH": os.pathsep.join([str(function.code), *reversed(layer_paths)]),
            "LAMBDA_TASK_ROOT": LAMBDA_TASK_ROOT,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "_HANDLER": function.handler,
            **environment,
        }


def resolve_environment(
    function: ShippedFunction, local_values: Mapping[str, str], overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The function's environment with every CloudFormation token replaced by its local counterpart."""
    resolved: dict[str, str] = {}
    unresolved = []
    for key, value in function.environment.items():
        if isinstance(value, str):
            resolved[key] = value
        elif key in local_values:
            resolved[key] = local_values[key]
        else:
            unresolved.append(key)
    if unresolved:
        raise ArtefactError(f"{function.name}: no local value for {', '.join(sorted(unresolved))}")
    return {**resolved, **(overrides or {})}
