"""Stage progress, reported to whoever listens (the CLI draws rich progress bars from it).

The pipeline calls ``progress.start(stage, total)`` and ``progress.advance(stage, n)``; by
default nothing listens. A module-level listener is used because Prefect task parameters
must be serialisable, and a progress bar is not.
"""

from __future__ import annotations

from typing import Protocol


class Listener(Protocol):
    def start(self, stage: str, total: int | None) -> None: ...

    def advance(self, stage: str, n: int = 1) -> None: ...

    def finish(self, stage: str) -> None: ...


_listener: Listener | None = None


def set_listener(listener: Listener | None) -> None:
    global _listener
    _listener = listener


def start(stage: str, total: int | None = None) -> None:
    if _listener:
        _listener.start(stage, total)


def advance(stage: str, n: int = 1) -> None:
    if _listener:
        _listener.advance(stage, n)


def finish(stage: str) -> None:
    if _listener:
        _listener.finish(stage)
