"""Routing as `make dev` shows it: the demo's urgent Italian mail and its VIP's WhatsApp message are
classified, acknowledged and assigned to the agent with the right language, with the reasons shown."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from infra.local.auth import SEEDED_AGENTS
from infra.local.demo import DEMO_MAILS

from .conftest import RunningCloud, screenshot, start_cloud

pytestmark = pytest.mark.e2e

ITALIAN_SPEAKER = SEEDED_AGENTS[1]  # Andrea: Italian and English; Ada: English only
URGENT_MAIL = 3  # "Gestionale bloccato, urgente"
VIP_WHATSAPP = len(DEMO_MAILS) + 1


@pytest.fixture(scope="module")
def demo_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCloud]:
    cloud = start_cloud(tmp_path_factory.mktemp("sportello-demo"), demo=True)
    yield cloud
    cloud.stop()


def routed(cloud: RunningCloud, timeout: float = 60) -> list[dict[str, Any]]:
    """The demo's executions, once every one of them finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        executions = list(cloud.get("/local/executions")["executions"])
        if len(executions) == VIP_WHATSAPP and all(e["status"] != "RUNNING" for e in executions):
            return executions
        time.sleep(0.25)
    raise AssertionError(f"routing did not finish in {timeout} s: {cloud.get('/local/executions')}")


def test_the_demo_is_routed_by_language_priority_and_vip_with_the_reasons(
    demo_cloud: RunningCloud, page: Any
) -> None:
    # Given make dev's demo desk, once its requests went through the routing workflow
    assert {e["status"] for e in routed(demo_cloud)} == {"SUCCEEDED"}
    token = demo_cloud.token(ITALIAN_SPEAKER.email)
    urgent = demo_cloud.get(f"/api/tickets/{URGENT_MAIL}", token)["ticket"]
    vip = demo_cloud.get(f"/api/tickets/{VIP_WHATSAPP}", token)["ticket"]

    # Then the urgent Italian mail and the VIP's WhatsApp message are urgent and with Andrea
    assert (urgent["channel"], urgent["priority"], urgent["assignee"]) == (
        "email",
        "urgent",
        ITALIAN_SPEAKER.subject,
    )
    assert (vip["channel"], vip["priority"], vip["assignee"]) == (
        "whatsapp",
        "urgent",
        ITALIAN_SPEAKER.subject,
    )
    assert "vip" in vip["tags"]
    # and Andrea was told, through the desk's notification topic
    notified = [
        n
        for n in demo_cloud.get("/local/notifications")["notifications"]
        if n["attributes"]["kind"] == "assigned"
    ]
    assert {n["attributes"]["ticket"] for n in notified} >= {str(URGENT_MAIL), str(VIP_WHATSAPP)}

    # When Andrea opens the VIP's ticket in the app
    page.goto(demo_cloud.base_url)
    page.get_by_test_id("login-email").fill(ITALIAN_SPEAKER.email)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-mine").click()
    page.locator(f'[data-testid="ticket-row"][data-number="{VIP_WHATSAPP}"]').click()

    # Then the page says why: the assignment's reason, and each decision in the history
    expect(page.get_by_test_id("assignment-reason")).to_contain_text("skills match in Support")
    page.get_by_test_id("history").locator("summary").click()
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("matched 'fermo'")
    expect(history).to_contain_text("VIP customer")
    expect(history).to_contain_text("Acknowledge new requests")
    screenshot(page, "routing-ticket")
