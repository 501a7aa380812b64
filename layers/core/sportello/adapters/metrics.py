"""CloudWatch metrics in the embedded metric format (EMF), through Powertools: log lines, no API calls.

Counts are kept in memory during an invocation and written when it ends (`flush_metrics`, called by
`sportello.observability.lambda_entry`): one EMF line per set of dimensions, on stdout, which Lambda
sends to the function's log group, where CloudWatch turns it into metrics. Powertools is imported only
when there is something to write, so a function that counts nothing pays nothing at its cold start.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from ..metrics import NAMESPACE

DimensionSet = tuple[tuple[str, str], ...]


class EmfMetrics:
    """The `Metrics` port of the deployed functions (and of the local cloud, whose logs go to the console)."""

    def __init__(self, namespace: str = NAMESPACE) -> None:
        self._namespace = namespace
        self._counts: dict[DimensionSet, dict[str, int]] = {}
        self._lock = threading.Lock()  # the local cloud runs handlers on several threads

    def count(self, name: str, dimensions: Mapping[str, str] | None = None, value: int = 1) -> None:
        key: DimensionSet = tuple(sorted((dimensions or {}).items()))
        with self._lock:
            by_name = self._counts.setdefault(key, {})
            by_name[name] = by_name.get(name, 0) + value

    def flush(self) -> list[dict[str, Any]]:
        """Writes what was counted since the last flush, one EMF document per dimension set; returns them."""
        with self._lock:
            counts, self._counts = self._counts, {}
        if not counts:
            return []
        from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
            AmazonCloudWatchEMFProvider,
        )

        documents: list[dict[str, Any]] = []
        for dimensions, by_name in counts.items():
            # service="": no default `service` dimension (the dashboard and alarms name every dimension).
            emf = AmazonCloudWatchEMFProvider(namespace=self._namespace, service="")
            for name, value in dimensions:
                emf.add_dimension(name, value)
            for metric, total in sorted(by_name.items()):
                emf.add_metric(name=metric, unit="Count", value=total)
            document = dict(emf.serialize_metric_set())
            print(json.dumps(document, separators=(",", ":")))  # stdout: the function's log group
            documents.append(document)
        return documents


# One per container: the wiring counts into it (`Sportello.metrics`), the entry point flushes it.
EMF_METRICS = EmfMetrics()


def flush_metrics() -> None:
    EMF_METRICS.flush()
