"""AMI channel actions: originate, hang up, redirect, variables, channel listings and MixMonitor recording."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.pbx.ami_commands.base import Acknowledged, AmiCommand, Fields, append_optional, items_of
from engine.pbx.ami_commands.errors import AmiActionError
from engine.pbx.ami_commands.list_items import ChannelStatus, CoreShowChannel
from engine.pbx.ami_commands.replies import AmiReply, ReplyKind, VariableValue
from engine.pbx.ami_events import MuteDirection, OriginateResponse


@dataclass(frozen=True, slots=True)
class _OriginateFields:
    channel: str
    context: str | None = None
    exten: str | None = None
    priority: int | None = None
    application: str | None = None
    data: str | None = None
    timeout_ms: int | None = None
    caller_id: str | None = None
    variables: tuple[tuple[str, str], ...] = ()
    account: str | None = None
    # Uniqueids to give the new channel (and the ;2 half of a Local channel), so the caller knows them up front.
    channel_id: str | None = None
    other_channel_id: str | None = None

    def originate_fields(self) -> Fields:
        fields: Fields = [("Channel", self.channel)]
        append_optional(fields, "Context", self.context)
        append_optional(fields, "Exten", self.exten)
        append_optional(fields, "Priority", self.priority)
        append_optional(fields, "Application", self.application)
        append_optional(fields, "Data", self.data)
        append_optional(fields, "Timeout", self.timeout_ms)
        append_optional(fields, "CallerID", self.caller_id)
        fields.extend(("Variable", f"{name}={value}") for name, value in self.variables)
        append_optional(fields, "Account", self.account)
        append_optional(fields, "ChannelId", self.channel_id)
        append_optional(fields, "OtherChannelId", self.other_channel_id)
        return fields


@dataclass(frozen=True, slots=True)
class Originate(_OriginateFields, Acknowledged):
    """Synchronous: the reply only comes once the call is answered or has failed ("Originate failed")."""

    ACTION: ClassVar[str] = "Originate"

    def fields(self) -> Fields:
        return self.originate_fields()


@dataclass(frozen=True, slots=True)
class OriginateAsync(_OriginateFields, AmiCommand[OriginateResponse]):
    """Queued at once; the result is the later OriginateResponse (success, or failure with its Reason).
    A queued originate whose connection drops fails with ConnectionLost, though the call may still be placed."""

    ACTION: ClassVar[str] = "Originate"
    REPLY: ClassVar[ReplyKind] = ReplyKind.ORIGINATE

    def fields(self) -> Fields:
        return [*self.originate_fields(), ("Async", "true")]

    def result(self, reply: AmiReply) -> OriginateResponse:
        reply.raise_for_error()
        for item in reply.items:
            if isinstance(item, OriginateResponse):
                return item
        raise AmiActionError(self.ACTION, "no OriginateResponse")


@dataclass(frozen=True, slots=True)
class Hangup(Acknowledged):
    ACTION: ClassVar[str] = "Hangup"
    channel: str
    cause: int | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Channel", self.channel)]
        append_optional(fields, "Cause", self.cause)
        return fields


@dataclass(frozen=True, slots=True)
class Redirect(Acknowledged):
    ACTION: ClassVar[str] = "Redirect"
    channel: str
    context: str
    exten: str
    priority: int = 1

    def fields(self) -> Fields:
        target = [("Context", self.context), ("Exten", self.exten), ("Priority", str(self.priority))]
        return [("Channel", self.channel), *target]


@dataclass(frozen=True, slots=True)
class Getvar(AmiCommand[VariableValue]):
    """A channel's variable, or a global one without a channel."""

    ACTION: ClassVar[str] = "Getvar"
    variable: str
    channel: str | None = None

    def fields(self) -> Fields:
        fields: Fields = []
        append_optional(fields, "Channel", self.channel)
        return [*fields, ("Variable", self.variable)]

    def result(self, reply: AmiReply) -> VariableValue:
        reply.raise_for_error()
        return VariableValue(reply.get("Variable", self.variable), reply.get("Value"))


@dataclass(frozen=True, slots=True)
class Setvar(Acknowledged):
    ACTION: ClassVar[str] = "Setvar"
    variable: str
    value: str
    channel: str | None = None

    def fields(self) -> Fields:
        fields: Fields = []
        append_optional(fields, "Channel", self.channel)
        return [*fields, ("Variable", self.variable), ("Value", self.value)]


@dataclass(frozen=True, slots=True)
class CoreShowChannels(AmiCommand[tuple[CoreShowChannel, ...]]):
    ACTION: ClassVar[str] = "CoreShowChannels"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST

    def result(self, reply: AmiReply) -> tuple[CoreShowChannel, ...]:
        return items_of(reply, CoreShowChannel)


@dataclass(frozen=True, slots=True)
class Status(AmiCommand[tuple[ChannelStatus, ...]]):
    ACTION: ClassVar[str] = "Status"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST
    channel: str | None = None

    def fields(self) -> Fields:
        fields: Fields = []
        append_optional(fields, "Channel", self.channel)
        return fields

    def result(self, reply: AmiReply) -> tuple[ChannelStatus, ...]:
        return items_of(reply, ChannelStatus)


@dataclass(frozen=True, slots=True)
class MixMonitor(Acknowledged):
    ACTION: ClassVar[str] = "MixMonitor"
    channel: str
    file: str
    options: str | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Channel", self.channel), ("File", self.file)]
        append_optional(fields, "Options", self.options)
        return fields


@dataclass(frozen=True, slots=True)
class StopMixMonitor(Acknowledged):
    """Each call stops one monitor of the channel; with none left: "Could not stop monitoring channel"."""

    ACTION: ClassVar[str] = "StopMixMonitor"
    channel: str
    mixmonitor_id: str | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Channel", self.channel)]
        append_optional(fields, "MixMonitorID", self.mixmonitor_id)
        return fields


@dataclass(frozen=True, slots=True)
class MixMonitorMute(Acknowledged):
    ACTION: ClassVar[str] = "MixMonitorMute"
    channel: str
    muted: bool
    direction: MuteDirection = MuteDirection.BOTH

    def fields(self) -> Fields:
        return [("Channel", self.channel), ("Direction", self.direction.value), ("State", "1" if self.muted else "0")]
