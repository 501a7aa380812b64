"""A Telegram customer through the local cloud: webhook in, agent reply in the browser, reply out."""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from .conftest import RunningCloud, screenshot

pytestmark = pytest.mark.e2e


def _telegram_update(text: str) -> bytes:
    update = {
        "update_id": 500,
        "message": {
            "message_id": 77,
            "date": int(time.time()),
            "chat": {"id": 424242, "type": "private", "first_name": "Luca"},
            "from": {"id": 424242, "first_name": "Luca", "last_name": "Neri"},
            "text": text,
        },
    }
    return json.dumps(update).encode()


def _wait(predicate, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_telegram_customer_gets_the_agents_answer_on_telegram(local_cloud: RunningCloud, page) -> None:
    secret = local_cloud.provider_secrets("telegram")["secret_token"]
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}

    assert (
        local_cloud.post_raw("/webhooks/telegram", _telegram_update("Ciao, dove è il mio pacco?"), headers)
        == 200
    )
    assert (
        local_cloud.post_raw(
            "/webhooks/telegram", _telegram_update("forged"), {"Content-Type": "application/json"}
        )
        == 401
    )

    token = local_cloud.token()
    ticket = _wait(
        lambda: next(
            (
                t
                for t in local_cloud.get("/api/tickets?view=unassigned", token=token)["items"]
                if t["channel"] == "telegram"
            ),
            None,
        )
    )

    page.goto(local_cloud.base_url)
    page.get_by_test_id("login-email").fill("agent@sportello.local")
    page.get_by_test_id("login-submit").click()
    page.locator(f'[data-testid="ticket-row"][data-number="{ticket["number"]}"]').click()
    expect(page.get_by_test_id("message")).to_have_count(1)
    page.get_by_test_id("reply-public").click()
    page.get_by_test_id("reply-body").fill("Ciao Luca, il pacco arriva domani.")
    page.get_by_test_id("reply-send").click()
    expect(page.get_by_test_id("message")).to_have_count(2)

    sent = _wait(
        lambda: [
            r for r in local_cloud.provider_requests() if "il pacco arriva domani" in json.dumps(r["payload"])
        ]
    )
    assert sent[0]["provider"] == "telegram"
    assert str(sent[0]["payload"]["chat_id"]) == "424242"
    page.reload()
    expect(page.get_by_test_id("message").last).to_contain_text("sent")
    screenshot(page, "telegram-ticket")
