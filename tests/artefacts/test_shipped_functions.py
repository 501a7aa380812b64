"""Every deployed function starts and does its job as Lambda runs it: shipped assets, runtime boto3 only.

The stack is synthesized with bundling on, so the function code and the layers are the very folders
`cdk deploy` uploads. Each handler is imported in a clean Python of the Lambda runtime's version, with
only the runtime's boto3 installed and the code and layers on the path in Lambda's order, and invoked
with a real event against a moto server. One customer conversation runs through all of them:
a Telegram message (webhooks → webhook_processor), a mail (email_inbound), the agent's list and reply
(agent_api), the reply's delivery (outbound), a web form (public_api), the tickets' events from the
table's stream (ticket_events, which also starts the tickets' SLA clocks), the hourly schedule's
automations (automations) and the per-minute SLA sweep (sla_sweep), which alerts through the topic.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from infra.artefacts import Invocation, LambdaRuntime, ShippedFunction, resolve_environment, synthesize
from infra.constants import (
    AGENT_API_FUNCTION,
    AUTOMATIONS_FUNCTION,
    CONTEXT_MAIL_DOMAIN,
    EMAIL_INBOUND_FUNCTION,
    INBOUND_PREFIX,
    INBOUND_QUEUE,
    NOTIFICATION_TOPIC,
    OUTBOUND_FUNCTION,
    OUTBOUND_QUEUE,
    PUBLIC_API_FUNCTION,
    ROUTING_FUNCTION,
    ROUTING_STATE_MACHINE,
    SLA_SWEEP_FUNCTION,
    TICKET_EVENTS_FILTER,
    TICKET_EVENTS_FUNCTION,
    WEBHOOK_PROCESSOR_FUNCTION,
    WEBHOOKS_FUNCTION,
)
from infra.constructs.bundling import LambdaTarget, deps_layer_bundler
from infra.local.auth import SEEDED_AGENTS
from infra.local.events import (
    LOCAL_ACCOUNT,
    http_api_event,
    scheduled_event,
    ses_message_id,
    ses_receipt_event,
)
from infra.local.fake_providers.all import fake_provider_server
from infra.local.queues import sqs_record
from infra.local.streams import StreamReader, matches, stream_event
from sportello.names import (
    ENV_DATA_BUCKET,
    ENV_INBOUND_QUEUE_URL,
    ENV_MAIL_DOMAIN,
    ENV_NOTIFICATION_TOPIC_ARN,
    ENV_OUTBOUND_QUEUE_URL,
    ENV_PROVIDER_API_BASE,
    ENV_PROVIDER_SECRETS_NAME,
    ENV_REPLY_TOKEN_SECRET_NAME,
    ENV_ROUTING_STATE_MACHINE_ARN,
    ENV_TABLE_NAME,
)
from sportello.sla.model import SlaRecord, TargetClock, TargetKind
from sportello.sla.policies import DEFAULT_POLICIES
from sportello.store.sla import record_to_item
from tests.conftest import CORPUS, PROJECT_ROOT, TEST_PROVIDER_SECRETS

REGION = "eu-west-1"
MAIL_DOMAIN = "acme.test"
PUBLIC_HOST = "desk.acme.test"
TABLE = "sportello-artefacts"
BUCKET = "sportello-artefacts-data"
REPLY_SECRET_NAME = "sportello/reply-tokens"
PROVIDER_SECRET_NAME = "sportello/providers"
SHIPPED = (
    AGENT_API_FUNCTION,
    AUTOMATIONS_FUNCTION,
    EMAIL_INBOUND_FUNCTION,
    OUTBOUND_FUNCTION,
    PUBLIC_API_FUNCTION,
    ROUTING_FUNCTION,
    SLA_SWEEP_FUNCTION,
    TICKET_EVENTS_FUNCTION,
    WEBHOOK_PROCESSOR_FUNCTION,
    WEBHOOKS_FUNCTION,
)
AGENT = SEEDED_AGENTS[0]
ELF_MACHINE_AARCH64 = 0xB7
PASSED = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Sandbox:
    """The shipped functions, the runtime that runs them, and the moto server they talk to."""

    functions: dict[str, ShippedFunction]
    runtime: LambdaRuntime
    moto_url: str
    provider_api: str
    local_values: dict[str, str]
    workdir: Path

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.moto_url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def invoke(self, name: str, event: dict[str, Any] | None) -> Invocation:
        function = self.functions[name]
        environment = resolve_environment(
            function,
            self.local_values,
            # Only the local stand-ins differ from AWS: the endpoint, the credentials, the providers.
            {
                "AWS_ENDPOINT_URL": self.moto_url,
                "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                ENV_PROVIDER_API_BASE: self.provider_api,
            },
        )
        return self.runtime.invoke(function, event, environment, workdir=self.workdir / name)

    def sqs_event(self, queue: str) -> dict[str, Any]:
        sqs = self.client("sqs")
        url = self.local_values[queue]
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
        )
        arn = f"arn:aws:sqs:{REGION}:{LOCAL_ACCOUNT}:{url.rsplit('/', 1)[-1]}"
        return {"Records": [sqs_record(message, arn) for message in messages.get("Messages", [])]}

    def stream_event(self) -> dict[str, Any]:
        """The table stream's ticket events so far, as the filtered stream mapping delivers them."""
        arn = self.client("dynamodb").describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
        stream = StreamReader(arn, self.client("dynamodbstreams"))
        records = []
        for shard in stream.shard_ids():
            records += stream.read(stream.iterator(shard, "TRIM_HORIZON"), 1000)[0]
        return stream_event([record for record in records if matches(TICKET_EVENTS_FILTER, record)], arn)


def _provision(moto_url: str, bucket_queue_env: dict[str, str]) -> None:
    """Creates the table, bucket, queues and agents as the local cloud does, in a separate process."""
    script = "from infra.local.resources import provision, seed_agents; provision(); seed_agents()"
    environment = {
        "PATH": "/usr/bin:/bin",
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "PYTHONPATH": f"{PROJECT_ROOT}{':'}{PROJECT_ROOT / 'functions'}",
        **bucket_queue_env,
    }
    subprocess.run([sys.executable, "-c", script], env=environment, cwd=PROJECT_ROOT, check=True)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    functions = synthesize(tmp_path_factory.mktemp("cdk.out"), {CONTEXT_MAIL_DOMAIN: MAIL_DOMAIN})
    runtime = LambdaRuntime().ensure()
    moto_port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    providers = make_server("127.0.0.1", 0, fake_provider_server(), threaded=True)
    threading.Thread(target=providers.serve_forever, daemon=True).start()
    moto_url = f"http://127.0.0.1:{moto_port}"
    queue_base = f"{moto_url}/{LOCAL_ACCOUNT}"
    _provision(moto_url, {ENV_TABLE_NAME: TABLE, ENV_DATA_BUCKET: BUCKET, ENV_MAIL_DOMAIN: MAIL_DOMAIN})
    sandbox = Sandbox(
        functions={function.name: function for function in functions},
        runtime=runtime,
        moto_url=moto_url,
        provider_api=f"http://127.0.0.1:{providers.server_port}",
        local_values={
            ENV_TABLE_NAME: TABLE,
            ENV_DATA_BUCKET: BUCKET,
            ENV_REPLY_TOKEN_SECRET_NAME: REPLY_SECRET_NAME,
            ENV_PROVIDER_SECRETS_NAME: PROVIDER_SECRET_NAME,
            ENV_INBOUND_QUEUE_URL: f"{queue_base}/{INBOUND_QUEUE}",
            ENV_OUTBOUND_QUEUE_URL: f"{queue_base}/{OUTBOUND_QUEUE}",
            INBOUND_QUEUE: f"{queue_base}/{INBOUND_QUEUE}",
            OUTBOUND_QUEUE: f"{queue_base}/{OUTBOUND_QUEUE}",
            # `provision` creates both as the local cloud does (moto records executions, runs none here)
            ENV_ROUTING_STATE_MACHINE_ARN: (
                f"arn:aws:states:{REGION}:{LOCAL_ACCOUNT}:stateMachine:{ROUTING_STATE_MACHINE}"
            ),
            ENV_NOTIFICATION_TOPIC_ARN: f"arn:aws:sns:{REGION}:{LOCAL_ACCOUNT}:{NOTIFICATION_TOPIC}",
        },
        workdir=tmp_path_factory.mktemp("lambda"),
    )
    secrets = sandbox.client("secretsmanager")
    secrets.create_secret(Name=REPLY_SECRET_NAME, SecretString="artefact-test-reply-token-secret")
    secrets.create_secret(
        Name=PROVIDER_SECRET_NAME, SecretString=json.dumps({"telegram": TEST_PROVIDER_SECRETS})
    )
    yield sandbox
    providers.shutdown()
    moto.stop()


def test_the_stack_ships_every_function_with_its_layers(sandbox: Sandbox) -> None:
    assert sorted(sandbox.functions) == sorted(SHIPPED)
    for function in sandbox.functions.values():
        assert (function.code / "handler.py").is_file()
        assert function.runtime == f"python{sandbox.runtime.version}"
        shipped_packages = {entry.name for layer in function.layers for entry in (layer / "python").iterdir()}
        assert "sportello" in shipped_packages
        # The runtime provides the SDK: a second copy in a layer would shadow it.
        assert not shipped_packages & {"boto3", "botocore"}
        # Tracing can be switched on by a context value alone, without another layer.
        assert "aws_xray_sdk" in shipped_packages
        # Shipped precompiled for the runtime's Python: a cold start reads bytecode, compiles nothing.
        version_tag = f"cpython-{sandbox.runtime.version.replace('.', '')}"
        for layer in function.layers:
            assert any(layer.rglob(f"*.{version_tag}.pyc")), f"{layer.name} ships no {version_tag} bytecode"


def test_the_deployed_architecture_gets_wheels_built_for_it() -> None:
    # Given the dependency layer as deployed (arm64 by default), not the one run here
    layer = deps_layer_bundler(LambdaTarget("arm64")).ensure_cached()
    # Then every compiled extension in it is an AArch64 binary
    extensions = list(layer.rglob("*.so"))
    assert extensions, "the dependency layer has no compiled extension to check (nh3, pydantic-core)"
    for extension in extensions:
        header = extension.read_bytes()[:20]
        assert header[:4] == b"\x7fELF"
        assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64, extension.name


def test_every_handler_imports_in_the_lambda_runtime(sandbox: Sandbox) -> None:
    for name in SHIPPED:
        invocation = sandbox.invoke(name, None)
        # Imported from the shipped layer, not from a development environment.
        assert "sportello" in invocation.modules
        assert "moto" not in invocation.modules
        # Tracing is off unless the deployment switches it on: the X-Ray SDK is not even imported.
        assert "aws_xray_sdk" not in invocation.modules


def test_a_conversation_runs_through_the_shipped_functions(sandbox: Sandbox) -> None:
    # Given a customer writing on Telegram
    update = json.loads((CORPUS / "webhooks/telegram/tgdocs_01_message_text_start.json").read_text())
    update["message"]["text"] = "Il mio ordine non è arrivato"
    webhook = _http(
        "POST",
        "/webhooks/telegram",
        body=json.dumps(update).encode(),
        headers={
            "content-type": "application/json",
            "x-telegram-bot-api-secret-token": TEST_PROVIDER_SECRETS["secret_token"],
        },
    )
    webhook["pathParameters"] = {"provider": "telegram"}
    assert sandbox.invoke(WEBHOOKS_FUNCTION, webhook).result["statusCode"] == 200
    processed = sandbox.invoke(WEBHOOK_PROCESSOR_FUNCTION, sandbox.sqs_event(INBOUND_QUEUE))
    assert processed.result == {"batchItemFailures": []}

    # And a customer writing by mail
    mail = _mail("maria@example.org", f"support@{MAIL_DOMAIN}", "Fattura", "Mi mandate la fattura?")
    message_id = ses_message_id()
    sandbox.client("s3").put_object(Bucket=BUCKET, Key=f"{INBOUND_PREFIX}{message_id}", Body=mail)
    event = ses_receipt_event(message_id, mail, [f"support@{MAIL_DOMAIN}"], "maria@example.org", PASSED)
    mailed = sandbox.invoke(EMAIL_INBOUND_FUNCTION, event)
    assert mailed.result["reports"][0]["result"] == "ticket_created"

    # When the agent lists the tickets and answers the Telegram one
    listed = sandbox.invoke(AGENT_API_FUNCTION, _http("GET", "/api/tickets", agent=True))
    assert listed.result["statusCode"] == 200
    tickets = json.loads(listed.result["body"])["items"]
    assert sorted(ticket["channel"] for ticket in tickets) == ["email", "telegram"]
    telegram = next(ticket for ticket in tickets if ticket["channel"] == "telegram")
    reply = _http(
        "POST",
        f"/api/tickets/{telegram['number']}/messages",
        body=json.dumps({"body": "We are on it", "public": True}).encode(),
        headers={"content-type": "application/json"},
        agent=True,
    )
    assert sandbox.invoke(AGENT_API_FUNCTION, reply).result["statusCode"] == 201

    # Then the reply is delivered through the provider's API
    delivered = sandbox.invoke(OUTBOUND_FUNCTION, sandbox.sqs_event(OUTBOUND_QUEUE))
    assert delivered.result == {"batchItemFailures": []}
    sent = [request for request in _provider_requests(sandbox) if request["provider"] == "telegram"]
    assert [request["payload"]["text"] for request in sent] == ["We are on it"]

    # And a visitor's web form opens a ticket too
    form = _http(
        "POST",
        "/public/form",
        body=b"name=Luca&email=luca%40example.org&subject=Ordine&message=Dov%27e%20il%20mio%20ordine%3F",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert sandbox.invoke(PUBLIC_API_FUNCTION, form).result["statusCode"] == 201

    # And the tickets' events, out through the table's stream, record when each ticket last moved
    events = sandbox.stream_event()
    assert events["Records"]
    assert sandbox.invoke(TICKET_EVENTS_FUNCTION, events).result == {"batchItemFailures": []}
    page = sandbox.invoke(AGENT_API_FUNCTION, _http("GET", f"/api/tickets/{telegram['number']}", agent=True))
    assert json.loads(page.result["body"])["ticket"]["last_activity_at"] is not None
    # and each new ticket started its routing workflow, once
    started = sandbox.client("stepfunctions").list_executions(
        stateMachineArn=sandbox.local_values[ENV_ROUTING_STATE_MACHINE_ARN]
    )["executions"]
    assert len(started) == 3

    # And the routing function runs each step the workflow gives it: the mail is classified, acknowledged
    mail_ticket = mailed.result["reports"][0]["ticket"]
    state: dict[str, Any] = {"ticket": mail_ticket, "event_id": "artefact-1", "event": "created"}
    state["sender_verified"] = True
    for step in ("classify", "triggers", "assign", "notify"):
        state = sandbox.invoke(ROUTING_FUNCTION, {"step": step, "state": state}).result
    assert state["completed"] == ["classify", "triggers", "assign", "notify"]
    routed = sandbox.invoke(AGENT_API_FUNCTION, _http("GET", f"/api/tickets/{mail_ticket}", agent=True))
    kinds = [event["kind"] for event in json.loads(routed.result["body"])["events"]]
    assert {"routing_decided", "trigger_fired", "acknowledgement_sent"} <= set(kinds)

    # And the hourly schedule runs the desk's automations: one that tags new tickets, switched on
    sandbox.client("dynamodb").put_item(TableName=TABLE, Item=_automation_item())
    swept = sandbox.invoke(AUTOMATIONS_FUNCTION, scheduled_event(region=REGION))
    assert swept.result == {"rules": 1, "examined": 2, "acted": 2}  # the mail's and the form's tickets
    listed = sandbox.invoke(AGENT_API_FUNCTION, _http("GET", "/api/tickets", agent=True))
    tags = {t["channel"]: t["tags"] for t in json.loads(listed.result["body"])["items"]}
    assert "swept" in tags["email"] and "swept" not in tags["telegram"]

    # And the per-minute SLA sweep: the stream started the mail's clocks under the default policy, due in
    # business hours, so nothing is due now
    mailed_page = sandbox.invoke(AGENT_API_FUNCTION, _http("GET", f"/api/tickets/{mail_ticket}", agent=True))
    assert json.loads(mailed_page.result["body"])["sla"]["policy"]["id"] == DEFAULT_POLICIES[0].id
    every_minute = scheduled_event(rule_name="sportello-sla-sweep", region=REGION)
    assert sandbox.invoke(SLA_SWEEP_FUNCTION, every_minute).result["alerts"] == 0
    # and once its first reply is overdue (its record as the stream would leave it two hours on), the sweep
    # publishes the warning and the breach, once, and records both on the ticket
    sandbox.client("dynamodb").put_item(TableName=TABLE, Item=_overdue_sla_item(int(mail_ticket)))
    alerted = sandbox.invoke(SLA_SWEEP_FUNCTION, every_minute).result
    assert (alerted["examined"], alerted["alerts"], alerted["failed"]) == (1, 2, 0)
    assert sandbox.invoke(SLA_SWEEP_FUNCTION, every_minute).result["alerts"] == 0
    page = sandbox.invoke(AGENT_API_FUNCTION, _http("GET", f"/api/tickets/{mail_ticket}", agent=True))
    kinds = [event["kind"] for event in json.loads(page.result["body"])["events"]]
    assert kinds.count("sla_alerted") == 2


def _overdue_sla_item(number: int) -> dict[str, Any]:
    """The ticket's SLA record with its first reply an hour overdue, as store/sla.py writes it."""
    started = datetime.now(UTC) - timedelta(hours=2)
    policy = DEFAULT_POLICIES[0]
    clock = TargetClock(
        target=TargetKind.FIRST_REPLY,
        cycle=1,
        business=False,
        target_seconds=3600,
        started_at=started,
        running_since=started,
        due_at=started + timedelta(hours=1),
        warn_at=started + timedelta(minutes=45),
    )
    item: dict[str, Any] = record_to_item(SlaRecord(number, policy.id, policy.name, (clock,))).serialize()
    return item


def _automation_item() -> dict[str, Any]:
    """An automation as the admin API stores it (store/routing.py): new tickets get a tag."""
    rule = {
        "name": "Tag new tickets",
        "enabled": True,
        "conditions": {
            "all": [
                {"field": "ticket.status", "op": "is", "value": "new"},
                {"field": "ticket.hours_since_update", "op": "gte", "value": 0},
            ]
        },
        "actions": [{"kind": "add_tags", "value": ["swept"]}],
    }
    return {
        "pk": {"S": "RULES#automation"},
        "sk": {"S": "tag-new"},
        "item_type": {"S": "rule"},
        "data": {"S": json.dumps(rule)},
    }


def _http(
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    agent: bool = False,
) -> dict[str, Any]:
    claims = None
    if agent:
        claims = {"sub": AGENT.subject, "email": AGENT.email, "cognito:groups": f"[{' '.join(AGENT.groups)}]"}
    return http_api_event(
        method, path, body=body, headers=headers, claims=claims, domain_name="desk.acme.test"
    )


def _mail(sender: str, recipient: str, subject: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.org")
    message["Date"] = formatdate()
    message.set_content(text)
    return message.as_bytes()


def _provider_requests(sandbox: Sandbox) -> list[dict[str, Any]]:
    import urllib.request

    with urllib.request.urlopen(f"{sandbox.provider_api}/__fake__/requests") as response:
        requests: list[dict[str, Any]] = json.loads(response.read())["requests"]
    return requests
