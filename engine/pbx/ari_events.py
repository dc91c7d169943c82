"""ARI events as typed, frozen values, and the events the ARI adapter adds to the same ordered stream.

Every class under `AsteriskEvent` is named after the ARI event `type` it is decoded from and each field after
its JSON key (checked against `ari-api-docs/events.json` by tests/test_ari_swagger.py); `EVENT_TYPES` is the
dispatch table. A type the engine does not know arrives as `UnknownAriEvent` with the raw frame, so nothing
is lost silently. The adapter's own events (`ChannelGone`, `BridgeGone`, `AriResynced`, `AriDisconnected`)
travel on the same stream, in order with Asterisk's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.pbx.ari_models import (
    Application,
    Bridge,
    Channel,
    ContactInfo,
    DeviceState,
    DialStatus,
    Endpoint,
    LiveRecording,
    Peer,
    Playback,
    ReferredBy,
    ReferTo,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AriEvent:
    """Anything on the ARI event stream."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AsteriskEvent(AriEvent):
    """An event Asterisk sent on the WebSocket. `timestamp` is Asterisk's clock, not the engine's."""

    timestamp: datetime
    application: str
    asterisk_id: str | None = None


# --- channels ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StasisStart(AsteriskEvent):
    # Stasis(app,a,b) or appArgs "a,b" -> ("a", "b"); () for a bare Stasis(app).
    args: tuple[str, ...]
    channel: Channel
    replace_channel: Channel | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StasisEnd(AsteriskEvent):
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelCreated(AsteriskEvent):
    # Never sent for an ARI POST /channels originate (ari_outbound_outcomes): do not wait for it.
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelDestroyed(AsteriskEvent):
    # Q.850 cause; Local ;1 halves die with 0 "Unknown" on busy/congestion (ari_outbound_outcomes).
    cause: int
    cause_txt: str
    channel: Channel
    # The SIP status for PJSIP failures (486 busy, 480 no answer, 503 congestion, 408 unreachable).
    tech_cause: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelStateChange(AsteriskEvent):
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelDtmfReceived(AsteriskEvent):
    # One event per digit at its end; there is no begin event, for Local and for SIP (RFC 4733) alike.
    digit: str
    duration_ms: int
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelHangupRequest(AsteriskEvent):
    channel: Channel
    # After DELETE /channels/{id}: cause 32 with soft=true whatever the reason given (32 is the soft-hangup
    # flag, not a Q.850 cause); SIP failures carry cause + tech_cause and no `soft`.
    cause: int | None = None
    tech_cause: int | None = None
    soft: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelVarset(AsteriskEvent):
    variable: str
    value: str
    # Missing for global variables.
    channel: Channel | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelDialplan(AsteriskEvent):
    channel: Channel
    dialplan_app: str
    dialplan_app_data: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelCallerId(AsteriskEvent):
    caller_presentation: int
    caller_presentation_txt: str
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelConnectedLine(AsteriskEvent):
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelHold(AsteriskEvent):
    channel: Channel
    musicclass: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelUnhold(AsteriskEvent):
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelTalkingStarted(AsteriskEvent):
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelTalkingFinished(AsteriskEvent):
    channel: Channel
    duration: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelToneDetected(AsteriskEvent):
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelTransfer(AsteriskEvent):
    # A REFER on a leg with PJSIP_TRANSFER_HANDLING()=ari-only. Shape from the Swagger only: not recorded.
    refer_to: ReferTo
    referred_by: ReferredBy
    state: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Dial(AsteriskEvent):
    peer: Channel
    dialstatus: DialStatus
    caller: Channel | None = None
    forward: str | None = None
    forwarded: Channel | None = None
    dialstring: str | None = None


# --- bridges ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeCreated(AsteriskEvent):
    bridge: Bridge


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeDestroyed(AsteriskEvent):
    bridge: Bridge


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeMerged(AsteriskEvent):
    bridge: Bridge
    bridge_from: Bridge


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelEnteredBridge(AsteriskEvent):
    bridge: Bridge
    channel: Channel | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelLeftBridge(AsteriskEvent):
    bridge: Bridge
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeBlindTransfer(AsteriskEvent):
    channel: Channel
    exten: str
    context: str
    result: str
    is_external: bool
    replace_channel: Channel | None = None
    transferee: Channel | None = None
    bridge: Bridge | None = None


# --- media ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackStarted(AsteriskEvent):
    playback: Playback


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackContinuing(AsteriskEvent):
    playback: Playback


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackFinished(AsteriskEvent):
    # state "done", or "failed" for a sound that does not exist.
    playback: Playback


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingStarted(AsteriskEvent):
    recording: LiveRecording


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingFinished(AsteriskEvent):
    recording: LiveRecording


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingFailed(AsteriskEvent):
    recording: LiveRecording


# --- endpoints and devices --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointStateChange(AsteriskEvent):
    endpoint: Endpoint


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactStatusChange(AsteriskEvent):
    endpoint: Endpoint
    contact_info: ContactInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerStatusChange(AsteriskEvent):
    endpoint: Endpoint
    peer: Peer


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceStateChanged(AsteriskEvent):
    device_state: DeviceState


# --- the application --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationReplaced(AsteriskEvent):
    """Another WebSocket took the app over; this socket stays open but receives nothing more (ari_ws_reconnect)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationRegistered(AsteriskEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationUnregistered(AsteriskEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationMoveFailed(AsteriskEvent):
    channel: Channel
    destination: str
    args: tuple[str, ...]


EVENT_CLASSES: tuple[type[AsteriskEvent], ...] = (
    StasisStart, StasisEnd, ChannelCreated, ChannelDestroyed, ChannelStateChange, ChannelDtmfReceived,
    ChannelHangupRequest, ChannelVarset, ChannelDialplan, ChannelCallerId, ChannelConnectedLine, ChannelHold,
    ChannelUnhold, ChannelTalkingStarted, ChannelTalkingFinished, ChannelToneDetected, ChannelTransfer, Dial,
    BridgeCreated, BridgeDestroyed, BridgeMerged, ChannelEnteredBridge, ChannelLeftBridge, BridgeBlindTransfer,
    PlaybackStarted, PlaybackContinuing, PlaybackFinished, RecordingStarted, RecordingFinished, RecordingFailed,
    EndpointStateChange, ContactStatusChange, PeerStatusChange, DeviceStateChanged, ApplicationReplaced,
    ApplicationRegistered, ApplicationUnregistered, ApplicationMoveFailed,
)  # fmt: skip

# The ARI `type` names each class; a table, not string-built attribute lookups.
EVENT_TYPES: dict[str, type[AsteriskEvent]] = {cls.__name__: cls for cls in EVENT_CLASSES}


# --- what the adapter adds --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownAriEvent(AriEvent):
    """A well-formed event of a type the engine has no class for; `raw` is the frame as received."""

    type: str
    raw: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelGone(AriEvent):
    """A request found its channel gone (404 "Channel not found", addChannel's 400/422, 409 "not in a Stasis
    application"): normal when a caller hangs up mid-request. For a request naming several channels at once
    (addChannel "a,b") at least one of `channel_ids` is gone."""

    channel_ids: tuple[str, ...]
    operation: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeGone(AriEvent):
    bridge_id: str
    operation: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AriResynced(AriEvent):
    """The app's state read over REST right after each (re)connect. Events in a gap are lost, never replayed
    (Asterisk 22.10.1 drops them while the app is inactive): the core reconciles what it believed with this."""

    application: Application
    channels: tuple[Channel, ...]
    bridges: tuple[Bridge, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AriDisconnected(AriEvent):
    reason: str
