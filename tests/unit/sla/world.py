"""A desk on the fakes with SLA policies, the clocks' subscriber and the sweep under test."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sportello.agents import Agent
from sportello.customers.model import Identity, IdentityKind
from sportello.sla.model import SlaRecord, TargetKind
from sportello.sla.policies import parse_policies
from sportello.sla.service import SlaService, SweepReport
from sportello.sla.subscribers import SlaClocks
from sportello.tickets.model import Channel, Status
from sportello.tickets.service import TicketChanges
from tests.fakes import InMemorySlaBook, InMemorySlaSettings, RecordingNotifier
from tests.unit.intake.builders import AGENT, Desk

# Business minutes, on the default calendar (Europe/Rome, 9-13 and 14-18, Monday to Friday).
FAST = {
    "first_reply": {"minutes": 60},
    "next_reply": {"minutes": 30},
    "resolution": {"minutes": 240},
}


def policy(**overrides: Any) -> dict[str, Any]:
    return {"id": "standard", "name": "Standard", "targets": {"normal": FAST, "urgent": FAST}} | overrides


class World:
    def __init__(self, *policies: dict[str, Any]) -> None:
        self.desk = Desk()
        self.settings = InMemorySlaSettings(parse_policies({"policies": list(policies) or [policy()]}))
        self.book = InMemorySlaBook()
        self.notifier = RecordingNotifier()
        self.sla = self.service()
        self.clocks = SlaClocks(self.sla)
        self._seen: set[str] = set()
        self._mails = 0

    def service(self) -> SlaService:
        return SlaService(
            self.desk.service, self.desk.customers, self.settings, self.book, self.notifier, "Desk",
            clock=self.desk.clock,
        )  # fmt: skip

    @property
    def now(self) -> datetime:
        return self.desk.clock()

    def at(self, moment: datetime) -> None:
        self.desk.clock.now = moment

    def stream(self) -> None:
        """What the table's stream does: each new event to the subscriber, once."""
        for number in sorted(self.desk.repo.tickets):
            for event in self.desk.repo.history(number).events:
                if event.id not in self._seen and event.kind in self.clocks.kinds:
                    self._seen.add(event.id)
                    self.clocks.handle(event)

    def customer_writes(
        self, text: str = "Il pacco non è arrivato", ticket: int | None = None, who: str = "mario@example.org"
    ) -> int:
        """A mail: a new ticket, or a reply on `ticket` (as its References would thread it)."""
        self._mails += 1
        identity = Identity(IdentityKind.EMAIL, who)
        thread = {} if ticket is None else {"thread_ticket": ticket}
        receipt = self.desk.receive(
            Channel.EMAIL, identity, text, f"mail-{self._mails}@example.org", **thread
        )
        self.stream()
        assert receipt.ticket is not None
        return receipt.ticket.number

    def agent_replies(self, number: int, public: bool = True, agent: Agent = AGENT) -> None:
        self.desk.service.reply(number, agent, "Ci pensiamo noi.", public)
        self.stream()

    def set(self, number: int, **changes: Any) -> None:
        ticket = self.desk.service.get(number)
        self.desk.service.update(number, AGENT, TicketChanges(**changes), ticket.version)
        self.stream()

    def status(self, number: int, status: Status) -> None:
        self.set(number, status=status)

    def sweep(self) -> SweepReport:
        report = self.sla.sweep(self.now)
        self.stream()
        return report

    def record(self, number: int) -> SlaRecord:
        return self.book.get(number)

    def clock(self, number: int, target: TargetKind) -> Any:
        return next(clock for clock in self.record(number).clocks if clock.target is target)

    def alerts(self) -> list[tuple[str, str, str]]:
        """(ticket, target, severity) of every message published."""
        return [
            (a["ticket"], a["target"], a["severity"]) for _, _, a in self.notifier.sent if a["kind"] == "sla"
        ]
