"""Handlers and repositories against moto's in-process AWS, with the real table definition."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.botocore_stubber import BotocoreStubber
from moto.ses.models import ses_backends
from routing.handler import handler as routing_handler
from werkzeug.serving import make_server

from infra.constants import INBOUND_QUEUE, OUTBOUND_QUEUE, ROUTING_FUNCTION
from infra.local import lambdas
from infra.local.fake_providers import Recorder
from infra.local.fake_providers.all import fake_provider_server
from infra.local.resources import ensure_queue, provision_routing
from sportello import app as app_module
from sportello.config import settings
from sportello.store import models
from tests.conftest import FAKE_PROVIDERS_PORT

from .routing import Desk, wait_for_executions


def _reset_pynamodb_connections() -> None:
    # PynamoDB caches one botocore client per model class; each test's moto needs fresh ones.
    stack: list[type[Any]] = [models.TableItem]
    while stack:
        cls = stack.pop()
        cls._connection = None
        stack.extend(cls.__subclasses__())


@dataclass
class Cloud:
    s3: Any
    bucket: str
    # What the stream and the routing workflow do after an intake (the acknowledgement is a trigger):
    # `routed` makes `mail.deliver` settle them after each mail, as the deployed desk does at once.
    desk: Desk = field(default_factory=Desk)
    routed: bool = False

    def last_ses_message_id(self) -> str:
        return str(ses_backends[DEFAULT_ACCOUNT_ID][settings_region()].sent_messages[-1].id)

    def sent_mails(self) -> list[EmailMessage]:
        backend = ses_backends[DEFAULT_ACCOUNT_ID][settings_region()]
        return [
            message_from_bytes(message.raw_data.encode(), policy=policy.default)  # type: ignore[arg-type]
            for message in backend.sent_messages
            if hasattr(message, "raw_data")
        ]


def settings_region() -> str:
    return boto3.session.Session().region_name or "eu-west-1"


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with mock_aws():
        _reset_pynamodb_connections()
        app_module.sportello.cache_clear()
        config = settings()
        models.create_table()
        s3 = boto3.client("s3")
        s3.create_bucket(
            Bucket=config.data_bucket,
            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
        )
        boto3.client("sesv2").create_email_identity(EmailIdentity=config.mail_domain)
        for queue in (INBOUND_QUEUE, OUTBOUND_QUEUE):
            ensure_queue(queue)
        # The routing workflow from the stack's ASL file, its steps calling the real handler in-process.
        lambdas.install({ROUTING_FUNCTION: routing_handler})
        provision_routing()
        yield Cloud(s3, config.data_bucket)
        # A routing execution a test started runs on moto's own thread: let it end here, or it would
        # write into the next test's table (same names) while that test runs.
        wait_for_executions()
        app_module.sportello.cache_clear()
        _reset_pynamodb_connections()


@pytest.fixture(scope="session")
def fake_providers() -> Iterator[Recorder]:
    """The local cloud's fake provider server, on the port PROVIDER_API_BASE names."""
    server = fake_provider_server()
    http = make_server("127.0.0.1", FAKE_PROVIDERS_PORT, server, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield server.recorder
    http.shutdown()


@pytest.fixture
def atomic_moto(monkeypatch):
    """AWS runs each request atomically; moto's in-process backends do not across threads, so serialise
    their requests as the services would (the race under test is between requests, in our code)."""
    lock = threading.RLock()
    original = BotocoreStubber.process_request

    def one_request_at_a_time(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "process_request", one_request_at_a_time)
