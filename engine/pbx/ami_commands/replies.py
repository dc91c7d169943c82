"""Asterisk's answer to one AMI action as the client collects it, and the small typed results read from it.

How long the client waits is the reply kind:
- RESPONSE: the `Response:` message alone;
- LIST: `Response: Success` + `EventList: start`, then the items up to the `EventList: Complete` event
  (the items themselves are in list_items.py);
- ORIGINATE: `Response: Success` (queued), then the `OriginateResponse` event carrying the same ActionID.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.pbx.ami_commands.errors import AmiActionError
from engine.pbx.ami_events import AmiEvent, Headers


class ReplyKind(StrEnum):
    RESPONSE = "response"
    LIST = "list"
    ORIGINATE = "originate"


@dataclass(frozen=True, slots=True)
class AmiReply:
    """Asterisk's answer to one action: the Response message, plus list items or the OriginateResponse."""

    action: str
    response: Headers
    items: tuple[AmiEvent, ...] = ()

    def get(self, key: str, default: str = "") -> str:
        for name, value in self.response:
            if name == key:
                return value
        return default

    def values(self, key: str) -> tuple[str, ...]:
        return tuple(value for name, value in self.response if name == key)

    @property
    def ok(self) -> bool:
        return self.get("Response") in ("Success", "Goodbye", "Follows")

    @property
    def message(self) -> str:
        return self.get("Message")

    def raise_for_error(self) -> None:
        if not self.ok:
            raise AmiActionError(self.action, self.message or self.get("Response"), self.values("Output"))


@dataclass(frozen=True, slots=True)
class ActionOk:
    message: str


@dataclass(frozen=True, slots=True)
class Pong:
    timestamp: float


@dataclass(frozen=True, slots=True)
class VariableValue:
    variable: str
    # Asterisk answers an unset variable with Success and an empty value (NOTES.md AMI 14).
    value: str


@dataclass(frozen=True, slots=True)
class CommandOutput:
    lines: tuple[str, ...]
