"""Local stand-in for the EventBridge schedules: runs the sweeps' handlers on timer threads.

In AWS the automations run every hour; locally every minute by default
(`SPORTELLO_LOCAL_AUTOMATIONS_SECONDS`, 0 switches it off), so that a desk trying its automations out sees
them act without waiting an hour. The SLA sweep runs every minute in AWS; locally every 10 seconds by
default (`SPORTELLO_LOCAL_SLA_SECONDS`), so a short policy's alerts come when the countdown says.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import boto3

from .events import LambdaContext, scheduled_event

logger = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any], Any], Any]

ENV_AUTOMATIONS_SECONDS = "SPORTELLO_LOCAL_AUTOMATIONS_SECONDS"
DEFAULT_AUTOMATIONS_SECONDS = 60.0


ENV_SLA_SECONDS = "SPORTELLO_LOCAL_SLA_SECONDS"
DEFAULT_SLA_SECONDS = 10.0


def automations_interval() -> float:
    """Seconds between two local automation sweeps (0: none)."""
    return _interval(ENV_AUTOMATIONS_SECONDS, DEFAULT_AUTOMATIONS_SECONDS)


def sla_interval() -> float:
    """Seconds between two local SLA sweeps (0: none)."""
    return _interval(ENV_SLA_SECONDS, DEFAULT_SLA_SECONDS)


def _interval(variable: str, default: float) -> float:
    raw = os.environ.get(variable, "").strip()
    try:
        return max(0.0, float(raw)) if raw else default
    except ValueError:
        logger.warning("%s=%r is not a number of seconds: using %s", variable, raw, default)
        return default


class ScheduledRule:
    """Invokes `handler` with a scheduled event every `interval` seconds, as the rule's target."""

    def __init__(
        self,
        handler: Handler,
        function_name: str,
        interval: float,
        lock: threading.RLock,
        on_change: Callable[[], None],
        stop: threading.Event,
        rule_name: str = "sportello-automations",
    ) -> None:
        self._handler = handler
        self._function_name = function_name
        self._interval = interval
        self._lock = lock
        self._on_change = on_change
        self._stop = stop
        self._rule_name = rule_name

    def start(self) -> threading.Thread | None:
        if self._interval <= 0:
            return None
        thread = threading.Thread(target=self._run, name=f"schedule-{self._function_name}", daemon=True)
        thread.start()
        return thread

    def fire(self) -> Any:
        """One scheduled invocation (the tests drive it directly); an error is logged, as Lambda would."""
        region = boto3.session.Session().region_name or "eu-west-1"
        event = scheduled_event(self._rule_name, region=region)
        with self._lock:
            try:
                return self._handler(event, LambdaContext(self._function_name))
            except Exception:
                logger.exception("%s failed; the next run tries again", self._function_name)
                return None
            finally:
                self._on_change()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.fire()
