"""Demo data for `make dev`: a few customers writing in, through the same path as real mail."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from sportello.agents import Agent
from sportello.app import sportello
from sportello.tickets.model import Priority
from sportello.tickets.service import TicketChanges

from .auth import SEEDED_AGENTS
from .mailroom import Mailroom

DEMO_MAILS = (
    (
        "Giulia Bianchi <giulia.bianchi@example.it>",
        "Fattura di ottobre non ricevuta",
        "Buongiorno,\n\nnon ho ancora ricevuto la fattura di ottobre. Potete inviarmela di nuovo?\n\n"
        "Grazie mille,\nGiulia",
    ),
    (
        "Tom Baker <tom@example.co.uk>",
        "Cannot reset my password",
        "Hello,\n\nthe password reset link says it has expired, every time I try. What should I do?\n\nTom",
    ),
    (
        "Marco Verdi <marco@example.it>",
        "Ordine 4411 arrivato danneggiato",
        "Salve, il pacco dell'ordine 4411 è arrivato con la scatola rotta e il prodotto graffiato. "
        "Vorrei sapere come fare il reso.\n\nMarco Verdi",
    ),
    (
        "Sarah Connor <sarah@example.com>",
        "Question about the annual plan",
        "Hi there,\n\ncan I switch from the monthly to the annual plan mid-cycle, and is the difference "
        "refunded?\n\nThanks,\nSarah",
    ),
)


def _mail(sender: str, subject: str, body: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "support@sportello.local"
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="demo.example")
    mail.set_content(body)
    return bytes(mail)


def load_demo_data(mailroom: Mailroom) -> None:
    for sender, subject, body in DEMO_MAILS:
        mailroom.receive(_mail(sender, subject, body), sender, ["support@sportello.local"])
    seeded = SEEDED_AGENTS[1]
    agent = Agent(seeded.subject, seeded.email, seeded.name, seeded.groups)
    tickets = sportello().tickets
    tickets.reply(2, agent, "Hi Tom, I've sent you a fresh link that is valid for 24 hours.", public=True)
    version = tickets.history(3).ticket.version
    tickets.update(
        3, agent, TicketChanges(priority=Priority.HIGH, assignee=agent.id, group="support"), version
    )
