"""Effects that a lower layer announces and a higher layer performs (docs/architecture.md).

A lower app may not import a higher one, yet some of its writes have effects there: a member who
leaves a club (clubs) or a user who is deactivated (accounts) gives up their event seats
(events.availability). The lower app declares a `Hook` next to its services and calls it where
the effect belongs; the higher app connects its service in `AppConfig.ready()`.

Unlike Django signals, a hook is called synchronously, inside the caller's transaction, with
keyword arguments its docstring names, and only the services connected to it run (no sender
filtering, no receivers found by import side effects). tests/test_hooks.py asserts which services
are connected, so a missing connection fails a test instead of silently skipping an effect.
"""

from __future__ import annotations

from collections.abc import Callable


class Hook:
    """A named effect: `connect(service)` once at startup; `hook(**kwargs)` calls every connected
    service in connection order, inside the caller's transaction, and lets their errors through."""

    def __init__(self, name: str, doc: str = ""):
        self.name = name
        self.__doc__ = doc
        self._services: list[Callable[..., None]] = []

    def connect(self, service: Callable[..., None]) -> Callable[..., None]:
        if service not in self._services:
            self._services.append(service)
        return service

    @property
    def services(self) -> tuple[Callable[..., None], ...]:
        return tuple(self._services)

    def __call__(self, **kwargs) -> None:
        for service in self._services:
            service(**kwargs)

    def __repr__(self) -> str:
        return f"Hook({self.name!r})"
