"""ARI bridge operations (/bridges...) as typed commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from engine.pbx.ari_commands.base import (
    DELETE,
    GET,
    POST,
    AriCommand,
    BridgeFeature,
    BridgeId,
    IfExists,
    Returns,
    TerminateOn,
    query,
)
from engine.pbx.ari_models import (
    Bridge,
    LiveRecording,
    Playback,
)

# --- bridges ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateBridge(AriCommand[Bridge]):
    METHOD, PATH, RETURNS, MODEL = POST, "/bridges", Returns.ONE, Bridge
    features: Annotated[tuple[BridgeFeature, ...], query("type")] = (BridgeFeature.MIXING,)
    bridge_id: Annotated[str | None, query("bridgeId")] = None
    name: Annotated[str | None, query("name")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetBridge(AriCommand[Bridge]):
    METHOD, PATH, RETURNS, MODEL = GET, "/bridges/{bridgeId}", Returns.ONE, Bridge
    bridge_id: BridgeId


@dataclass(frozen=True, slots=True, kw_only=True)
class ListBridges(AriCommand[tuple[Bridge, ...]]):
    METHOD, PATH, RETURNS, MODEL = GET, "/bridges", Returns.MANY, Bridge


@dataclass(frozen=True, slots=True, kw_only=True)
class DestroyBridge(AriCommand[None]):
    METHOD, PATH = DELETE, "/bridges/{bridgeId}"
    bridge_id: BridgeId


@dataclass(frozen=True, slots=True, kw_only=True)
class AddChannelToBridge(AriCommand[None]):
    # An unknown channel is 400 "Channel not found" here, not 404 (NOTES.md ARI 2).
    METHOD, PATH = POST, "/bridges/{bridgeId}/addChannel"
    bridge_id: BridgeId
    channel: Annotated[tuple[str, ...], query("channel")]
    role: Annotated[str | None, query("role")] = None
    absorb_dtmf: Annotated[bool | None, query("absorbDTMF")] = None
    mute: Annotated[bool | None, query("mute")] = None
    inhibit_connected_line_updates: Annotated[bool | None, query("inhibitConnectedLineUpdates")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveChannelFromBridge(AriCommand[None]):
    METHOD, PATH = POST, "/bridges/{bridgeId}/removeChannel"
    bridge_id: BridgeId
    channel: Annotated[tuple[str, ...], query("channel")]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayOnBridge(AriCommand[Playback]):
    METHOD, PATH, RETURNS, MODEL = POST, "/bridges/{bridgeId}/play", Returns.ONE, Playback
    bridge_id: BridgeId
    media: Annotated[tuple[str, ...], query("media")]
    lang: Annotated[str | None, query("lang")] = None
    offsetms: Annotated[int | None, query("offsetms")] = None
    skipms: Annotated[int | None, query("skipms")] = None
    playback_id: Annotated[str | None, query("playbackId")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordBridge(AriCommand[LiveRecording]):
    # A Recorder/ARI-N;2 channel joins the bridge while it records (visible only in BRIDGEPEER).
    METHOD, PATH, RETURNS, MODEL = POST, "/bridges/{bridgeId}/record", Returns.ONE, LiveRecording
    bridge_id: BridgeId
    name: Annotated[str, query("name")]
    format: Annotated[str, query("format")]
    max_duration_seconds: Annotated[int | None, query("maxDurationSeconds")] = None
    max_silence_seconds: Annotated[int | None, query("maxSilenceSeconds")] = None
    if_exists: Annotated[IfExists | None, query("ifExists")] = None
    beep: Annotated[bool | None, query("beep")] = None
    terminate_on: Annotated[TerminateOn | None, query("terminateOn")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StartBridgeMoh(AriCommand[None]):
    METHOD, PATH = POST, "/bridges/{bridgeId}/moh"
    bridge_id: BridgeId
    moh_class: Annotated[str | None, query("mohClass")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StopBridgeMoh(AriCommand[None]):
    # 409 "Bridge isn't playing music" when none is playing (unlike the channel's, which answers 204).
    METHOD, PATH = DELETE, "/bridges/{bridgeId}/moh"
    bridge_id: BridgeId
