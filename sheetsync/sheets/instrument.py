"""The port adapters report their HTTP requests and retries to (metrics, or nothing)."""

from __future__ import annotations

from typing import Protocol


class RequestObserver(Protocol):
    """Told about each HTTP request an adapter makes, and each retry it decides on.
    `outcome` is "ok", an HTTP status code, or "error"; labels stay few."""

    def request(self, service: str, action: str, outcome: str) -> None: ...

    def retry(self, service: str, action: str) -> None: ...


class NoObserver:
    def request(self, service: str, action: str, outcome: str) -> None:
        pass

    def retry(self, service: str, action: str) -> None:
        pass


NO_OBSERVER = NoObserver()
