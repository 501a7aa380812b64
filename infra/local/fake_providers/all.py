"""Every provider module's fake routes in one server."""

from __future__ import annotations

import importlib
import pkgutil

from . import FakeProviderServer, FakeRoute


def fake_provider_server() -> FakeProviderServer:
    routes: list[FakeRoute] = []
    package = importlib.import_module(__package__ or "infra.local.fake_providers")
    for module_info in pkgutil.iter_modules(package.__path__):
        if module_info.name == "all":
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        routes.extend(getattr(module, "ROUTES", []))
    return FakeProviderServer(routes)
