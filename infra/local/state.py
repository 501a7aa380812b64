"""Keeps the embedded AWS's state across restarts of `make dev` by pickling moto's backends.

moto has no persistence of its own; its backends are plain Python objects, so a pickle of the few
services we use, written atomically, is a faithful snapshot (moto's version is pinned for this).
"""

from __future__ import annotations

import copyreg
import io
import logging
import pickle
import threading
from pathlib import Path
from typing import Any

from moto.backends import get_backend

logger = logging.getLogger(__name__)

PERSISTED_SERVICES = ("dynamodb", "s3", "ses", "sesv2", "sqs", "sns", "stepfunctions", "events")


def _fresh(factory: Any) -> Any:
    return lambda _: (factory, ())


class _StatePickler(pickle.Pickler):
    """Pickles moto's objects, replacing the locks some of them hold (SQS queues) with new ones."""

    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[threading.Condition] = _fresh(threading.Condition)
    dispatch_table[type(threading.RLock())] = _fresh(threading.RLock)
    dispatch_table[type(threading.Lock())] = _fresh(threading.Lock)


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _StatePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


class StateFile:
    def __init__(self, path: Path, lock: threading.RLock) -> None:
        self._path = path
        self._lock = lock
        self._dirty = False
        # One save at a time, snapshot to rename: two overlapping saves (the autosave and the one at
        # stop) could otherwise let the older snapshot be renamed over the newer one.
        self._saving = threading.Lock()

    def mark_dirty(self) -> None:
        self._dirty = True

    def restore(self) -> bool:
        if not self._path.exists():
            return False
        with self._path.open("rb") as handle:
            saved: dict[str, Any] = pickle.load(handle)  # noqa: S301 - our own file under .sportello/
        for service, backends in saved.items():
            live = get_backend(service)  # type: ignore[call-overload]
            live.clear()
            live.update(backends)
        logger.info("restored local AWS state from %s", self._path)
        return True

    def save(self) -> None:
        with self._saving:
            with self._lock:
                snapshot = {service: dict(get_backend(service)) for service in PERSISTED_SERVICES}  # type: ignore[call-overload]
                data = _dumps(snapshot)
                self._dirty = False
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self._path.with_suffix(".tmp")
            temporary.write_bytes(data)
            temporary.replace(self._path)

    def save_if_dirty(self) -> None:
        if self._dirty:
            self.save()
