"""Typed AMI actions, their typed results, and the errors an action can end in.

Each command knows its own header fields and how to read Asterisk's reply into its result type, so
`AmiClient.send(command)` is typed end to end (`send(Getvar(...))` is a `VariableValue`). The client chooses
the ActionID and resolves the reply; how long to wait for it is the reply kind:
- RESPONSE: the `Response:` message alone;
- LIST: `Response: Success` + `EventList: start`, then the items up to the `EventList: Complete` event;
- ORIGINATE: `Response: Success` (queued), then the `OriginateResponse` event carrying the same ActionID.
Reply shapes follow the Asterisk 22.10.1 recordings in ../shared/asterisk/ (NOTES.md AMI 2, 3, 10, 14).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Generic, TypeVar

from engine.errors import CallhiveError
from engine.pbx.ami_events import (
    AmiEvent,
    ChannelSnapshot,
    ContactStatusValue,
    DeviceStateChange,
    Headers,
    MuteDirection,
    OriginateResponse,
    QueueMemberSnapshot,
)
from engine.secret import Secret

R = TypeVar("R", covariant=True)
Fields = list[tuple[str, str]]


# --- errors -------------------------------------------------------------------------------------------------


class AmiError(Exception):
    """Base of the AMI adapter's errors."""


class AmiActionError(AmiError):
    """Asterisk answered `Response: Error` (e.g. "No such channel")."""

    def __init__(self, action: str, message: str, output: tuple[str, ...] = ()) -> None:
        super().__init__(f"AMI {action} failed: {message}")
        self.action = action
        self.message = message
        self.output = output


class ConnectionLost(AmiError):
    """The connection dropped (or was not up) before the reply came. The action is never re-sent: it may or
    may not have run on the PBX (an Originate may be dialling), so the caller decides."""


class AuthenticationFailed(AmiError, CallhiveError):
    """Asterisk refused the login; the client does not reconnect with the same credentials."""


# --- replies ------------------------------------------------------------------------------------------------


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


# --- list items (events on the wire, carrying the list's ActionID) ------------------------------------------


@dataclass(frozen=True, slots=True)
class CoreShowChannel(AmiEvent):
    EVENT: ClassVar[str] = "CoreShowChannel"
    channel: ChannelSnapshot
    application: str
    application_data: str
    duration_s: int
    bridge_id: str


@dataclass(frozen=True, slots=True)
class ChannelStatus(AmiEvent):
    EVENT: ClassVar[str] = "Status"
    channel: ChannelSnapshot
    type: str
    bridge_id: str
    application: str
    data: str
    seconds: int | None


@dataclass(frozen=True, slots=True)
class EndpointListItem(AmiEvent):
    EVENT: ClassVar[str] = "EndpointList"
    endpoint: str
    transport: str
    aor: str
    contacts: str
    device_state: str
    active_channels: int


@dataclass(frozen=True, slots=True)
class ContactListItem(AmiEvent):
    EVENT: ClassVar[str] = "ContactList"
    uri: str
    endpoint: str
    status: ContactStatusValue
    # Asterisk prints "N/A" until the first qualify answers.
    roundtrip_usec: int | None
    user_agent: str
    expiration_time: int
    via_addr: str
    via_port: int
    call_id: str
    qualify_frequency_s: int


@dataclass(frozen=True, slots=True)
class QueueParams(AmiEvent):
    EVENT: ClassVar[str] = "QueueParams"
    queue: str
    max_callers: int
    strategy: str
    calls: int
    hold_time_s: int
    talk_time_s: int
    completed: int
    abandoned: int
    service_level_s: int
    weight: int


@dataclass(frozen=True, slots=True)
class QueueMemberEntry(AmiEvent):
    EVENT: ClassVar[str] = "QueueMember"
    member: QueueMemberSnapshot


@dataclass(frozen=True, slots=True)
class QueueEntry(AmiEvent):
    EVENT: ClassVar[str] = "QueueEntry"
    queue: str
    position: int
    channel: str
    uniqueid: str
    caller_id_num: str
    caller_id_name: str
    wait_s: int


@dataclass(frozen=True, slots=True)
class QueueSummaryItem(AmiEvent):
    EVENT: ClassVar[str] = "QueueSummary"
    queue: str
    logged_in: int
    available: int
    callers: int
    hold_time_s: int
    talk_time_s: int
    longest_hold_time_s: int


E = TypeVar("E", bound=AmiEvent)


def _items_of(reply: AmiReply, kind: type[E]) -> tuple[E, ...]:
    reply.raise_for_error()
    return tuple(item for item in reply.items if isinstance(item, kind))


def _optional(fields: Fields, key: str, value: str | int | None) -> None:
    if value is not None:
        fields.append((key, str(value)))


# --- commands -----------------------------------------------------------------------------------------------


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


class _Acknowledged(AmiCommand[ActionOk]):
    __slots__ = ()

    def result(self, reply: AmiReply) -> ActionOk:
        reply.raise_for_error()
        return ActionOk(reply.message)


@dataclass(frozen=True, slots=True)
class Login(_Acknowledged):
    ACTION: ClassVar[str] = "Login"
    username: str
    secret: Secret

    def fields(self) -> Fields:
        # The only place the AMI secret is revealed: when the Login is written to the socket.
        return [("Username", self.username), ("Secret", self.secret.reveal())]


@dataclass(frozen=True, slots=True)
class Logoff(_Acknowledged):
    ACTION: ClassVar[str] = "Logoff"


@dataclass(frozen=True, slots=True)
class Filter(_Acknowledged):
    """Adds a session event filter, e.g. `Filter("action(exclude),name(VarSet)")` (same syntax as manager.conf
    `eventfilter(...)`; an exclude-only set lets every other event through)."""

    ACTION: ClassVar[str] = "Filter"
    match_criteria: str
    filter: str = ""

    def fields(self) -> Fields:
        return [("Operation", "Add"), ("MatchCriteria", self.match_criteria), ("Filter", self.filter)]


@dataclass(frozen=True, slots=True)
class Ping(AmiCommand[Pong]):
    ACTION: ClassVar[str] = "Ping"

    def result(self, reply: AmiReply) -> Pong:
        reply.raise_for_error()
        return Pong(float(reply.get("Timestamp") or 0))


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
        _optional(fields, "Context", self.context)
        _optional(fields, "Exten", self.exten)
        _optional(fields, "Priority", self.priority)
        _optional(fields, "Application", self.application)
        _optional(fields, "Data", self.data)
        _optional(fields, "Timeout", self.timeout_ms)
        _optional(fields, "CallerID", self.caller_id)
        fields.extend(("Variable", f"{name}={value}") for name, value in self.variables)
        _optional(fields, "Account", self.account)
        _optional(fields, "ChannelId", self.channel_id)
        _optional(fields, "OtherChannelId", self.other_channel_id)
        return fields


@dataclass(frozen=True, slots=True)
class Originate(_OriginateFields, _Acknowledged):
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
class Hangup(_Acknowledged):
    ACTION: ClassVar[str] = "Hangup"
    channel: str
    cause: int | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Channel", self.channel)]
        _optional(fields, "Cause", self.cause)
        return fields


@dataclass(frozen=True, slots=True)
class Redirect(_Acknowledged):
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
    ACTION: ClassVar[str] = "Getvar"
    variable: str
    channel: str | None = None

    def fields(self) -> Fields:
        fields: Fields = []
        _optional(fields, "Channel", self.channel)
        return [*fields, ("Variable", self.variable)]

    def result(self, reply: AmiReply) -> VariableValue:
        reply.raise_for_error()
        return VariableValue(reply.get("Variable", self.variable), reply.get("Value"))


@dataclass(frozen=True, slots=True)
class Setvar(_Acknowledged):
    ACTION: ClassVar[str] = "Setvar"
    variable: str
    value: str
    channel: str | None = None

    def fields(self) -> Fields:
        fields: Fields = []
        _optional(fields, "Channel", self.channel)
        return [*fields, ("Variable", self.variable), ("Value", self.value)]


@dataclass(frozen=True, slots=True)
class CoreShowChannels(AmiCommand[tuple[CoreShowChannel, ...]]):
    ACTION: ClassVar[str] = "CoreShowChannels"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST

    def result(self, reply: AmiReply) -> tuple[CoreShowChannel, ...]:
        return _items_of(reply, CoreShowChannel)


@dataclass(frozen=True, slots=True)
class Status(AmiCommand[tuple[ChannelStatus, ...]]):
    ACTION: ClassVar[str] = "Status"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST
    channel: str | None = None

    def fields(self) -> Fields:
        fields: Fields = []
        _optional(fields, "Channel", self.channel)
        return fields

    def result(self, reply: AmiReply) -> tuple[ChannelStatus, ...]:
        return _items_of(reply, ChannelStatus)


@dataclass(frozen=True, slots=True)
class MixMonitor(_Acknowledged):
    ACTION: ClassVar[str] = "MixMonitor"
    channel: str
    file: str
    options: str | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Channel", self.channel), ("File", self.file)]
        _optional(fields, "Options", self.options)
        return fields


@dataclass(frozen=True, slots=True)
class StopMixMonitor(_Acknowledged):
    """Each call stops one monitor of the channel; with none left: "Could not stop monitoring channel"."""

    ACTION: ClassVar[str] = "StopMixMonitor"
    channel: str
    mixmonitor_id: str | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Channel", self.channel)]
        _optional(fields, "MixMonitorID", self.mixmonitor_id)
        return fields


@dataclass(frozen=True, slots=True)
class MixMonitorMute(_Acknowledged):
    ACTION: ClassVar[str] = "MixMonitorMute"
    channel: str
    muted: bool
    direction: MuteDirection = MuteDirection.BOTH

    def fields(self) -> Fields:
        return [("Channel", self.channel), ("Direction", self.direction.value), ("State", "1" if self.muted else "0")]


@dataclass(frozen=True, slots=True)
class PJSIPShowEndpoints(AmiCommand[tuple[EndpointListItem, ...]]):
    ACTION: ClassVar[str] = "PJSIPShowEndpoints"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST

    def result(self, reply: AmiReply) -> tuple[EndpointListItem, ...]:
        return _items_of(reply, EndpointListItem)


@dataclass(frozen=True, slots=True)
class PJSIPShowEndpoint(AmiCommand[tuple[AmiEvent, ...]]):
    """The endpoint's detail objects (EndpointDetail, AorDetail, AuthDetail, ...), kept untyped."""

    ACTION: ClassVar[str] = "PJSIPShowEndpoint"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST
    endpoint: str

    def fields(self) -> Fields:
        return [("Endpoint", self.endpoint)]

    def result(self, reply: AmiReply) -> tuple[AmiEvent, ...]:
        return _items_of(reply, AmiEvent)


@dataclass(frozen=True, slots=True)
class PJSIPShowContacts(AmiCommand[tuple[ContactListItem, ...]]):
    ACTION: ClassVar[str] = "PJSIPShowContacts"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST

    def result(self, reply: AmiReply) -> tuple[ContactListItem, ...]:
        # No contacts is `Response: Error / Message: No Contacts found`, not an empty list (NOTES.md lab 10).
        if not reply.ok and reply.message == "No Contacts found":
            return ()
        return _items_of(reply, ContactListItem)


@dataclass(frozen=True, slots=True)
class DeviceStateList(AmiCommand[tuple[DeviceStateChange, ...]]):
    ACTION: ClassVar[str] = "DeviceStateList"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST

    def result(self, reply: AmiReply) -> tuple[DeviceStateChange, ...]:
        return _items_of(reply, DeviceStateChange)


@dataclass(frozen=True, slots=True)
class QueueAdd(_Acknowledged):
    ACTION: ClassVar[str] = "QueueAdd"
    queue: str
    interface: str
    member_name: str | None = None
    state_interface: str | None = None
    penalty: int | None = None
    paused: bool | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Queue", self.queue), ("Interface", self.interface)]
        _optional(fields, "Penalty", self.penalty)
        _optional(fields, "MemberName", self.member_name)
        _optional(fields, "StateInterface", self.state_interface)
        _optional(fields, "Paused", None if self.paused is None else str(self.paused).lower())
        return fields


@dataclass(frozen=True, slots=True)
class QueueRemove(_Acknowledged):
    ACTION: ClassVar[str] = "QueueRemove"
    queue: str
    interface: str

    def fields(self) -> Fields:
        return [("Queue", self.queue), ("Interface", self.interface)]


@dataclass(frozen=True, slots=True)
class QueuePause(_Acknowledged):
    """Without a queue it applies to every queue the interface is in (NOTES.md AMI 10)."""

    ACTION: ClassVar[str] = "QueuePause"
    interface: str
    paused: bool
    queue: str | None = None
    reason: str | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Interface", self.interface), ("Paused", str(self.paused).lower())]
        _optional(fields, "Queue", self.queue)
        _optional(fields, "Reason", self.reason)
        return fields


@dataclass(frozen=True, slots=True)
class QueuePenalty(_Acknowledged):
    ACTION: ClassVar[str] = "QueuePenalty"
    interface: str
    penalty: int
    queue: str | None = None

    def fields(self) -> Fields:
        fields: Fields = [("Interface", self.interface), ("Penalty", str(self.penalty))]
        _optional(fields, "Queue", self.queue)
        return fields


QueueStatusItem = QueueParams | QueueMemberEntry | QueueEntry


@dataclass(frozen=True, slots=True)
class QueueStatus(AmiCommand[tuple[QueueStatusItem, ...]]):
    """An unknown queue is Success with an empty list, not an error (NOTES.md AMI 2)."""

    ACTION: ClassVar[str] = "QueueStatus"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST
    queue: str | None = None
    member: str | None = None

    def fields(self) -> Fields:
        fields: Fields = []
        _optional(fields, "Queue", self.queue)
        _optional(fields, "Member", self.member)
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
        _optional(fields, "Queue", self.queue)
        return fields

    def result(self, reply: AmiReply) -> tuple[QueueSummaryItem, ...]:
        return _items_of(reply, QueueSummaryItem)


@dataclass(frozen=True, slots=True)
class Command(AmiCommand[CommandOutput]):
    """A CLI command; output comes as repeated `Output:` headers. A bad command is `Response: Error` whose
    output carries the CLI's complaint (AmiActionError.output)."""

    ACTION: ClassVar[str] = "Command"
    command: str

    def fields(self) -> Fields:
        return [("Command", self.command)]

    def result(self, reply: AmiReply) -> CommandOutput:
        reply.raise_for_error()
        return CommandOutput(reply.values("Output"))


@dataclass(frozen=True, slots=True)
class RawAction(AmiCommand[AmiReply]):
    """Any other action (CoreStatus, CoreSettings, ...): the reply as received. `reply` says whether to wait
    for an event list."""

    action: str
    pairs: Sequence[tuple[str, str]] = ()
    reply: ReplyKind = ReplyKind.RESPONSE

    def action_name(self) -> str:
        return self.action

    def reply_kind(self) -> ReplyKind:
        return self.reply

    def fields(self) -> Fields:
        return list(self.pairs)

    def result(self, reply: AmiReply) -> AmiReply:
        reply.raise_for_error()
        return reply
