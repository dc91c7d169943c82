"""The call model's event bus: one synchronous stream of typed changes, fanned out to subscribers.

Every observable change in the model (a channel appears, changes state, hangs up; a bridge gains a
member; a playback starts...) is published exactly once, in the order it happened, as one of the frozen
dataclasses below. Both protocol faces subscribe to the same stream: the ARI layer renders JSON for the
applications subscribed to the objects involved, the AMI layer renders Newchannel/Newstate/Hangup/Bridge*
for its sessions. Neither face invents events of its own, so AMI and ARI views of a call cannot disagree.

Subscribers are plain callables run synchronously inside `publish()`. The events carry references to
the live model objects (no copies, for scale): a subscriber must render what it needs *before it
returns*, because the objects keep changing afterwards. A subscriber must not call back into the model.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from pbxsim.model.objects import Bridge, Channel, ChannelState, LiveRecording, Playback, QueueMember


@dataclass(frozen=True, slots=True)
class ChannelCreated:
    channel: Channel


@dataclass(frozen=True, slots=True)
class ChannelStateChanged:
    channel: Channel
    previous: ChannelState


@dataclass(frozen=True, slots=True)
class ChannelVarSet:
    channel: Channel
    variable: str
    value: str


@dataclass(frozen=True, slots=True)
class ChannelHangupRequested:
    channel: Channel
    cause: int
    soft: bool = False
    tech_cause: int | None = None


@dataclass(frozen=True, slots=True)
class ChannelDestroyed:
    channel: Channel
    cause: int
    cause_txt: str
    tech_cause: int | None = None


@dataclass(frozen=True, slots=True)
class DialUpdate:
    """ARI `Dial` / AMI DialBegin (status "") / DialState / DialEnd."""

    peer: Channel
    caller: Channel | None
    dialstring: str
    status: str  # "", "RINGING", "ANSWER", "BUSY", "CONGESTION", "NOANSWER", ...


@dataclass(frozen=True, slots=True)
class StasisStarted:
    channel: Channel
    app: str
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StasisEnded:
    channel: Channel
    app: str


@dataclass(frozen=True, slots=True)
class DtmfReceived:
    channel: Channel
    digit: str
    duration_ms: int


@dataclass(frozen=True, slots=True)
class ChannelHoldChanged:
    """A softphone put its call on hold (re-INVITE sendonly) or took it off. Asterisk tells the Stasis app
    (ChannelHold / ChannelUnhold, shape from the Swagger, not recorded) and leaves the music to the app."""

    channel: Channel
    held: bool
    musicclass: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelTransferRequested:
    """A softphone's REFER that Asterisk reports instead of carrying out (PJSIP_TRANSFER_HANDLING=ari-only)."""

    channel: Channel
    destination: str
    connected: Channel | None
    bridge: Bridge | None


@dataclass(frozen=True, slots=True)
class BridgeCreated:
    bridge: Bridge


@dataclass(frozen=True, slots=True)
class BridgeDestroyed:
    bridge: Bridge


@dataclass(frozen=True, slots=True)
class ChannelEnteredBridge:
    bridge: Bridge
    channel: Channel


@dataclass(frozen=True, slots=True)
class ChannelLeftBridge:
    bridge: Bridge
    channel: Channel


@dataclass(frozen=True, slots=True)
class PlaybackStarted:
    playback: Playback


@dataclass(frozen=True, slots=True)
class PlaybackFinished:
    playback: Playback


@dataclass(frozen=True, slots=True)
class RecordingStarted:
    recording: LiveRecording


@dataclass(frozen=True, slots=True)
class RecordingFinished:
    recording: LiveRecording


@dataclass(frozen=True, slots=True)
class MusicOnHold:
    """AMI MusicOnHoldStart/Stop; MOH raises no ARI event (NOTES ARI 15)."""

    channel: Channel
    started: bool
    klass: str


@dataclass(frozen=True, slots=True)
class ContactStatusChanged:
    """AMI ContactStatus / ARI ContactStatusChange (pbxsim.model.devices)."""

    endpoint: str  # "PJSIP/1003"
    aor: str
    uri: str
    status: str  # NonQualified | Reachable | Unreachable | Removed
    roundtrip_usec: int


@dataclass(frozen=True, slots=True)
class PeerStatusChanged:
    """AMI PeerStatus / ARI PeerStatusChange."""

    endpoint: str
    status: str  # Reachable | Unreachable


@dataclass(frozen=True, slots=True)
class EndpointStateChanged:
    """ARI EndpointStateChange (no AMI event)."""

    endpoint: str
    state: str  # online | offline


@dataclass(frozen=True, slots=True)
class DeviceStateChanged:
    """AMI DeviceStateChange / ARI DeviceStateChanged."""

    device: str  # "PJSIP/1003"
    state: str  # NOT_INUSE | INUSE | RINGING | ONHOLD | UNAVAILABLE | ...


@dataclass(frozen=True, slots=True)
class MixMonitorChanged:
    """AMI MixMonitorStart / MixMonitorStop / MixMonitorMute (no ARI event)."""

    channel: Channel
    kind: str  # "start" | "stop" | "mute"
    direction: str = ""
    state: str = ""


@dataclass(frozen=True, slots=True)
class QueueCallerChanged:
    """AMI QueueCallerJoin / QueueCallerLeave / QueueCallerAbandon (app_queue, pbxsim.model.queues; no ARI event)."""

    kind: str  # "join" | "leave" | "abandon"
    channel: Channel
    queue: str
    position: int
    count: int = 0  # join, leave: callers in the queue after the change
    original_position: int = 0  # abandon
    hold_time: int = 0  # abandon: seconds waited


@dataclass(frozen=True, slots=True)
class QueueAgentChanged:
    """AMI AgentCalled / AgentConnect / AgentRingNoAnswer / AgentComplete: a caller (`caller`) and the member's leg."""

    kind: str  # "called" | "connect" | "ringnoanswer" | "complete"
    caller: Channel
    leg: Channel
    member: QueueMember
    hold_time: int = 0  # connect, complete: seconds
    ring_time: int = 0  # connect: seconds; ringnoanswer: milliseconds (NOTES AMI 7)
    talk_time: int = 0  # complete: seconds
    reason: str = ""  # complete: "agent" | "caller"


@dataclass(frozen=True, slots=True)
class QueueMemberChanged:
    """AMI QueueMemberAdded / QueueMemberRemoved / QueueMemberPause / QueueMemberStatus."""

    kind: str  # "added" | "removed" | "pause" | "status"
    member: QueueMember


ModelEvent = (
    ChannelCreated
    | ChannelStateChanged
    | ChannelVarSet
    | ChannelHangupRequested
    | ChannelDestroyed
    | DialUpdate
    | StasisStarted
    | StasisEnded
    | DtmfReceived
    | BridgeCreated
    | BridgeDestroyed
    | ChannelTransferRequested
    | ChannelHoldChanged
    | ChannelEnteredBridge
    | ChannelLeftBridge
    | PlaybackStarted
    | PlaybackFinished
    | RecordingStarted
    | RecordingFinished
    | MusicOnHold
    | ContactStatusChanged
    | PeerStatusChanged
    | EndpointStateChanged
    | DeviceStateChanged
    | MixMonitorChanged
    | QueueCallerChanged
    | QueueAgentChanged
    | QueueMemberChanged
)

Subscriber = Callable[[ModelEvent, float], None]


class Bus:
    """Synchronous fan-out of model events; subscribers get (event, model time).

    A subscriber may publish a *derived* event (the device book turns a channel's state change into a
    DeviceStateChanged): it is queued and delivered to every subscriber right after the event being
    delivered, so all subscribers see one order - the cause before its consequence (ami_outbound_outcomes:
    Newstate Ringing, then DeviceStateChange RINGINUSE).
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._pending: deque[tuple[ModelEvent, float]] = deque()
        self._delivering = False
        self.published = 0

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.remove(subscriber)

    def publish(self, event: ModelEvent, now: float) -> None:
        self._pending.append((event, now))
        if self._delivering:
            return  # published from a subscriber: delivered once the current event is done
        self._delivering = True
        try:
            while self._pending:
                queued, at = self._pending.popleft()
                self.published += 1
                for subscriber in self._subscribers:
                    subscriber(queued, at)
        finally:
            self._delivering = False
            self._pending.clear()
