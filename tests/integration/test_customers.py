"""One customer, one history: linking identities and merging customers through the agent API."""

from __future__ import annotations

from .api import call
from .mail import compose, deliver


def _requester_of(number: int) -> str:
    return str(call("GET", f"/api/tickets/{number}").body["ticket"]["requester"]["id"])


def test_linking_a_phone_number_to_a_customer(cloud):
    deliver(cloud, compose(sender="mario@example.org"))
    customer = _requester_of(1)

    linked = call(
        "POST", f"/api/customers/{customer}/identities", {"kind": "phone", "value": "+39 333 123 4567"}
    )

    assert linked.status == 201
    assert {"kind": "phone", "value": "+393331234567"} in linked.body["identities"]


def test_an_identity_owned_by_someone_else_is_a_conflict(cloud):
    deliver(cloud, compose(sender="mario@example.org"))
    deliver(cloud, compose(sender="luigi@example.org"))

    response = call(
        "POST",
        f"/api/customers/{_requester_of(1)}/identities",
        {"kind": "email", "value": "Luigi@Example.org"},
    )

    assert response.status == 409
    assert _requester_of(2) in response.body["message"]


def test_invalid_phone_number_is_a_clear_error(cloud):
    deliver(cloud, compose())

    response = call(
        "POST", f"/api/customers/{_requester_of(1)}/identities", {"kind": "phone", "value": "call me"}
    )

    assert response.status == 422


def test_merging_moves_tickets_and_identities(cloud):
    deliver(cloud, compose(sender="mario@example.org", subject="First"))
    deliver(cloud, compose(sender="mario.rossi@work.example", subject="Second"))
    target, source = _requester_of(1), _requester_of(2)

    merged = call("POST", f"/api/customers/{target}/merge", {"source": source})

    assert merged.status == 200
    assert sorted(t["number"] for t in merged.body["tickets"]) == [1, 2]
    assert {i["value"] for i in merged.body["identities"]} == {
        "mario@example.org",
        "mario.rossi@work.example",
    }
    assert _requester_of(2) == target
    # A new mail from the merged address lands with the surviving customer.
    deliver(cloud, compose(sender="mario.rossi@work.example", subject="Third"))
    assert _requester_of(3) == target
    assert any(e["kind"] == "requester_merged" for e in call("GET", "/api/tickets/2").body["events"])


def test_merging_into_itself_is_refused(cloud):
    deliver(cloud, compose())
    customer = _requester_of(1)

    response = call("POST", f"/api/customers/{customer}/merge", {"source": customer})

    assert response.status == 422


def test_customer_lookup_by_identity(cloud):
    deliver(cloud, compose(sender="Mario <MARIO@example.org>"))

    found = call("GET", "/api/customers/lookup", query={"kind": "email", "value": "mario@example.org"})
    missing = call("GET", "/api/customers/lookup", query={"kind": "phone", "value": "+39 333 000 0000"})

    assert found.status == 200
    assert found.body["id"] == _requester_of(1)
    assert missing.status == 404
