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

from collections.abc import Callable
from dataclasses import dataclass

from pbxsim.model.objects import Bridge, Channel, ChannelState, LiveRecording, Playback


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
    | ChannelEnteredBridge
    | ChannelLeftBridge
    | PlaybackStarted
    | PlaybackFinished
    | RecordingStarted
    | RecordingFinished
    | MusicOnHold
)

Subscriber = Callable[[ModelEvent, float], None]


class Bus:
    """Synchronous fan-out of model events; subscribers get (event, model time)."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.published = 0

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.remove(subscriber)

    def publish(self, event: ModelEvent, now: float) -> None:
        self.published += 1
        for subscriber in self._subscribers:
            subscriber(event, now)
