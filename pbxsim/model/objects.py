"""The call model's plain objects: channels, bridges, playbacks, recordings and what a channel hears.

These are mutable, slotted dataclasses owned by `CallModel`; nothing here does I/O or reads a clock.
Protocol layers render them (ARI JSON in `pbxsim.ari.render`, AMI headers later) at the moment an event is
published, so events carry references to these objects rather than copies (scale: no deep copies per event).

Vocabulary mirrors Asterisk's: channel states are `ast_state2str()` strings as ARI prints them ("Down",
"Ring", "Ringing", "Up", "Busy"); a Local channel is two `Channel`s (;1 and ;2) pointing at each other.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pbxsim.model.scheduler import Timer


class ChannelState(enum.StrEnum):
    DOWN = "Down"
    RING = "Ring"
    RINGING = "Ringing"
    UP = "Up"
    BUSY = "Busy"


class Heard(enum.StrEnum):
    """What a channel hears at a moment (the `hearing` timeline)."""

    SILENCE = "silence"  # nothing: no bridge, no media (also the silence generator)
    MOH = "moh"  # music on hold, detail = class
    PLAYBACK = "playback"  # detail = media URI
    BRIDGE = "bridge"  # the mix of a bridge, detail = bridge id
    RINGING = "ringing"  # ringback indication, detail = ""
    SNOOP = "snoop"  # a Snoop channel listening to its spyee, detail = spyee id


class PendingDial(Protocol):
    def answered(self) -> None: ...

    def abandoned(self) -> None: ...


@dataclass(slots=True)
class Party:
    name: str = ""
    number: str = ""


@dataclass(slots=True)
class Dialplan:
    context: str
    exten: str
    priority: int
    app_name: str = ""
    app_data: str = ""


@dataclass(slots=True)
class HearingSpan:
    """One stretch of the timeline: from `start` to `end` (None while it lasts) the channel heard `what`."""

    what: Heard
    detail: str
    start: float
    end: float | None = None


@dataclass(slots=True, eq=False)
class Channel:
    id: str
    name: str
    tech: str  # "PJSIP", "Local", "Snoop", ...
    creationtime: float
    state: ChannelState = ChannelState.DOWN
    protocol_id: str = ""
    caller: Party = field(default_factory=Party)
    connected: Party = field(default_factory=Party)
    accountcode: str = ""
    dialplan: Dialplan = field(default_factory=lambda: Dialplan("default", "s", 1))
    language: str = "en"
    variables: dict[str, str] = field(default_factory=dict)
    # app name -> reference count (Stasis membership counts once, an explicit subscription once)
    apps: dict[str, int] = field(default_factory=dict)
    stasis_app: str | None = None
    stasis_args: list[str] = field(default_factory=list)
    # set when the app has to leave Stasis on its own after hangup (originated or created by ARI)
    originated_by_app: bool = False
    peer: Channel | None = None  # the other half of a Local pair
    bridge: Bridge | None = None
    playback: Playback | None = None
    queued_playbacks: list[Playback] = field(default_factory=list)
    moh_class: str | None = None
    silence: bool = False
    ringing: bool = False
    on_hold: bool = False
    muted: set[str] = field(default_factory=set)
    hearing: list[HearingSpan] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)  # cancelled when the channel goes away
    hangup_requested: bool = False
    destroyed: bool = False
    endpoint: str | None = None  # "PJSIP/1001" when the channel belongs to a known endpoint
    dialstring: str = ""
    dial_target: str | None = None  # a /channels/create'd channel's endpoint, dialled by /dial
    # An originate without an app: the dialplan location the channel goes to once answered (pbxsim.model.amd).
    on_answer: Dialplan | None = None
    runs_dialplan: bool = False  # executing an extension: its hangup ends with the PBX loop's soft request
    # An originated Local ;1 whose ;2 half sits in Stasis() from the dialplan: the dial completes when the app
    # answers that half, or ends when the pair is hung up first (pbxsim.model.dialing, "dialplan Stasis").
    pending_dial: PendingDial | None = None
    spyee: Channel | None = None  # for Snoop channels
    snoops: list[Channel] = field(default_factory=list)  # Snoop channels spying on this one

    @property
    def is_local_half_2(self) -> bool:
        return self.tech == "Local" and self.name.endswith(";2")


@dataclass(slots=True, eq=False)
class Bridge:
    id: str
    name: str
    bridge_type: str  # "mixing" | "holding"
    creationtime: float
    technology: str = "simple_bridge"
    bridge_class: str = "stasis"
    creator: str = "Stasis"
    video_mode: str = "talker"
    channels: dict[str, Channel] = field(default_factory=dict)
    apps: set[str] = field(default_factory=set)
    playback: Playback | None = None
    queued_playbacks: list[Playback] = field(default_factory=list)
    moh_class: str | None = None
    destroyed: bool = False


@dataclass(slots=True, eq=False)
class Playback:
    id: str
    media_uri: str
    target: Channel | Bridge
    language: str
    state: str = "queued"  # queued -> playing -> done | failed | cancelled
    duration: float | None = None  # None: the media does not exist (PlaybackFinished "failed")
    timer: Timer | None = None

    @property
    def target_uri(self) -> str:
        kind = "channel" if isinstance(self.target, Channel) else "bridge"
        return f"{kind}:{self.target.id}"


@dataclass(slots=True, eq=False)
class LiveRecording:
    name: str
    format: str
    target: Channel | Bridge
    started_at: float
    state: str = "queued"  # queued -> recording -> done | failed | canceled
    duration: int | None = None
    timer: Timer | None = None

    @property
    def target_uri(self) -> str:
        kind = "channel" if isinstance(self.target, Channel) else "bridge"
        return f"{kind}:{self.target.id}"


@dataclass(slots=True, eq=False)
class QueueMember:
    """A member of an app_queue queue (pbxsim.model.queues), with the fields AMI prints for it (NOTES AMI 9)."""

    queue: str
    interface: str
    member_name: str
    state_interface: str
    membership: str = "dynamic"
    penalty: int = 0
    calls_taken: int = 0
    last_call: int = 0
    last_pause: int = 0
    login_time: int = 0
    status: int = 0  # the state interface's device state as a number (1 not in use, 2 in use, 4 invalid...)
    paused: bool = False
    paused_reason: str = ""
    ringinuse: bool = False
    wrapuptime: int = 0
    in_call: bool = False
    ringing: bool = False  # a caller of its queue is ringing it now
