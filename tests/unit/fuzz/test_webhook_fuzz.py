"""Fuzzing every webhook adapter and the messaging intake with corpus payloads, mutated.

Properties: an adapter answers any body with events or a PayloadError, nothing else; every signed
delivery, however broken, ends as tickets, messages, events or a quarantine record (or a documented
outcome: a duplicate, an ignored status or kind) with its raw body kept; and a redelivery of the same
body adds no message.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello.providers.registry import ProviderRegistry
from sportello.providers.webhook import WebhookRequest
from tests.unit.providers.json_fuzz import events_or_payload_error

from .ledger import MESSAGE_OUTCOMES, WEBHOOK_URL, FuzzedWebhooks, form_body, signed_request
from .payload_strategies import FORM_PROVIDERS, JSON_PROVIDERS, json_body, mutated_form

ALL_PROVIDERS = (*JSON_PROVIDERS, *FORM_PROVIDERS)


def body_for(provider: str) -> st.SearchStrategy[bytes]:
    if provider in FORM_PROVIDERS:
        return mutated_form(provider).map(form_body)
    return json_body(provider)


@pytest.mark.parametrize("provider", ALL_PROVIDERS)
@given(data=st.data())
def test_an_adapter_answers_any_body_with_events_or_a_payload_error(
    provider: str, data: st.DataObject
) -> None:
    body = data.draw(st.one_of(body_for(provider), st.binary(max_size=300)), label="body")
    request = WebhookRequest("POST", WEBHOOK_URL + provider, {}, {}, body)  # parse never reads signatures

    events_or_payload_error(ProviderRegistry.adapter(provider), request)


@pytest.mark.parametrize("provider", ALL_PROVIDERS)
@given(data=st.data())
def test_every_webhook_ends_as_tickets_messages_events_or_a_quarantine_record(
    provider: str, data: st.DataObject
) -> None:
    request = signed_request(provider, data.draw(body_for(provider), label="body"))
    hooks = FuzzedWebhooks(media_available=data.draw(st.booleans(), label="media available"))
    if data.draw(st.booleans(), label="the messages it speaks of are ours"):
        hooks.know_messages(provider, events_or_payload_error(ProviderRegistry.adapter(provider), request))

    hooks.deliver(provider, request)  # checks where each event ended
    again = hooks.deliver(provider, request)

    assert again is None or not MESSAGE_OUTCOMES & set(again.outcomes), again
