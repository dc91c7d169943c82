"""ARI channel operations (POST/GET/DELETE /channels...) as typed commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from engine.pbx.ari_commands.base import (
    DELETE,
    GET,
    POST,
    AriCommand,
    ChannelId,
    HangupReason,
    IfExists,
    MuteDirection,
    Returns,
    SnoopDirection,
    TerminateOn,
    body,
    query,
)
from engine.pbx.ari_models import (
    Channel,
    LiveRecording,
    Playback,
)

# --- channels ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginateChannel(AriCommand[Channel]):
    """POST /channels. With `app` the channel enters Stasis when answered (no ChannelCreated, then Dial
    ""/RINGING/ANSWER, then StasisStart); without, it runs `context`/`extension`/`priority`. A PJSIP endpoint
    with no contact answers 500 {"error":"Allocation failed"} (ari_outbound_outcomes)."""

    METHOD, PATH, RETURNS, MODEL, ORIGINATES = POST, "/channels", Returns.ONE, Channel, True
    endpoint: Annotated[str, query("endpoint")]
    app: Annotated[str | None, query("app")] = None
    app_args: Annotated[tuple[str, ...] | None, query("appArgs")] = None
    extension: Annotated[str | None, query("extension")] = None
    context: Annotated[str | None, query("context")] = None
    priority: Annotated[int | None, query("priority")] = None
    label: Annotated[str | None, query("label")] = None
    caller_id: Annotated[str | None, query("callerId")] = None
    timeout: Annotated[int | None, query("timeout")] = None
    # For a Local channel the other half is "<channelId>;2" unless other_channel_id says otherwise.
    channel_id: Annotated[str | None, query("channelId")] = None
    other_channel_id: Annotated[str | None, query("otherChannelId")] = None
    originator: Annotated[str | None, query("originator")] = None
    formats: Annotated[tuple[str, ...] | None, query("formats")] = None
    variables: Annotated[Mapping[str, str] | None, body("variables")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateChannel(AriCommand[Channel]):
    """POST /channels/create: the channel enters Stasis at once (StasisStart, state Down); DialChannel rings it."""

    METHOD, PATH, RETURNS, MODEL, ORIGINATES = POST, "/channels/create", Returns.ONE, Channel, True
    endpoint: Annotated[str, query("endpoint")]
    app: Annotated[str, query("app")]
    app_args: Annotated[tuple[str, ...] | None, query("appArgs")] = None
    channel_id: Annotated[str | None, query("channelId")] = None
    other_channel_id: Annotated[str | None, query("otherChannelId")] = None
    originator: Annotated[str | None, query("originator")] = None
    formats: Annotated[tuple[str, ...] | None, query("formats")] = None
    variables: Annotated[Mapping[str, str] | None, body("variables")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DialChannel(AriCommand[None]):
    METHOD, PATH, ORIGINATES = POST, "/channels/{channelId}/dial", True
    channel_id: ChannelId
    caller: Annotated[str | None, query("caller")] = None
    timeout: Annotated[int | None, query("timeout")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetChannel(AriCommand[Channel]):
    METHOD, PATH, RETURNS, MODEL = GET, "/channels/{channelId}", Returns.ONE, Channel
    channel_id: ChannelId


@dataclass(frozen=True, slots=True, kw_only=True)
class ListChannels(AriCommand[tuple[Channel, ...]]):
    """Every channel of the system, not only the app's: not for resync (use GetApplication)."""

    METHOD, PATH, RETURNS, MODEL = GET, "/channels", Returns.MANY, Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class HangupChannel(AriCommand[None]):
    # Whatever the reason, the app sees ChannelHangupRequest cause 32 soft=true, then cause 16 on ChannelDestroyed.
    METHOD, PATH = DELETE, "/channels/{channelId}"
    channel_id: ChannelId
    reason: Annotated[HangupReason | None, query("reason")] = None
    reason_code: Annotated[str | None, query("reason_code")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerChannel(AriCommand[None]):
    METHOD, PATH = POST, "/channels/{channelId}/answer"
    channel_id: ChannelId


@dataclass(frozen=True, slots=True, kw_only=True)
class RingChannel(AriCommand[None]):
    METHOD, PATH = POST, "/channels/{channelId}/ring"
    channel_id: ChannelId


@dataclass(frozen=True, slots=True, kw_only=True)
class StopRinging(AriCommand[None]):
    METHOD, PATH = DELETE, "/channels/{channelId}/ring"
    channel_id: ChannelId


@dataclass(frozen=True, slots=True, kw_only=True)
class ContinueInDialplan(AriCommand[None]):
    # 204 then StasisEnd; an unknown context still answers 204 and the channel is hung up (ari_continue_redirect).
    METHOD, PATH = POST, "/channels/{channelId}/continue"
    channel_id: ChannelId
    context: Annotated[str | None, query("context")] = None
    extension: Annotated[str | None, query("extension")] = None
    priority: Annotated[int | None, query("priority")] = None
    label: Annotated[str | None, query("label")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RedirectChannel(AriCommand[None]):
    # Local -> Local answers 204 and does nothing ("Unsupported transfer requested", ari_continue_redirect).
    METHOD, PATH = POST, "/channels/{channelId}/redirect"
    channel_id: ChannelId
    endpoint: Annotated[str, query("endpoint")]


@dataclass(frozen=True, slots=True, kw_only=True)
class SendDtmf(AriCommand[None]):
    METHOD, PATH = POST, "/channels/{channelId}/dtmf"
    channel_id: ChannelId
    dtmf: Annotated[str, query("dtmf")]
    before: Annotated[int | None, query("before")] = None
    between: Annotated[int | None, query("between")] = None
    duration: Annotated[int | None, query("duration")] = None
    after: Annotated[int | None, query("after")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldChannel(AriCommand[None]):
    METHOD, PATH = POST, "/channels/{channelId}/hold"
    channel_id: ChannelId


@dataclass(frozen=True, slots=True, kw_only=True)
class UnholdChannel(AriCommand[None]):
    METHOD, PATH = DELETE, "/channels/{channelId}/hold"
    channel_id: ChannelId


@dataclass(frozen=True, slots=True, kw_only=True)
class MuteChannel(AriCommand[None]):
    METHOD, PATH = POST, "/channels/{channelId}/mute"
    channel_id: ChannelId
    direction: Annotated[MuteDirection | None, query("direction")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UnmuteChannel(AriCommand[None]):
    METHOD, PATH = DELETE, "/channels/{channelId}/mute"
    channel_id: ChannelId
    direction: Annotated[MuteDirection | None, query("direction")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StartChannelMoh(AriCommand[None]):
    # Raises no ARI event; an unknown class plays "default" (ari_continue_redirect).
    METHOD, PATH = POST, "/channels/{channelId}/moh"
    channel_id: ChannelId
    moh_class: Annotated[str | None, query("mohClass")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StopChannelMoh(AriCommand[None]):
    METHOD, PATH = DELETE, "/channels/{channelId}/moh"
    channel_id: ChannelId


@dataclass(frozen=True, slots=True, kw_only=True)
class StartSilence(AriCommand[None]):
    METHOD, PATH = POST, "/channels/{channelId}/silence"
    channel_id: ChannelId


@dataclass(frozen=True, slots=True, kw_only=True)
class StopSilence(AriCommand[None]):
    METHOD, PATH = DELETE, "/channels/{channelId}/silence"
    channel_id: ChannelId


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayOnChannel(AriCommand[Playback]):
    METHOD, PATH, RETURNS, MODEL = POST, "/channels/{channelId}/play", Returns.ONE, Playback
    channel_id: ChannelId
    media: Annotated[tuple[str, ...], query("media")]
    lang: Annotated[str | None, query("lang")] = None
    offsetms: Annotated[int | None, query("offsetms")] = None
    skipms: Annotated[int | None, query("skipms")] = None
    playback_id: Annotated[str | None, query("playbackId")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordChannel(AriCommand[LiveRecording]):
    METHOD, PATH, RETURNS, MODEL = POST, "/channels/{channelId}/record", Returns.ONE, LiveRecording
    channel_id: ChannelId
    name: Annotated[str, query("name")]
    format: Annotated[str, query("format")]
    max_duration_seconds: Annotated[int | None, query("maxDurationSeconds")] = None
    max_silence_seconds: Annotated[int | None, query("maxSilenceSeconds")] = None
    if_exists: Annotated[IfExists | None, query("ifExists")] = None
    beep: Annotated[bool | None, query("beep")] = None
    terminate_on: Annotated[TerminateOn | None, query("terminateOn")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetChannelVariable(AriCommand[str]):
    # An unset variable is 404 "Provided variable was not found" (reason "Variable Not Found").
    METHOD, PATH, RETURNS = GET, "/channels/{channelId}/variable", Returns.VALUE
    channel_id: ChannelId
    variable: Annotated[str, query("variable")]


@dataclass(frozen=True, slots=True, kw_only=True)
class SetChannelVariable(AriCommand[None]):
    METHOD, PATH = POST, "/channels/{channelId}/variable"
    channel_id: ChannelId
    variable: Annotated[str, query("variable")]
    value: Annotated[str | None, query("value")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SnoopChannel(AriCommand[Channel]):
    # The snoop channel ("Snoop/<spyee id>-N") enters Stasis(app, app_args) at once.
    METHOD, PATH, RETURNS, MODEL = POST, "/channels/{channelId}/snoop", Returns.ONE, Channel
    channel_id: ChannelId
    app: Annotated[str, query("app")]
    spy: Annotated[SnoopDirection | None, query("spy")] = None
    whisper: Annotated[SnoopDirection | None, query("whisper")] = None
    app_args: Annotated[tuple[str, ...] | None, query("appArgs")] = None
    snoop_id: Annotated[str | None, query("snoopId")] = None
