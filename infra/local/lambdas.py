"""The local Lambda runtime: moto's Lambda service answers each invocation by calling our handler
in-process, so the routing workflow (run by moto's Step Functions interpreter from the same ASL file
as the stack) drives the real handlers, with no Docker.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import zipfile
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from moto.awslambda.models import LambdaFunction
from moto.core.config import default_user_config

from .events import LOCAL_ACCOUNT, LambdaContext

logger = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]
_handlers: dict[str, Handler] = {}
_hooks: list[Callable[[], None]] = []
_installed = threading.Lock()
LOCAL_ROLE = "sportello-local-lambda"


def _invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    handler = _handlers.get(self.function_name)
    if handler is None:
        return json.dumps({"errorMessage": f"no local handler for {self.function_name}"}), True, ""
    try:
        result = handler(event if event is not None else {}, LambdaContext(self.function_name))
    except Exception as error:  # reported to the caller as Lambda reports an unhandled error
        logger.exception("local function %s failed", self.function_name)
        return json.dumps({"errorMessage": str(error), "errorType": type(error).__name__}), True, ""
    finally:
        for hook in _hooks:
            hook()
    return json.dumps(result), False, ""


def install(handlers: Mapping[str, Handler], after_each: Callable[[], None] | None = None) -> None:
    """Routes moto's invocations of these function names to the handlers (idempotent)."""
    with _installed:
        _handlers.update(handlers)
        if after_each is not None and after_each not in _hooks:
            _hooks.append(after_each)
        LambdaFunction._invoke_lambda = _invoke_in_process  # type: ignore[method-assign]
        # moto's Step Functions runs definitions only with this switch on (its parser backend).
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True


def function_arn(name: str, region: str) -> str:
    return f"arn:aws:lambda:{region}:{LOCAL_ACCOUNT}:function:{name}"


def create_function(name: str) -> str:
    """Registers a function in moto's Lambda (the code is a placeholder: `install` runs the real one)."""
    client = boto3.client("lambda")
    try:
        return str(client.get_function(FunctionName=name)["Configuration"]["FunctionArn"])
    except client.exceptions.ResourceNotFoundException:
        pass
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    raise RuntimeError('local only')\n")
    created = client.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role_arn(),
        Handler="handler.handler",
        Code={"ZipFile": package.getvalue()},
        Timeout=60,
    )
    return str(created["FunctionArn"])


def role_arn() -> str:
    """A role for local functions and workflows (moto checks that one is given)."""
    iam = boto3.client("iam")
    try:
        return str(iam.get_role(RoleName=LOCAL_ROLE)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        return str(
            iam.create_role(RoleName=LOCAL_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        )
