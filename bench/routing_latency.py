"""Time from a mail accepted by the local cloud's SMTP port to its ticket assigned (routing's latency).

The local cloud runs as `make dev` runs it (its own process, state folder and ports); the desk is set
up through the API as an admin would (a least-open support group, both seeded agents online); each mail
is timed from the SMTP server's 250 to the first API read that shows the ticket's assignee.
"""

from __future__ import annotations

import json
import smtplib
import statistics
import sys
import tempfile
import time
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 60


def _call(base: str, method: str, path: str, token: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def assignment_latency(mails: int) -> dict[str, Any]:
    from infra.local.auth import SEEDED_AGENTS
    from tests.e2e.conftest import start_cloud

    cloud = start_cloud(Path(tempfile.mkdtemp(prefix="sportello-bench-")) / "home")
    try:
        admin = cloud.token(SEEDED_AGENTS[0].email)
        members = [agent.subject for agent in SEEDED_AGENTS]
        group = {"name": "Support", "strategy": "least_open", "members": members, "description": ""}
        _call(cloud.base_url, "PUT", "/api/admin/groups/support", admin, group)
        classification = _call(cloud.base_url, "GET", "/api/admin/classification", admin)
        _call(
            cloud.base_url,
            "PUT",
            "/api/admin/classification",
            admin,
            classification | {"default_group": "support"},
        )
        for agent in SEEDED_AGENTS:
            _call(cloud.base_url, "PUT", "/api/me/status", cloud.token(agent.email), {"status": "online"})
        seconds: list[float] = []
        for index in range(mails):
            subject = f"Latency probe {index} {time.time_ns()}"
            message = EmailMessage()
            message["From"] = f"probe{index}@customer.example"
            message["To"] = "support@sportello.local"
            message["Subject"] = subject
            message.set_content("Where is my order?")
            with smtplib.SMTP("127.0.0.1", cloud.smtp_port, timeout=10) as smtp:
                smtp.send_message(message)
            accepted = time.perf_counter()
            seconds.append(_wait_assigned(cloud.base_url, admin, subject) - accepted)
            print(f"\r    assigned {index + 1}/{mails}", end="", file=sys.stderr)
        print(file=sys.stderr)
    finally:
        cloud.stop()
    ordered = sorted(seconds)
    return {
        "mails": mails,
        "median": statistics.median(ordered),
        "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)],
        "max": ordered[-1],
    }


def _wait_assigned(base: str, token: str, subject: str) -> float:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        page = _call(base, "GET", "/api/tickets?view=all&limit=50", token)
        for ticket in page["items"]:
            if ticket["subject"] == subject and ticket.get("assignee"):
                return time.perf_counter()
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"{subject!r} was not assigned within {TIMEOUT_SECONDS} s")
