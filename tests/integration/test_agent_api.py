"""The agent API through its real handler: views, ticket page, replies, updates, conflicts."""

from __future__ import annotations

import boto3

from sportello.config import settings

from .api import OTHER_AGENT_CLAIMS, call
from .mail import compose, deliver


def _three_tickets(cloud) -> None:
    deliver(cloud, compose(sender="a@example.org", subject="First"))
    deliver(cloud, compose(sender="b@example.org", subject="Second"))
    deliver(cloud, compose(sender="a@example.org", subject="Third"))


def test_unassigned_view_lists_new_tickets_newest_first(cloud):
    _three_tickets(cloud)

    response = call("GET", "/api/tickets", query={"view": "unassigned"})

    assert response.status == 200
    assert [t["number"] for t in response.body["items"]] == [3, 2, 1]
    assert response.body["next_cursor"] is None


def test_cursor_pagination_walks_every_ticket_once(cloud):
    _three_tickets(cloud)

    first = call("GET", "/api/tickets", query={"view": "unassigned", "limit": "2"})
    second = call(
        "GET", "/api/tickets", query={"view": "unassigned", "limit": "2", "cursor": first.body["next_cursor"]}
    )

    seen = [t["number"] for t in first.body["items"] + second.body["items"]]
    assert seen == [3, 2, 1]


def test_bad_cursor_is_a_clear_error(cloud):
    response = call("GET", "/api/tickets", query={"cursor": "not-a-cursor!"})

    assert response.status == 422
    assert response.body["error"] == "invalid"


def test_ticket_page_has_messages_and_the_requesters_other_tickets(cloud):
    _three_tickets(cloud)

    response = call("GET", "/api/tickets/3")

    assert response.status == 200
    assert response.body["ticket"]["subject"] == "Third"
    assert response.body["messages"][0]["author_type"] == "customer"
    assert sorted(t["number"] for t in response.body["requester"]["tickets"]) == [1, 3]
    assert response.body["requester"]["identities"] == [{"kind": "email", "value": "a@example.org"}]


def test_missing_ticket_is_404(cloud):
    response = call("GET", "/api/tickets/99")

    assert response.status == 404
    assert response.body["error"] == "not_found"


def test_public_reply_goes_out_threaded_and_marks_first_reply(cloud):
    customer_mail = compose()
    deliver(cloud, customer_mail)

    response = call(
        "POST", "/api/tickets/1/messages", {"body": "Please try resetting your password.", "public": True}
    )

    assert response.status == 201
    assert response.body["ticket"]["status"] == "open"
    assert response.body["ticket"]["first_reply_at"] is not None
    reply = cloud.sent_mails()[-1]
    assert reply["Subject"] == "Re: [#1] Cannot log in"
    assert reply["In-Reply-To"] == customer_mail["Message-ID"]
    assert customer_mail["Message-ID"] in reply["References"]
    assert "Please try resetting" in reply.get_content()


def test_an_email_reply_is_saved_before_it_is_sent_and_marked_sent_after(cloud):
    deliver(cloud, compose())

    response = call("POST", "/api/tickets/1/messages", {"body": "Try again now.", "public": True})

    assert response.status == 201
    assert response.body["message"]["delivery_status"] == "sent"
    page = call("GET", "/api/tickets/1").body
    [stored] = [m for m in page["messages"] if m["author_type"] == "agent"]
    assert stored["delivery_status"] == "sent"
    assert "delivery_changed" in [e["kind"] for e in page["events"]]


def test_an_email_reply_ses_refuses_stays_on_the_ticket_marked_failed(cloud):
    # Given a ticket, and SES no longer allowed to send from our domain
    deliver(cloud, compose())
    boto3.client("sesv2").delete_email_identity(EmailIdentity=settings().mail_domain)
    sent_before = len(cloud.sent_mails())

    # When an agent replies
    response = call("POST", "/api/tickets/1/messages", {"body": "Try again now.", "public": True})

    # Then nothing left, and the reply is on the ticket, failed, with a delivery_failed event
    assert response.status == 201
    assert len(cloud.sent_mails()) == sent_before
    page = call("GET", "/api/tickets/1").body
    [stored] = [m for m in page["messages"] if m["author_type"] == "agent"]
    assert stored["delivery_status"] == "failed"
    assert "delivery_failed" in [e["kind"] for e in page["events"]]


def test_customer_reply_to_agent_mail_threads_even_without_subject_tag(cloud):
    deliver(cloud, compose())
    call("POST", "/api/tickets/1/messages", {"body": "Try again now.", "public": True})
    agent_mail = cloud.sent_mails()[-1]

    report = deliver(
        cloud, compose(subject="Re: login", body="Works, thanks!", references=agent_mail["Message-ID"])
    )

    assert report["ticket"] == 1
    messages = call("GET", "/api/tickets/1").body["messages"]
    assert [m["author_type"] for m in messages] == ["customer", "agent", "customer"]


def test_internal_note_is_not_sent(cloud):
    deliver(cloud, compose())
    sent_before = len(cloud.sent_mails())

    response = call(
        "POST", "/api/tickets/1/messages", {"body": "Customer is on the old plan.", "public": False}
    )

    assert response.status == 201
    assert response.body["message"]["public"] is False
    assert response.body["ticket"]["status"] == "new"
    assert len(cloud.sent_mails()) == sent_before


def test_update_with_stale_version_is_a_conflict(cloud):
    deliver(cloud, compose())
    version = call("GET", "/api/tickets/1").body["ticket"]["version"]

    first = call("PATCH", "/api/tickets/1", {"version": version, "priority": "high", "assignee": "agent-1"})
    stale = call(
        "PATCH", "/api/tickets/1", {"version": version, "status": "solved"}, claims=OTHER_AGENT_CLAIMS
    )

    assert first.status == 200
    assert first.body["ticket"]["priority"] == "high"
    assert first.body["ticket"]["version"] == version + 1
    assert stale.status == 409
    assert stale.body["error"] == "conflict"
    assert call("GET", "/api/tickets/1").body["ticket"]["status"] == "new"


def test_assigned_ticket_moves_from_unassigned_to_mine(cloud):
    deliver(cloud, compose())
    version = call("GET", "/api/tickets/1").body["ticket"]["version"]

    call("PATCH", "/api/tickets/1", {"version": version, "assignee": "agent-1"})

    assert call("GET", "/api/tickets", query={"view": "unassigned"}).body["items"] == []
    assert [t["number"] for t in call("GET", "/api/tickets", query={"view": "mine"}).body["items"]] == [1]
    assert call("GET", "/api/tickets", query={"view": "mine"}, claims=OTHER_AGENT_CLAIMS).body["items"] == []


def test_status_filter_and_forbidden_transition(cloud):
    deliver(cloud, compose())
    version = call("GET", "/api/tickets/1").body["ticket"]["version"]
    solved = call("PATCH", "/api/tickets/1", {"version": version, "status": "solved"})
    closed = call(
        "PATCH", "/api/tickets/1", {"version": solved.body["ticket"]["version"], "status": "closed"}
    )

    reopen = call("PATCH", "/api/tickets/1", {"version": closed.body["ticket"]["version"], "status": "open"})

    assert reopen.status == 422
    assert "closed" in reopen.body["message"]
    assert [t["number"] for t in call("GET", "/api/tickets", query={"status": "closed"}).body["items"]] == [1]
    assert call("GET", "/api/tickets", query={"status": "new"}).body["items"] == []


def test_audit_trail_records_each_change(cloud):
    deliver(cloud, compose())
    version = call("GET", "/api/tickets/1").body["ticket"]["version"]

    call("PATCH", "/api/tickets/1", {"version": version, "priority": "urgent", "tags": ["VIP", "login"]})

    events = call("GET", "/api/tickets/1").body["events"]
    changes = {e["data"]["field"]: e["data"]["new"] for e in events if e["kind"] == "field_changed"}
    assert changes == {"priority": "urgent", "tags": ["login", "vip"]}
    assert all(e["actor"] == "agent-1" for e in events if e["kind"] == "field_changed")


def test_invalid_body_is_a_clear_422(cloud):
    deliver(cloud, compose())

    response = call("PATCH", "/api/tickets/1", {"version": 1, "priority": "whenever"})

    assert response.status == 422
    assert "priority" in response.body["message"]


def test_customer_and_quarantine_endpoints(cloud):
    deliver(cloud, compose())
    deliver(cloud, b"\x00\x01 not a mail")
    requester_id = call("GET", "/api/tickets/1").body["ticket"]["requester"]["id"]

    customer = call("GET", f"/api/customers/{requester_id}")
    quarantine = call("GET", "/api/quarantine")

    assert customer.body["tickets"][0]["number"] == 1
    assert len(quarantine.body["items"]) == 1
    assert quarantine.body["items"][0]["raw_key"].startswith("inbound/")


def test_request_without_agent_identity_is_forbidden(cloud):
    response = call("GET", "/api/tickets", claims={})

    assert response.status == 403


def test_me_registers_the_agent_for_the_agent_list(cloud):
    me = call("GET", "/api/me")
    agents = call("GET", "/api/agents")

    assert me.body["name"] == "Anna Agent"
    assert [a["id"] for a in agents.body["items"]] == ["agent-1"]
