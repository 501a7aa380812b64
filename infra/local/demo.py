"""Demo data for `make dev`: a desk set up for routing, and customers writing in through the real paths.

Loaded once the local cloud's pollers run, so every demo request goes through the stream and the
routing workflow as a real one would: classified, acknowledged, assigned, with the reasons on the
ticket. Among them, the two the routing issue asks to see: an urgent Italian mail, and a WhatsApp
message from a VIP customer, whose short SLA policy warns, breaches and escalates within two minutes.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from email.message import EmailMessage
from email.utils import make_msgid

import boto3
from webhooks.handler import handler as webhooks_handler

from infra.constants import WEBHOOKS_PATH
from sportello.agents import Agent
from sportello.app import sportello
from sportello.clock import utc_now
from sportello.config import settings
from sportello.customers.model import Identity, IdentityKind
from sportello.providers.meta import SIGNATURE_HEADER, signature_for
from sportello.routing.model import AgentProfile, AgentStatus, GroupSettings, Strategy
from sportello.sla.policies import DEFAULT_POLICIES, parse_policies, policies_to_data

from .auth import SEEDED_AGENTS
from .events import LambdaContext, http_api_event
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
        "Gestionale bloccato, urgente",
        "Salve, da stamattina il gestionale è bloccato e non riusciamo a emettere gli ordini. "
        "Potete aiutarci subito?\n\nMarco Verdi",
    ),
    (
        "Sarah Connor <sarah@example.com>",
        "Question about the annual plan",
        "Hi there,\n\ncan I switch from the monthly to the annual plan mid-cycle, and is the difference "
        "refunded?\n\nThanks,\nSarah",
    ),
)
VIP_PHONE = "+393331234567"
VIP_MESSAGE = "Buongiorno, il cantiere di Via Roma è fermo: la consegna di ieri non è mai arrivata."
SETTLE_SECONDS = 20.0


def _mail(sender: str, subject: str, body: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "support@sportello.local"
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="demo.example")
    mail.set_content(body)
    return bytes(mail)


def configure_routing() -> None:
    """Support assigns by skills (Andrea speaks Italian and English, Ada English), billing by load."""
    app = sportello()
    ada, andrea = SEEDED_AGENTS
    app.routing_settings.save_group(
        GroupSettings("support", "Support", Strategy.SKILLS, (ada.subject, andrea.subject), "First line")
    )
    app.routing_settings.save_group(GroupSettings("billing", "Billing", Strategy.LEAST_OPEN, (ada.subject,)))
    app.routing_settings.save_classification(
        replace(app.routing_settings.classification(), default_group="support")
    )
    profiles = {
        ada.subject: AgentProfile(ada.subject, capacity=10, languages=frozenset({"en"})),
        andrea.subject: AgentProfile(andrea.subject, capacity=10, languages=frozenset({"it", "en"})),
    }
    for profile in profiles.values():
        app.presence.save_profile(profile)
        app.presence.set_status(profile.agent_id, AgentStatus.ONLINE, utc_now())


# A short policy for VIP customers, in calendar time so that it runs whatever the hour of `make dev`:
# Lucia's WhatsApp message gets its warning after 90 seconds, its breach (and escalation) after two minutes.
VIP_EXPRESS = {
    "id": "vip-express",
    "name": "VIP express (demo)",
    "conditions": {"tiers": ["vip"]},
    "targets": {
        priority: {
            "first_reply": {"minutes": 2, "business": False},
            "next_reply": {"minutes": 5, "business": False},
            "resolution": {"minutes": 60, "business": False},
        }
        for priority in ("low", "normal", "high", "urgent")
    },
    "warning_percent": 75,
    "escalation": [
        {"kind": "set_priority", "value": "urgent"},
        {"kind": "add_tags", "value": ["sla-breached"]},
        {
            "kind": "add_note",
            "templates": {
                "it": "SLA superato per {customer.name}: rispondere subito.",
                "en": "SLA breached for {customer.name}: answer now.",
            },
        },
        {
            "kind": "notify",
            "subject": "SLA breached on #{ticket.number}",
            "templates": {"default": "{ticket.subject}"},
        },
    ],
}


def configure_sla() -> None:
    """VIP express first (first match wins), then the standard business-hours targets."""
    policies = parse_policies({"policies": [VIP_EXPRESS, *policies_to_data(DEFAULT_POLICIES)["policies"]]})
    sportello().sla_settings.save_policies(policies)


def vip_customer() -> None:
    """Lucia Ferri, a VIP of Ferri Costruzioni, known by her WhatsApp number."""
    customers = sportello().customers
    lucia = customers.resolve(Identity.of(IdentityKind.PHONE, VIP_PHONE), "Lucia Ferri", "it")
    customers.set_traits(lucia.id, vip=True, organisation="Ferri Costruzioni")


def whatsapp_from_vip() -> None:
    """Her message, signed as Meta signs it, through the webhooks function (then the inbound queue)."""
    secrets = json.loads(settings().provider_secrets_json or "{}").get("whatsapp", {})
    wa_id = VIP_PHONE.removeprefix("+")
    message = {"from": wa_id, "id": "wamid.demo-vip-1", "timestamp": str(int(time.time())), "type": "text"}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": "390000000000",
            "phone_number_id": secrets.get("phone_number_id"),
        },
        "contacts": [{"profile": {"name": "Lucia Ferri"}, "wa_id": wa_id}],
        "messages": [message | {"text": {"body": VIP_MESSAGE}}],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "demo", "changes": [{"field": "messages", "value": value}]}],
    }
    body = json.dumps(payload).encode()
    headers = {
        "content-type": "application/json",
        SIGNATURE_HEADER: signature_for(body, secrets.get("app_secret", "")),
    }
    event = http_api_event("POST", f"{WEBHOOKS_PATH}/whatsapp", headers=headers, body=body)
    event["pathParameters"] = {"provider": "whatsapp"}
    webhooks_handler(event, LambdaContext("webhooks"))


def wait_for_routing(timeout: float = SETTLE_SECONDS) -> None:
    """Until the demo's executions are done, so the agents' actions below start from routed tickets."""
    sfn = boto3.client("stepfunctions")
    arn = settings().routing_state_machine_arn
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        executions = sfn.list_executions(stateMachineArn=arn)["executions"] if arn else []
        if len(executions) >= len(DEMO_MAILS) + 1 and all(e["status"] != "RUNNING" for e in executions):
            return
        time.sleep(0.2)


def load_demo_data(mailroom: Mailroom) -> None:
    configure_routing()
    configure_sla()
    vip_customer()
    for sender, subject, body in DEMO_MAILS:
        mailroom.receive(_mail(sender, subject, body), sender, ["support@sportello.local"])
    whatsapp_from_vip()
    wait_for_routing()
    seeded = SEEDED_AGENTS[1]
    agent = Agent(seeded.subject, seeded.email, seeded.name, seeded.groups)
    sportello().tickets.reply(
        2, agent, "Hi Tom, I've sent you a fresh link that is valid for 24 hours.", public=True
    )
