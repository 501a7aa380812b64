"""One contract for each repository port, run against the in-memory fake and the DynamoDB store (moto).

The unit tests trust the fakes; this suite is why they may: both implementations keep the same promises.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sportello import correlation
from sportello.customers.model import Customer, CustomerCard, Identity, IdentityKind, IdentityOwner
from sportello.customers.ports import IdentityTakenError
from sportello.errors import ConflictError, NotFoundError
from sportello.quarantine import QuarantineRecord
from sportello.store.customers import DynamoCustomerRepository
from sportello.store.quarantine import DynamoQuarantine
from sportello.store.tickets import DynamoTicketRepository
from sportello.tickets.events import Event, MessageAdded, StatusChanged, TicketCreated
from sportello.tickets.model import AuthorType, Channel, Message, Priority, Requester, Status, Ticket
from sportello.tickets.ports import DuplicateMessageError, Lookup, TicketQuery
from tests.fakes import InMemoryCustomerRepository, InMemoryQuarantine, InMemoryTicketRepository

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IMPLEMENTATIONS = ("memory", "dynamodb")


@pytest.fixture(params=IMPLEMENTATIONS)
def implementation(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "dynamodb":
        request.getfixturevalue("cloud")  # moto, with the real table definition
    yield request.param


@pytest.fixture
def customers(implementation: str) -> Any:
    return InMemoryCustomerRepository() if implementation == "memory" else DynamoCustomerRepository()


@pytest.fixture
def tickets(implementation: str, customers: Any) -> Any:
    # One table in DynamoDB: the fake of the tickets writes (and looks up) customers in the customers'.
    return InMemoryTicketRepository(customers) if implementation == "memory" else DynamoTicketRepository()


@pytest.fixture
def quarantine(implementation: str) -> Any:
    return InMemoryQuarantine() if implementation == "memory" else DynamoQuarantine()


def a_ticket(number: int, *, at: datetime = T0, customer: str = "c1", **changes: Any) -> Ticket:
    ticket = Ticket(
        number=number,
        subject=f"Ticket {number}",
        status=Status.NEW,
        priority=Priority.NORMAL,
        channel=Channel.EMAIL,
        requester=Requester(customer, "Maria", "maria@example.org"),
        language="it",
        created_at=at,
        updated_at=at,
    )
    return replace(ticket, **changes)


def a_message(number: int, text: str = "Ciao", *, at: datetime = T0, message_id: str = "m1") -> Message:
    return Message(
        id=message_id,
        ticket_number=number,
        author_type=AuthorType.CUSTOMER,
        author_id="c1",
        author_name="Maria",
        public=True,
        channel=Channel.EMAIL,
        text=text,
        full_text=text,
        created_at=at,
    )


# --- tickets -------------------------------------------------------------------------------------------


def test_ticket_numbers_are_never_handed_out_twice(tickets: Any) -> None:
    numbers = [tickets.next_number() for _ in range(3)]
    assert len(set(numbers)) == 3
    assert numbers == sorted(numbers)


def test_a_written_ticket_reads_back_with_a_version(tickets: Any) -> None:
    saved = tickets.write(
        a_ticket(1), [a_message(1)], [Event.new(1, "c1", T0, TicketCreated("email"))], new=True
    )
    assert saved.version == 1
    history = tickets.history(1)
    assert history.ticket == saved
    assert [m.text for m in history.messages] == ["Ciao"]
    assert [e.payload for e in history.events] == [TicketCreated("email")]


def test_many_tickets_are_read_together_in_the_order_asked(tickets: Any) -> None:
    for number in (1, 2, 3):
        tickets.write(a_ticket(number), new=True)
    assert [t.number for t in tickets.many([3, 9, 1, 3])] == [3, 1]
    assert tickets.many([]) == []


def test_a_new_ticket_must_not_exist_yet(tickets: Any) -> None:
    tickets.write(a_ticket(1), new=True)
    with pytest.raises(ConflictError):
        tickets.write(a_ticket(1, subject="Another"), new=True)
    assert tickets.get(1).subject == "Ticket 1"


def test_a_stale_version_is_a_conflict_and_changes_nothing(tickets: Any) -> None:
    first = tickets.write(a_ticket(1), new=True)
    tickets.write(replace(first, status=Status.OPEN))
    with pytest.raises(ConflictError):
        tickets.write(replace(first, status=Status.SOLVED), [a_message(1, "lost")])
    assert tickets.get(1).status is Status.OPEN
    assert tickets.history(1).messages == []


def test_an_external_id_claimed_before_aborts_the_whole_write(tickets: Any) -> None:
    tickets.write(a_ticket(1), [a_message(1)], inbound_refs=["<a@example.org>"], new=True)
    with pytest.raises(DuplicateMessageError):
        tickets.write(a_ticket(2), [a_message(2)], inbound_refs=["<a@example.org>"], new=True)
    with pytest.raises(NotFoundError):
        tickets.get(2)


def test_an_inbound_ref_points_at_its_ticket_and_first_message(tickets: Any) -> None:
    message = a_message(1)
    tickets.write(a_ticket(1), [message], inbound_refs=["telegram:42"], new=True)
    found = tickets.message_ref("telegram:42")
    assert (found.ticket_number, found.direction) == (1, "inbound")
    assert tickets.message(1, found.message_key) == message
    assert tickets.ticket_for_ref("telegram:42") == 1
    assert tickets.ticket_for_ref("telegram:43") is None


def test_a_ref_is_claimed_once(tickets: Any) -> None:
    assert tickets.claim_ref("<ours@desk>", 1, "outbound") is True
    assert tickets.claim_ref("<ours@desk>", 2, "outbound") is False
    assert tickets.ticket_for_ref("<ours@desk>") == 1


def test_refs_are_looked_up_together_and_only_known_ones_come_back(tickets: Any) -> None:
    message = a_message(1)
    tickets.write(a_ticket(1), [message], inbound_refs=["<in@example.org>"], new=True)
    tickets.claim_ref("<ours@desk>", 1, "outbound")
    found = tickets.message_refs(["<unknown@x>", "<ours@desk>", "<in@example.org>", "<ours@desk>"])
    assert {ref: (f.ticket_number, f.direction) for ref, f in found.items()} == {
        "<ours@desk>": (1, "outbound"),
        "<in@example.org>": (1, "inbound"),
    }
    assert tickets.message(1, found["<in@example.org>"].message_key) == message
    assert tickets.message_refs([]) == {}


def test_a_batch_of_refs_larger_than_one_dynamodb_page_is_read_whole(tickets: Any) -> None:
    refs = [f"<r{n}@example.org>" for n in range(130)]
    for ref in refs[::10]:
        tickets.claim_ref(ref, 7, "outbound")
    assert set(tickets.message_refs(refs)) == set(refs[::10])


def test_updating_a_message_keeps_its_events_with_it(tickets: Any) -> None:
    message = a_message(1)
    tickets.write(a_ticket(1), [message], new=True)
    key = tickets.message_key(message)
    event = Event.new(1, "system", T0, StatusChanged("new", "open"))
    tickets.update_message(1, key, {"delivery_status": "read"}, [event])
    assert tickets.message(1, key).delivery_status == "read"
    assert [e.payload for e in tickets.history(1).events] == [StatusChanged("new", "open")]
    with pytest.raises(NotFoundError):
        tickets.update_message(1, "MSG#missing", {"text": "x"})


def test_an_event_keeps_the_correlation_id_it_was_created_with(tickets: Any) -> None:
    with correlation.bound("ses-0102019b"):
        created = Event.new(1, "c1", T0, TicketCreated("email"))
    later = Event.new(1, "system", T0 + timedelta(seconds=1), StatusChanged("new", "open"))
    tickets.write(a_ticket(1), [a_message(1)], [created, later], new=True)
    stored = {event.id: event.correlation_id for event in tickets.history(1).events}
    assert stored == {created.id: "ses-0102019b", later.id: None}


ABSURD_MESSAGE_ID = "<" + "x" * 3_000 + "@example.org>"  # over DynamoDB's 2,048-byte key limit


def test_an_external_id_longer_than_a_key_allows_is_claimed_once_and_found_again(tickets: Any) -> None:
    tickets.write(a_ticket(1), [a_message(1)], inbound_refs=[ABSURD_MESSAGE_ID], new=True)
    assert tickets.ticket_for_ref(ABSURD_MESSAGE_ID) == 1
    assert tickets.ticket_for_ref(ABSURD_MESSAGE_ID[:-2] + "y>") is None
    assert tickets.claim_ref(ABSURD_MESSAGE_ID, 2, "outbound") is False
    with pytest.raises(DuplicateMessageError):
        tickets.write(a_ticket(2), [a_message(2)], inbound_refs=[ABSURD_MESSAGE_ID], new=True)


def test_a_message_keeps_which_bodies_are_stored_aside_and_how_many_attachments_were_omitted(
    tickets: Any,
) -> None:
    message = replace(
        a_message(1, "preview", message_id="m-large"),
        external_id=ABSURD_MESSAGE_ID,
        stored_bodies=("text", "full_text", "html"),
        omitted_attachments=4_950,
    )
    tickets.write(a_ticket(1), [message], new=True)
    assert tickets.history(1).messages == [message]


def test_updating_a_message_can_change_which_bodies_are_kept_aside(tickets: Any) -> None:
    message = replace(a_message(1, "preview"), stored_bodies=("text", "full_text", "html"))
    tickets.write(a_ticket(1), [message], new=True)
    key = tickets.message_key(message)
    tickets.update_message(1, key, {"text": "edited", "full_text": "edited", "stored_bodies": ("html",)})
    assert tickets.message(1, key) == replace(
        message, text="edited", full_text="edited", stored_bodies=("html",)
    )


def test_history_is_oldest_first(tickets: Any) -> None:
    later, earlier = (
        a_message(1, "second", at=T0 + timedelta(minutes=1), message_id="b"),
        a_message(1, "first"),
    )
    tickets.write(a_ticket(1), [later, earlier], new=True)
    events = [
        Event.new(1, "c1", T0 + timedelta(seconds=5), MessageAdded("customer")),
        Event.new(1, "c1", T0, TicketCreated("email")),
    ]
    tickets.add_events(events)
    history = tickets.history(1)
    assert [m.text for m in history.messages] == ["first", "second"]
    assert [e.kind.value for e in history.events] == ["ticket_created", "message_added"]


def test_views_list_active_tickets_newest_first_and_page(tickets: Any) -> None:
    for number in (1, 2, 3):
        tickets.write(a_ticket(number, at=T0 + timedelta(minutes=number)), new=True)
    solved = tickets.write(a_ticket(4, status=Status.SOLVED, at=T0 + timedelta(minutes=9)), new=True)
    first = tickets.find(TicketQuery(limit=2))
    assert [t.number for t in first.items] == [3, 2]
    rest = tickets.find(TicketQuery(limit=2, cursor=first.next_cursor))
    assert [t.number for t in rest.items] == [1]
    assert [t.number for t in tickets.find(TicketQuery(status=Status.SOLVED)).items] == [solved.number]


def test_views_by_assignee_group_and_status(tickets: Any) -> None:
    tickets.write(a_ticket(1, assignee="ada", group="billing"), new=True)
    tickets.write(a_ticket(2, group="billing", status=Status.OPEN, at=T0 + timedelta(minutes=1)), new=True)
    tickets.write(a_ticket(3, at=T0 + timedelta(minutes=2)), new=True)
    assert [t.number for t in tickets.find(TicketQuery(view="mine", agent_id="ada")).items] == [1]
    assert [t.number for t in tickets.find(TicketQuery(view="unassigned")).items] == [3, 2]
    assert [t.number for t in tickets.find(TicketQuery(group="billing")).items] == [2, 1]
    assert [t.number for t in tickets.find(TicketQuery(group="billing", status=Status.OPEN)).items] == [2]


def test_a_groups_unassigned_queue_oldest_first_paged_to_the_end(tickets: Any) -> None:
    for number in (1, 2, 3, 4, 5):
        group = "billing" if number != 3 else "shipping"
        tickets.write(a_ticket(number, group=group, at=T0 + timedelta(minutes=10 - number)), new=True)
    tickets.write(a_ticket(6, group="billing", assignee="ada"), new=True)
    tickets.write(a_ticket(7, group="billing", status=Status.SOLVED), new=True)
    found: list[int] = []
    cursor = None
    while True:  # a filtered page may come back short (DynamoDB limits what it reads): read to the end
        page = tickets.find(
            TicketQuery(view="unassigned", group="billing", oldest_first=True, limit=2, cursor=cursor)
        )
        found += [t.number for t in page.items]
        if not (cursor := page.next_cursor):
            break
    assert found == [5, 4, 2, 1]


def test_a_customers_tickets_newest_first(tickets: Any) -> None:
    for number in (1, 2, 3):
        tickets.write(a_ticket(number, at=T0 + timedelta(days=number)), new=True)
    tickets.write(a_ticket(4, customer="someone-else"), new=True)
    assert [t.number for t in tickets.of_customer("c1")] == [3, 2, 1]
    assert [t.number for t in tickets.of_customer("c1", limit=2)] == [3, 2]
    assert [t.number for t in tickets.of_customer("c1", limit=None)] == [3, 2, 1]


def test_activity_only_moves_forward_and_makes_no_new_version(tickets: Any) -> None:
    saved = tickets.write(a_ticket(1), new=True)
    tickets.record_activity(1, T0 + timedelta(minutes=5))
    tickets.record_activity(1, T0 + timedelta(minutes=1))
    tickets.record_activity(404, T0)  # no ticket, nothing to record: no stray item either
    current = tickets.get(1)
    assert (current.last_activity_at, current.version) == (T0 + timedelta(minutes=5), saved.version)
    with pytest.raises(NotFoundError):
        tickets.get(404)


def test_tickets_waiting_in_a_status_since_before_a_moment_oldest_first_and_paged(tickets: Any) -> None:
    # Given pending tickets updated hour after hour, and others of other statuses
    for number in (1, 2, 3, 4):
        tickets.write(a_ticket(number, status=Status.PENDING, at=T0 + timedelta(hours=number)), new=True)
    tickets.write(a_ticket(5, status=Status.SOLVED, at=T0), new=True)
    tickets.write(a_ticket(6, status=Status.OPEN, at=T0), new=True)
    # When asking for those last updated at or before hour 3 (the moment itself included)
    first = tickets.updated_before(Status.PENDING, T0 + timedelta(hours=3), limit=2)
    # Then the oldest come first, a page at a time, and nothing newer nor of another status
    assert [t.number for t in first.items] == [1, 2]
    assert first.next_cursor is not None
    rest = tickets.updated_before(Status.PENDING, T0 + timedelta(hours=3), limit=2, cursor=first.next_cursor)
    assert [t.number for t in rest.items] == [3]
    assert tickets.updated_before(Status.PENDING, T0, limit=10).items == []
    solved = tickets.updated_before(Status.SOLVED, T0 + timedelta(days=1), limit=10)
    assert [t.number for t in solved.items] == [5]
    assert solved.items[0] == tickets.get(5)


def test_tickets_that_leave_the_wait_between_pages_make_none_of_the_next_page_skipped(tickets: Any) -> None:
    for number in (1, 2, 3, 4):
        tickets.write(a_ticket(number, status=Status.PENDING, at=T0 + timedelta(hours=number)), new=True)
    first = tickets.updated_before(Status.PENDING, T0 + timedelta(days=1), limit=2)
    for ticket in first.items:  # what a sweep does: acting moves them out of the status
        tickets.write(replace(ticket, status=Status.SOLVED, updated_at=T0 + timedelta(days=2)))
    rest = tickets.updated_before(Status.PENDING, T0 + timedelta(days=1), limit=2, cursor=first.next_cursor)
    assert [t.number for t in rest.items] == [3, 4]


def test_a_ticket_updated_again_leaves_the_wait_it_was_in(tickets: Any) -> None:
    saved = tickets.write(a_ticket(1, status=Status.PENDING), new=True)
    tickets.write(replace(saved, updated_at=T0 + timedelta(hours=5)))
    assert tickets.updated_before(Status.PENDING, T0 + timedelta(hours=4), limit=10).items == []
    waited = tickets.updated_before(Status.PENDING, T0 + timedelta(hours=5), limit=10)
    assert [t.number for t in waited.items] == [1]


def test_a_lookup_reads_the_known_refs_and_the_identitys_owner_together(tickets: Any, customers: Any) -> None:
    maria = Identity.email("maria@example.org")
    customers.create(a_customer("c1", maria))
    tickets.write(a_ticket(1), [a_message(1)], inbound_refs=["<in@example.org>"], new=True)
    tickets.claim_ref("<ours@desk>", 1, "outbound")

    found = tickets.lookup(["<unknown@x>", "<ours@desk>", "<in@example.org>", "<ours@desk>"], maria)

    assert {ref: (f.ticket_number, f.direction) for ref, f in found.refs.items()} == {
        "<ours@desk>": (1, "outbound"),
        "<in@example.org>": (1, "inbound"),
    }
    assert found.owner == IdentityOwner("c1", CustomerCard("c1", "Maria", None, "maria@example.org"))
    assert tickets.lookup(["<unknown@x>"], Identity.email("nobody@example.org")) == Lookup({}, None)
    assert tickets.lookup([], None) == Lookup({}, None)
    assert tickets.lookup([ABSURD_MESSAGE_ID], Identity.email("a" * 3_000 + "@example.org")).owner is None


def test_a_new_customer_is_written_with_the_ticket_all_or_nothing(tickets: Any, customers: Any) -> None:
    maria = Identity.email("maria@example.org")
    customer = replace(a_customer("c1", maria), language="it")

    tickets.write(a_ticket(1), [a_message(1)], inbound_refs=["<a@x>"], new=True, new_customer=customer)

    assert customers.customer_id_for(maria) == "c1"
    assert (customers.get("c1").name, customers.get("c1").identities) == ("Maria", [maria])
    assert customers.owner(maria) == IdentityOwner("c1", CustomerCard("c1", "Maria", "it", maria.value))
    # Someone created that customer first: the write is refused as a whole, and says why
    with pytest.raises(IdentityTakenError):
        tickets.write(
            a_ticket(2),
            [a_message(2)],
            inbound_refs=["<b@x>"],
            new=True,
            new_customer=a_customer("c2", maria),
        )
    with pytest.raises(NotFoundError):
        tickets.get(2)
    with pytest.raises(NotFoundError):
        customers.get("c2")
    assert tickets.ticket_for_ref("<b@x>") is None
    # A redelivery that also meets the taken identity is a duplicate, first of all
    with pytest.raises(DuplicateMessageError):
        tickets.write(
            a_ticket(2),
            [a_message(2)],
            inbound_refs=["<a@x>"],
            new=True,
            new_customer=a_customer("c3", maria),
        )


def test_a_new_customer_may_come_with_a_change_to_an_existing_ticket(tickets: Any, customers: Any) -> None:
    saved = tickets.write(a_ticket(1), new=True)
    luca = Identity.email("luca@example.org")

    tickets.write(replace(saved, status=Status.OPEN), [a_message(1)], new_customer=a_customer("c9", luca))

    assert customers.customer_id_for(luca) == "c9"
    with pytest.raises(ConflictError):  # a stale version still refuses the whole write
        tickets.write(saved, new_customer=a_customer("c10", Identity.email("new@example.org")))
    assert customers.customer_id_for(Identity.email("new@example.org")) is None


# --- customers -----------------------------------------------------------------------------------------


def a_customer(customer_id: str, *identities: Identity) -> Customer:
    return Customer(id=customer_id, name="Maria", created_at=T0, identities=list(identities))


def test_a_customer_is_found_by_each_identity(customers: Any) -> None:
    email, phone = Identity.email("maria@example.org"), Identity.of(IdentityKind.PHONE, "+39 333 123 4567")
    customers.create(a_customer("c1", email, phone))
    assert customers.customer_id_for(email) == customers.customer_id_for(phone) == "c1"
    assert set(customers.get("c1").identities) == {email, phone}
    with pytest.raises(NotFoundError):
        customers.get("nobody")


def test_an_identity_longer_than_a_key_allows_still_finds_its_customer(customers: Any) -> None:
    address = Identity.email("a" * 3_000 + "@example.org")
    customers.create(a_customer("c1", address))
    assert customers.customer_id_for(address) == "c1"


def test_an_identity_belongs_to_one_customer(customers: Any) -> None:
    email = Identity.email("maria@example.org")
    customers.create(a_customer("c1", email))
    with pytest.raises(IdentityTakenError):
        customers.create(a_customer("c2", email))
    with pytest.raises(NotFoundError):
        customers.get("c2")
    assert customers.add_identity("c2", email) is False
    assert customers.add_identity("c1", Identity.email("m.rossi@example.org")) is True


def test_moving_identities_and_marking_a_merge(customers: Any) -> None:
    email = Identity.email("maria@example.org")
    customers.create(a_customer("c1", email))
    customers.create(a_customer("c2", Identity.email("other@example.org")))
    customers.move_identity(email, "c1", "c2")
    customers.mark_merged("c1", "c2")
    assert customers.customer_id_for(email) == "c2"
    assert customers.get("c1").merged_into == "c2"


def test_an_identity_keeps_its_owners_card_once_described(customers: Any) -> None:
    email, phone = Identity.email("maria@example.org"), Identity.of(IdentityKind.PHONE, "+39 333 123 4567")
    customers.create(a_customer("c1", email))
    assert customers.owner(email) == IdentityOwner("c1", CustomerCard("c1", "Maria", None, email.value))
    assert customers.owner(Identity.email("nobody@example.org")) is None

    # An identity added later has no card (as those stored before cards were kept) until described
    customers.add_identity("c1", phone)
    assert customers.owner(phone) == IdentityOwner("c1")
    customers.describe_identities(customers.get("c1"))
    assert customers.owner(phone) == IdentityOwner("c1", CustomerCard("c1", "Maria", None, email.value))

    # A merge moves an identity to the target, whose card it then keeps
    customers.create(replace(a_customer("c2", Identity.email("other@example.org")), name="Maria Rossi"))
    customers.move_identity(phone, "c1", "c2")
    customers.describe_identities(customers.get("c2"))
    assert customers.owner(phone) == IdentityOwner(
        "c2", CustomerCard("c2", "Maria Rossi", None, "other@example.org")
    )
    customers.describe_identities(customers.get("c1"))  # no longer c1's: left as the target wrote it
    assert customers.owner(phone).customer_id == "c2"


# --- quarantine ----------------------------------------------------------------------------------------


def a_record(record_id: str, minutes: int) -> QuarantineRecord:
    return QuarantineRecord(
        record_id, T0 + timedelta(minutes=minutes), "unreadable", f"inbound/{record_id}", "email"
    )


def test_quarantine_keeps_one_record_per_input_newest_first(quarantine: Any) -> None:
    for minutes, record_id in enumerate(("a", "b", "c")):
        quarantine.add(a_record(record_id, minutes))
    quarantine.add(replace(a_record("a", 0), reason="again"))
    first = quarantine.recent(limit=2)
    assert [r.id for r in first.items] == ["c", "b"]
    rest = quarantine.recent(first.next_cursor, limit=2)
    assert [(r.id, r.reason) for r in rest.items] == [("a", "unreadable")]
