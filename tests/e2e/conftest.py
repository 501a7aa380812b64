"""The local cloud as `make dev` runs it, in a subprocess with its own state folder and ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sportello import names
from tests.conftest import PROJECT_ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningCloud:
    base_url: str
    smtp_port: int
    home: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    fake_providers_url: str

    def provider_secrets(self, provider: str) -> dict[str, str]:
        document: dict[str, dict[str, str]] = json.loads((self.home / "provider-secrets.json").read_text())
        return document[provider]

    def post_raw(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def provider_requests(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.fake_providers_url + "/__fake__/requests", timeout=10) as response:
            return list(json.loads(response.read())["requests"])

    def get(self, path: str, token: str | None = None) -> Any:
        request = urllib.request.Request(self.base_url + path)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def post(self, path: str, body: Any) -> Any:
        request = urllib.request.Request(
            self.base_url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def send(self, method: str, path: str, body: Any, token: str) -> Any:
        """An agent's API call (POST, PATCH, PUT) with their bearer token; the response's JSON."""
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def token(self, email: str = "agent@sportello.local") -> str:
        return str(self.post("/local/token", {"email": email})["token"])

    def outbox(self) -> list[dict[str, Any]]:
        return list(self.get("/local/outbox")["messages"])

    def wait_for_outbox(self, count: int, timeout: float = 15) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.outbox()
            if len(messages) >= count:
                return messages
            time.sleep(0.2)
        raise AssertionError(f"expected {count} sent mails, outbox has {len(self.outbox())}")

    def executions(self) -> list[dict[str, Any]]:
        return list(self.get("/local/executions")["executions"])

    def wait_for_routing(self, more_than: int = 0, timeout: float = 30) -> list[dict[str, Any]]:
        """The routing workflow's executions, once there are more than `more_than` and none is running
        (what arrived has been routed: its acknowledgement sent, its decisions on the ticket)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            executions = self.executions()
            if len(executions) > more_than and all(e["status"] != "RUNNING" for e in executions):
                return executions
            time.sleep(0.2)
        raise AssertionError(f"routing still running after {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def start_cloud(home: Path, *, demo: bool = False, env: dict[str, str] | None = None) -> RunningCloud:
    dist = PROJECT_ROOT / "web" / "dist" / "index.html"
    if not dist.exists():
        pytest.fail("web/dist is missing: build the agent app first (make web)")
    port, smtp_port, moto_port, fake_port = _free_port(), _free_port(), _free_port(), _free_port()
    environment = {
        **os.environ,
        "SPORTELLO_HOME": str(home),
        "PORT": str(port),
        "SMTP_PORT": str(smtp_port),
        "MOTO_PORT": str(moto_port),
        "FAKE_PROVIDERS_PORT": str(fake_port),
        "SPORTELLO_DEMO": "1" if demo else "0",
        **(env or {}),
    }
    for leaked in (
        "AWS_ENDPOINT_URL",
        names.ENV_TABLE_NAME,
        names.ENV_DATA_BUCKET,
        names.ENV_MAIL_DOMAIN,
        names.ENV_SUPPORT_ADDRESS,
        names.ENV_DESK_NAME,
    ):
        environment.pop(leaked, None)
    log = (home / "cloud.log").open("ab") if home.exists() else None
    if log is None:
        home.mkdir(parents=True)
        log = (home / "cloud.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    cloud = RunningCloud(
        f"http://127.0.0.1:{port}", smtp_port, home, process, environment, f"http://127.0.0.1:{fake_port}"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local cloud exited: {(home / 'cloud.log').read_text()[-3000:]}")
        try:
            if cloud.get("/local/health")["status"] == "ok":
                return cloud
        except OSError:
            time.sleep(0.2)
    cloud.stop()
    raise RuntimeError("the local cloud did not become healthy in 60 s")


@pytest.fixture(scope="module")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCloud]:
    cloud = start_cloud(tmp_path_factory.mktemp("sportello-home"))
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
