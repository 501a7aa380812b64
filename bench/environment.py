"""The benchmark's environment, set before any `sportello` module is imported.

Sportello reads its settings, and PynamoDB its table name, once at import: so `configure()` must run
first, and the modules that import Sportello are imported only after it (see `bench.ingest`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

# Pure constants: importing them reads no setting (configure() checks for the modules that do).
from sportello import names

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REGION: Final = "eu-west-1"  # a region with SES receiving, as in production

# The peer's generator addresses every mail to support@helpdesk.example: the desk answers there.
MAIL_DOMAIN = "helpdesk.example"

ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    names.ENV_TABLE_NAME: "sportello-bench",
    names.ENV_DATA_BUCKET: "sportello-bench-data",
    names.ENV_MAIL_DOMAIN: MAIL_DOMAIN,
    names.ENV_SUPPORT_ADDRESS: f"{names.SUPPORT_LOCAL_PART}@{MAIL_DOMAIN}",
    names.ENV_DESK_NAME: "Sportello Bench",
    names.ENV_REPLY_TOKEN_SECRET: "bench-reply-secret",
    names.ENV_POWERTOOLS_SERVICE_NAME: "sportello",
    names.ENV_POWERTOOLS_LOG_LEVEL: "WARNING",
    names.ENV_POWERTOOLS_TRACE_DISABLED: "1",
}


def configure() -> None:
    if "sportello.config" in sys.modules:  # every setting is read through it
        raise RuntimeError("configure() must run before any sportello module is imported")
    os.environ.update(ENVIRONMENT)
    # Only moto answers: never let a developer's endpoint or profile reach a real account.
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(name, None)
    # The Lambda handlers import as top-level packages (`email_inbound.handler`), as in pytest's pythonpath.
    functions = str(PROJECT_ROOT / "functions")
    if functions not in sys.path:
        sys.path.insert(0, functions)
