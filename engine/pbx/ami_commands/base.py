"""What every typed AMI action shares: its name, its header fields, and how its reply is read.

Each command knows its own header fields and how to read Asterisk's reply into its result type, so
`AmiClient.send(command)` is typed end to end (`send(Getvar(...))` is a `VariableValue`). The client chooses
the ActionID and resolves the reply; how long to wait for it is the command's reply kind (replies.py).
Reply shapes follow the Asterisk 22.10.1 recordings (tests/recordings/asterisk/; NOTES.md AMI 2, 3, 10, 14).
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from engine.pbx.ami_commands.replies import ActionOk, AmiReply, ReplyKind
from engine.pbx.ami_events import AmiEvent

R = TypeVar("R", covariant=True)
E = TypeVar("E", bound=AmiEvent)
Fields = list[tuple[str, str]]


class AmiCommand(Generic[R]):
    """An AMI action: `ACTION` plus `fields()`; `result()` reads the reply (raising AmiActionError)."""

    __slots__ = ()
    ACTION: ClassVar[str]
    REPLY: ClassVar[ReplyKind] = ReplyKind.RESPONSE

    def action_name(self) -> str:
        return self.ACTION

    def reply_kind(self) -> ReplyKind:
        return self.REPLY

    def fields(self) -> Fields:
        return []

    def result(self, reply: AmiReply) -> R:
        raise NotImplementedError


class Acknowledged(AmiCommand[ActionOk]):
    """An action whose whole result is Success and its message."""

    __slots__ = ()

    def result(self, reply: AmiReply) -> ActionOk:
        reply.raise_for_error()
        return ActionOk(reply.message)


def items_of(reply: AmiReply, kind: type[E]) -> tuple[E, ...]:
    reply.raise_for_error()
    return tuple(item for item in reply.items if isinstance(item, kind))


def append_optional(fields: Fields, key: str, value: str | int | None) -> None:
    if value is not None:
        fields.append((key, str(value)))
