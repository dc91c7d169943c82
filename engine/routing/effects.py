"""The effects executor: carries out what the core decides. Facts go to the recorder (the event stream, the
statistics and whoever listens); every other command to the handler its feature registered for its type, so a
new feature adds its commands by registering handlers, not by a branch here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from engine.core.fact_registry import is_fact
from engine.core.facts import Fact

C = TypeVar("C")


class UnhandledCommand(LookupError):
    """A command no feature registered a handler for: a feature wired without its effects."""


class Effects:
    def __init__(self, record: Callable[[Fact], None]) -> None:
        self._record = record
        self._handlers: dict[type[Any], Callable[[Any], None]] = {}

    def register(self, command_type: type[C], handler: Callable[[C], None]) -> None:
        if command_type in self._handlers:
            raise ValueError(f"{command_type.__name__} already has a handler")
        self._handlers[command_type] = handler

    def carry_out(self, command: object) -> None:
        if is_fact(command):
            self._record(command)  # type: ignore[arg-type]
            return
        handler = self._handlers.get(type(command))
        if handler is None:
            raise UnhandledCommand(f"no handler registered for {type(command).__name__}")
        handler(command)
