"""`python -m infra.local`: run the whole help desk locally (what `make dev` starts)."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from .environment import PROJECT_ROOT, LocalConfig, apply

FUNCTIONS_DIR = str(PROJECT_ROOT / "functions")


def main() -> int:
    config = LocalConfig.from_env()
    apply(config)  # before any sportello import: settings are read once
    if FUNCTIONS_DIR not in sys.path:
        sys.path.insert(0, FUNCTIONS_DIR)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "botocore", "mail.log", "moto"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from .cloud import LocalCloud

    cloud = LocalCloud(config)
    cloud.start()
    print(
        "\nSportello is running locally\n"
        f"  agent app     {config.base_url}   (sign in as agent@sportello.local or admin@sportello.local)\n"
        f"  API           {config.base_url}/api/…   webhooks {config.base_url}/webhooks/…\n"
        f"  inbound mail  smtp://{config.host}:{config.smtp_port}   (to support@sportello.local)\n"
        f"  sent mail     {config.base_url}/local/outbox\n"
        f"  embedded AWS  {config.moto_url}   state in {config.home}\n"
        "Press Ctrl+C to stop.\n",
        flush=True,
    )
    stopped = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    stopped.wait()
    print("Stopping: saving state…", flush=True)
    cloud.stop()
    print("Stopped. State kept in", config.home, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
