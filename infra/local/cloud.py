"""The local cloud behind `make dev` and the browser tests: moto, the gateway, SMTP, state, demo data."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from automations.handler import handler as automations_handler
from moto.server import ThreadedMotoServer
from outbound.handler import handler as outbound_handler
from routing.handler import handler as routing_handler
from sla_sweep.handler import handler as sla_sweep_handler
from ticket_events.handler import handler as ticket_events_handler
from webhook_processor.handler import handler as webhook_processor_handler
from werkzeug.serving import BaseWSGIServer, make_server

from infra.constants import (
    AUTOMATIONS_FUNCTION,
    INBOUND_QUEUE,
    OUTBOUND_FUNCTION,
    OUTBOUND_QUEUE,
    ROUTING_FUNCTION,
    SLA_SWEEP_FUNCTION,
    TICKET_EVENTS_DLQ,
    TICKET_EVENTS_FUNCTION,
    WEBHOOK_PROCESSOR_FUNCTION,
)
from sportello.config import settings

from . import lambdas
from .auth import TokenIssuer
from .environment import LocalConfig, jwt_secret
from .fake_providers.all import fake_provider_server
from .gateway import Gateway
from .mailroom import Mailroom
from .queues import QueuePoller
from .resources import provision, seed_agents
from .schedule import ScheduledRule, automations_interval, sla_interval
from .smtp import start_smtp
from .state import StateFile
from .streams import StreamPoller, table_stream_arn

logger = logging.getLogger(__name__)
SAVE_INTERVAL_SECONDS = 2.0


@dataclass
class LocalCloud:
    config: LocalConfig
    lock: threading.RLock = field(default_factory=threading.RLock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _closers: list[Callable[[], Any]] = field(default_factory=list)

    def start(self) -> None:
        self.config.home.mkdir(parents=True, exist_ok=True)
        state = StateFile(self.config.home / "aws-state.pickle", self.lock)
        restored = state.restore()
        moto = ThreadedMotoServer(ip_address=self.config.host, port=self.config.moto_port, verbose=False)
        moto.start()
        self._closers.append(moto.stop)
        # The routing workflow's steps run here, one at a time with the other handlers (the lock).
        lambdas.install({ROUTING_FUNCTION: self._locked(routing_handler)}, after_each=state.mark_dirty)
        provision()
        seed_agents()
        mailroom = Mailroom(self.lock, state.mark_dirty)
        state.save()
        # The pollers first: the stream's position is taken now (LATEST, as a new mapping), so nothing
        # the gateway or SMTP accepts from here on can be written before it and never routed.
        for queue, handler, name in (
            (INBOUND_QUEUE, webhook_processor_handler, WEBHOOK_PROCESSOR_FUNCTION),
            (OUTBOUND_QUEUE, outbound_handler, OUTBOUND_FUNCTION),
        ):
            QueuePoller(
                self.config.queue_url(queue), handler, name, self.lock, state.mark_dirty, self._stop
            ).start()
        StreamPoller(
            table_stream_arn(settings().table_name),
            ticket_events_handler,
            TICKET_EVENTS_FUNCTION,
            self.lock,
            state.mark_dirty,
            self._stop,
            dead_letter_url=self.config.queue_url(TICKET_EVENTS_DLQ),
        ).start()
        ScheduledRule(
            automations_handler,
            AUTOMATIONS_FUNCTION,
            automations_interval(),
            self.lock,
            state.mark_dirty,
            self._stop,
        ).start()
        ScheduledRule(
            sla_sweep_handler,
            SLA_SWEEP_FUNCTION,
            sla_interval(),
            self.lock,
            state.mark_dirty,
            self._stop,
            rule_name="sportello-sla-sweep",
        ).start()
        gateway = Gateway(
            TokenIssuer(jwt_secret(self.config)),
            mailroom,
            self.config.web_dist,
            self.lock,
            state.mark_dirty,
            boto3.session.Session().region_name or "eu-west-1",
        )
        server: BaseWSGIServer = make_server(self.config.host, self.config.port, gateway, threaded=True)
        threading.Thread(target=server.serve_forever, name="gateway", daemon=True).start()
        self._closers.append(server.shutdown)
        smtp = start_smtp(mailroom, self.config.host, self.config.smtp_port)
        self._closers.append(smtp.stop)
        fake = make_server(
            self.config.host, self.config.fake_providers_port, fake_provider_server(), threaded=True
        )
        threading.Thread(target=fake.serve_forever, name="fake-providers", daemon=True).start()
        self._closers.append(fake.shutdown)
        if self.config.demo_data and not restored:
            # With the pollers running: the demo's requests are routed as real ones are.
            from .demo import load_demo_data

            load_demo_data(mailroom)
            state.save()
        threading.Thread(target=self._autosave, args=(state,), name="autosave", daemon=True).start()
        self._closers.append(state.save)

    def _locked(self, handler: lambdas.Handler) -> lambdas.Handler:
        def run(event: Any, context: Any) -> Any:
            with self.lock:
                return handler(event, context)

        return run

    def _autosave(self, state: StateFile) -> None:
        while not self._stop.wait(SAVE_INTERVAL_SECONDS):
            try:
                state.save_if_dirty()
            except Exception:
                logger.exception("saving the local state failed")

    def stop(self) -> None:
        self._stop.set()
        for close in reversed(self._closers):
            try:
                close()
            except Exception:
                logger.exception("stopping %s failed", close)
        self._closers.clear()
