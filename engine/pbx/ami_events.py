"""Typed AMI events: what a real Asterisk 22 sends on the manager socket, as frozen values.

Every event keeps its raw headers (ordered pairs, repeated keys kept) for storage and debugging; the typed
fields are what the engine reads. Channel snapshot headers (Channel, ChannelState, CallerIDNum, Uniqueid, ...)
are grouped in one `ChannelSnapshot`; events naming two channels carry two (Dest*, Spyer*/Spyee*).
Events the engine does not model arrive as `UnknownAmiEvent`, so nothing is silently lost.
Shapes and quirks follow the Asterisk 22.10.1 recordings (tests/recordings/asterisk/) and their notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import ClassVar

from engine.core.devices import DeviceState as DeviceState  # Asterisk's words, which the core speaks too

Headers = tuple[tuple[str, str], ...]


class ChannelState(StrEnum):
    """ChannelStateDesc values, indexed by the numeric ChannelState (ast_channel_state)."""

    DOWN = "Down"
    RESERVED = "Rsrvd"
    OFF_HOOK = "OffHook"
    DIALING = "Dialing"
    RING = "Ring"
    RINGING = "Ringing"
    UP = "Up"
    BUSY = "Busy"
    DIALING_OFFHOOK = "Dialing Offhook"
    PRE_RING = "Pre-ring"
    UNKNOWN = "Unknown"


CHANNEL_STATE_BY_CODE: tuple[ChannelState, ...] = tuple(ChannelState)


class ContactStatusValue(StrEnum):
    # After a successful REGISTER the first status is NonQualified even with qualify on (NOTES.md, lab 9).
    NON_QUALIFIED = "NonQualified"
    REACHABLE = "Reachable"
    UNREACHABLE = "Unreachable"
    UNKNOWN = "Unknown"
    CREATED = "Created"
    REMOVED = "Removed"
    UPDATED = "Updated"


class PeerStatusValue(StrEnum):
    REACHABLE = "Reachable"
    UNREACHABLE = "Unreachable"
    REGISTERED = "Registered"
    UNREGISTERED = "Unregistered"
    REJECTED = "Rejected"
    LAGGED = "Lagged"
    UNKNOWN = "Unknown"


class DialStatus(StrEnum):
    ANSWER = "ANSWER"
    BUSY = "BUSY"
    NOANSWER = "NOANSWER"
    CANCEL = "CANCEL"
    CONGESTION = "CONGESTION"
    CHANUNAVAIL = "CHANUNAVAIL"
    DONTCALL = "DONTCALL"
    TORTURE = "TORTURE"
    INVALIDARGS = "INVALIDARGS"
    # DialState progress values (a SIP far end ringing).
    RINGING = "RINGING"
    PROGRESS = "PROGRESS"
    PROCEEDING = "PROCEEDING"


class OriginateReason(IntEnum):
    """OriginateResponse `Reason`: the last control frame seen on the originated channel.

    Asterisk 22 reports SIP busy and congestion as FAILED (0), Local busy/congestion as BUSY (5) /
    CONGESTION (8), a timeout while ringing as RINGING (3) (NOTES.md, lab 5)."""

    FAILED = 0
    HANGUP = 1
    RINGING = 3
    ANSWERED = 4
    BUSY = 5
    CONGESTION = 8


class MemberStatus(IntEnum):
    """Queue member Status: the member's device state as a number (1 not in use, 2 in use, 4 invalid seen)."""

    UNKNOWN = 0
    NOT_INUSE = 1
    INUSE = 2
    BUSY = 3
    INVALID = 4
    UNAVAILABLE = 5
    RINGING = 6
    RINGINUSE = 7
    ONHOLD = 8


class AgentCompleteReason(StrEnum):
    CALLER = "caller"
    AGENT = "agent"
    TRANSFER = "transfer"


class MuteDirection(StrEnum):
    READ = "read"
    WRITE = "write"
    BOTH = "both"


class DtmfDirection(StrEnum):
    RECEIVED = "Received"
    SENT = "Sent"


@dataclass(frozen=True, slots=True)
class ChannelSnapshot:
    channel: str
    state: ChannelState
    caller_id_num: str
    caller_id_name: str
    connected_line_num: str
    connected_line_name: str
    language: str
    account_code: str
    context: str
    exten: str
    priority: int
    uniqueid: str
    linkedid: str


@dataclass(frozen=True, slots=True)
class BridgeSnapshot:
    uniqueid: str
    type: str
    technology: str
    creator: str
    name: str
    num_channels: int
    video_source_mode: str


@dataclass(frozen=True, slots=True)
class QueueMemberSnapshot:
    """One queue member. The QueueStatus list item says Name/Location where state events say
    MemberName/Interface (NOTES.md AMI 9); both map here. `ringinuse` is None in the list item."""

    queue: str
    member_name: str
    interface: str
    state_interface: str
    membership: str
    penalty: int
    calls_taken: int
    last_call: int
    last_pause: int
    login_time: int
    in_call: bool
    status: MemberStatus
    paused: bool
    paused_reason: str
    ringinuse: bool | None
    wrapuptime: int


@dataclass(frozen=True, slots=True)
class AmiEvent:
    """Base of every wire event: the raw headers in wire order."""

    headers: Headers

    @property
    def action_id(self) -> str | None:
        """Set on list items and OriginateResponse: the ActionID of the action they answer."""
        for key, value in self.headers:
            if key == "ActionID":
                return value
        return None


@dataclass(frozen=True, slots=True)
class UnknownAmiEvent(AmiEvent):
    name: str

    @property
    def fields(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, value in self.headers:
            found.setdefault(key, value)
        return found


# --- system -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FullyBooted(AmiEvent):
    EVENT: ClassVar[str] = "FullyBooted"
    uptime_s: int
    last_reload_s: int
    status: str


# --- channels -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Newchannel(AmiEvent):
    EVENT: ClassVar[str] = "Newchannel"
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class Newstate(AmiEvent):
    EVENT: ClassVar[str] = "Newstate"
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class HangupRequest(AmiEvent):
    EVENT: ClassVar[str] = "HangupRequest"
    channel: ChannelSnapshot
    # Absent when the hangup was requested without a cause (seen on PJSIP supervisor legs, ChanSpy recording).
    cause: int | None
    # The SIP status for PJSIP failures (486, 503, ...); absent on Local channels.
    tech_cause: int | None


@dataclass(frozen=True, slots=True)
class Hangup(AmiEvent):
    EVENT: ClassVar[str] = "Hangup"
    channel: ChannelSnapshot
    cause: int
    cause_txt: str
    tech_cause: int | None


@dataclass(frozen=True, slots=True)
class VarSet(AmiEvent):
    EVENT: ClassVar[str] = "VarSet"
    # None for globals (`dialplan reload` sends Channel: none with no snapshot).
    channel: ChannelSnapshot | None
    variable: str
    value: str


@dataclass(frozen=True, slots=True)
class DialBegin(AmiEvent):
    EVENT: ClassVar[str] = "DialBegin"
    # None when the dial has no calling channel (an Originate).
    caller: ChannelSnapshot | None
    destination: ChannelSnapshot
    dial_string: str


@dataclass(frozen=True, slots=True)
class DialState(AmiEvent):
    EVENT: ClassVar[str] = "DialState"
    caller: ChannelSnapshot | None
    destination: ChannelSnapshot
    dial_status: DialStatus


@dataclass(frozen=True, slots=True)
class DialEnd(AmiEvent):
    EVENT: ClassVar[str] = "DialEnd"
    caller: ChannelSnapshot | None
    destination: ChannelSnapshot
    dial_status: DialStatus
    forward: str


@dataclass(frozen=True, slots=True)
class OriginateResponse(AmiEvent):
    EVENT: ClassVar[str] = "OriginateResponse"
    originate_action_id: str
    success: bool
    reason: OriginateReason
    # A failure names the dial string as given and has no channel id (`Uniqueid: <unknown>`).
    channel: str
    uniqueid: str | None
    context: str
    exten: str
    application: str
    data: str
    caller_id_num: str
    caller_id_name: str


@dataclass(frozen=True, slots=True)
class DTMFBegin(AmiEvent):
    EVENT: ClassVar[str] = "DTMFBegin"
    channel: ChannelSnapshot
    digit: str
    direction: DtmfDirection


@dataclass(frozen=True, slots=True)
class DTMFEnd(AmiEvent):
    EVENT: ClassVar[str] = "DTMFEnd"
    channel: ChannelSnapshot
    digit: str
    duration_ms: int
    direction: DtmfDirection


# --- bridges ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BridgeCreate(AmiEvent):
    EVENT: ClassVar[str] = "BridgeCreate"
    bridge: BridgeSnapshot


@dataclass(frozen=True, slots=True)
class BridgeEnter(AmiEvent):
    EVENT: ClassVar[str] = "BridgeEnter"
    bridge: BridgeSnapshot
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class BridgeLeave(AmiEvent):
    EVENT: ClassVar[str] = "BridgeLeave"
    bridge: BridgeSnapshot
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class BridgeDestroy(AmiEvent):
    EVENT: ClassVar[str] = "BridgeDestroy"
    bridge: BridgeSnapshot


# --- recording and supervision ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MixMonitorStart(AmiEvent):
    EVENT: ClassVar[str] = "MixMonitorStart"
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class MixMonitorStop(AmiEvent):
    """Only StopMixMonitor produces it: a channel that simply hangs up gets none (NOTES.md AMI 11)."""

    EVENT: ClassVar[str] = "MixMonitorStop"
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class MixMonitorMute(AmiEvent):
    EVENT: ClassVar[str] = "MixMonitorMute"
    channel: ChannelSnapshot
    direction: MuteDirection
    muted: bool


@dataclass(frozen=True, slots=True)
class ChanSpyStart(AmiEvent):
    EVENT: ClassVar[str] = "ChanSpyStart"
    spyer: ChannelSnapshot
    spyee: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class ChanSpyStop(AmiEvent):
    """Expect it late: with a media-less spyee it only comes when the spied call ends (NOTES.md AMI 12)."""

    EVENT: ClassVar[str] = "ChanSpyStop"
    spyer: ChannelSnapshot
    spyee: ChannelSnapshot | None


# --- devices and endpoints ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceStateChange(AmiEvent):
    """Also the item type of DeviceStateList (then it carries the list's ActionID)."""

    EVENT: ClassVar[str] = "DeviceStateChange"
    device: str
    state: DeviceState


@dataclass(frozen=True, slots=True)
class ContactStatus(AmiEvent):
    EVENT: ClassVar[str] = "ContactStatus"
    uri: str
    status: ContactStatusValue
    aor: str
    endpoint_name: str
    roundtrip_usec: int | None


@dataclass(frozen=True, slots=True)
class PeerStatus(AmiEvent):
    EVENT: ClassVar[str] = "PeerStatus"
    channel_type: str
    peer: str
    status: PeerStatusValue


# --- app_queue (runs only the dialplan fallback queue; the engine owns routing) -----------------------------


@dataclass(frozen=True, slots=True)
class QueueCallerJoin(AmiEvent):
    EVENT: ClassVar[str] = "QueueCallerJoin"
    channel: ChannelSnapshot
    queue: str
    position: int
    count: int


@dataclass(frozen=True, slots=True)
class QueueCallerLeave(AmiEvent):
    EVENT: ClassVar[str] = "QueueCallerLeave"
    channel: ChannelSnapshot
    queue: str
    position: int
    count: int


@dataclass(frozen=True, slots=True)
class QueueCallerAbandon(AmiEvent):
    EVENT: ClassVar[str] = "QueueCallerAbandon"
    channel: ChannelSnapshot
    queue: str
    position: int
    original_position: int
    hold_time_s: int


@dataclass(frozen=True, slots=True)
class AgentEvent(AmiEvent):
    """The Agent* events: the caller's channel, the member's channel (Dest*), the queue and the member.
    Note `agent.exten` is the *caller's* exten, as Asterisk sends it (NOTES.md AMI 9)."""

    caller: ChannelSnapshot
    agent: ChannelSnapshot
    queue: str
    interface: str
    member_name: str


@dataclass(frozen=True, slots=True)
class AgentCalled(AgentEvent):
    EVENT: ClassVar[str] = "AgentCalled"


@dataclass(frozen=True, slots=True)
class AgentConnect(AgentEvent):
    EVENT: ClassVar[str] = "AgentConnect"
    hold_time_s: int
    # Asterisk sends whole seconds here but milliseconds in AgentRingNoAnswer (NOTES.md AMI 7); both are ms here.
    ring_time_ms: int


@dataclass(frozen=True, slots=True)
class AgentRingNoAnswer(AgentEvent):
    EVENT: ClassVar[str] = "AgentRingNoAnswer"
    ring_time_ms: int


@dataclass(frozen=True, slots=True)
class AgentComplete(AgentEvent):
    EVENT: ClassVar[str] = "AgentComplete"
    hold_time_s: int
    talk_time_s: int
    reason: AgentCompleteReason


@dataclass(frozen=True, slots=True)
class AgentDump(AgentEvent):
    EVENT: ClassVar[str] = "AgentDump"


@dataclass(frozen=True, slots=True)
class QueueMemberEvent(AmiEvent):
    member: QueueMemberSnapshot


@dataclass(frozen=True, slots=True)
class QueueMemberStatus(QueueMemberEvent):
    EVENT: ClassVar[str] = "QueueMemberStatus"


@dataclass(frozen=True, slots=True)
class QueueMemberAdded(QueueMemberEvent):
    EVENT: ClassVar[str] = "QueueMemberAdded"


@dataclass(frozen=True, slots=True)
class QueueMemberRemoved(QueueMemberEvent):
    EVENT: ClassVar[str] = "QueueMemberRemoved"


@dataclass(frozen=True, slots=True)
class QueueMemberPause(QueueMemberEvent):
    EVENT: ClassVar[str] = "QueueMemberPause"


@dataclass(frozen=True, slots=True)
class QueueMemberPenalty(QueueMemberEvent):
    EVENT: ClassVar[str] = "QueueMemberPenalty"


@dataclass(frozen=True, slots=True)
class QueueMemberRinginuse(QueueMemberEvent):
    EVENT: ClassVar[str] = "QueueMemberRinginuse"


# --- the connection itself (not wire events: the adapter's own news, in stream order) -----------------------


@dataclass(frozen=True, slots=True)
class AmiConnected:
    """Logged in, filters set and, when `resynced`, the caller's resync hook has run: events follow."""

    resynced: bool


@dataclass(frozen=True, slots=True)
class AmiDisconnected:
    """The connection dropped; events in the gap are lost and the next AmiConnected follows a resync."""

    reason: str


AmiStreamItem = AmiEvent | AmiConnected | AmiDisconnected
