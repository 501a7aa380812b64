"""Test-wide environment: no real AWS is ever reachable from a test."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="eu-west-1",
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    TABLE_NAME="sportello-test",
    DATA_BUCKET="sportello-test-data",
    MAIL_DOMAIN="desk.example.com",
    SUPPORT_ADDRESS="support@desk.example.com",
    DESK_NAME="Sportello Test",
    REPLY_TOKEN_SECRET="test-reply-secret",
    POWERTOOLS_TRACE_DISABLED="1",
    POWERTOOLS_SERVICE_NAME="sportello",
)
os.environ.pop("AWS_ENDPOINT_URL", None)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"
