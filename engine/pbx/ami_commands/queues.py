"""AMI app_queue actions: membership (add, remove, pause, penalty) and the queue listings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.pbx.ami_commands.base import Acknowledged, AmiCommand, Fields, append_optional, items_of
from engine.pbx.ami_commands.list_items import (
    QueueEntry,
    QueueMemberEntry,
    QueueParams,
    QueueStatusItem,
    QueueSummaryItem,
)
from engine.pbx.ami_commands.replies import AmiReply, ReplyKind


@dataclass(frozen=True, slots=True)
class QueueAdd(Acknowledged):
    ACTION: ClassVar[str] = "QueueAdd"
    queue: str
    interface: str
    member_name: str | None = None
    state_interface: str | None = None
    penalty: int | None = None
    paused: bool | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Queue", self.queue), ("Interface", self.interface)]
        append_optional(fields, "Penalty", self.penalty)
        append_optional(fields, "MemberName", self.member_name)
        append_optional(fields, "StateInterface", self.state_interface)
        append_optional(fields, "Paused", None if self.paused is None else str(self.paused).lower())
        return fields


@dataclass(frozen=True, slots=True)
class QueueRemove(Acknowledged):
    ACTION: ClassVar[str] = "QueueRemove"
    queue: str
    interface: str

    def fields(self) -> Fields:
        return [("Queue", self.queue), ("Interface", self.interface)]


@dataclass(frozen=True, slots=True)
class QueuePause(Acknowledged):
    """Without a queue it applies to every queue the interface is in (NOTES.md AMI 10)."""

    ACTION: ClassVar[str] = "QueuePause"
    interface: str
    paused: bool
    queue: str | None = None
    reason: str | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Interface", self.interface), ("Paused", str(self.paused).lower())]
        append_optional(fields, "Queue", self.queue)
        append_optional(fields, "Reason", self.reason)
        return fields


@dataclass(frozen=True, slots=True)
class QueuePenalty(Acknowledged):
    ACTION: ClassVar[str] = "QueuePenalty"
    interface: str
    penalty: int
    queue: str | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Interface", self.interface), ("Penalty", str(self.penalty))]
        append_optional(fields, "Queue", self.queue)
        return fields


@dataclass(frozen=True, slots=True)
class QueueStatus(AmiCommand[tuple[QueueStatusItem, ...]]):
    """An unknown queue is Success with an empty list, not an error (NOTES.md AMI 2)."""

    ACTION: ClassVar[str] = "QueueStatus"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST
    queue: str | None = None
    member: str | None = None

    def fields(self) -> Fields:
        fields: Fields = []
        append_optional(fields, "Queue", self.queue)
        append_optional(fields, "Member", self.member)
        return fields

    def result(self, reply: AmiReply) -> tuple[QueueStatusItem, ...]:
        reply.raise_for_error()
        return tuple(item for item in reply.items if isinstance(item, QueueParams | QueueMemberEntry | QueueEntry))


@dataclass(frozen=True, slots=True)
class QueueSummary(AmiCommand[tuple[QueueSummaryItem, ...]]):
    ACTION: ClassVar[str] = "QueueSummary"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST
    queue: str | None = None

    def fields(self) -> Fields:
        fields: Fields = []
        append_optional(fields, "Queue", self.queue)
        return fields

    def result(self, reply: AmiReply) -> tuple[QueueSummaryItem, ...]:
        return items_of(reply, QueueSummaryItem)
