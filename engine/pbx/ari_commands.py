"""ARI requests as typed, frozen commands: one class per REST operation the engine uses.

Each command names its Swagger route (`METHOD`, `PATH` exactly as in `ari-api-docs/*.json`) and marks each
field with where it goes on the wire and under which Swagger parameter name (`Annotated[str, path("channelId")]`),
so the adapter encodes every command with one generic routine and tests/test_ari_swagger.py checks routes and
parameter names against the declarations. `AriCommand[R]` carries the result type: `await client.send(cmd)`
returns an `R`. `None` fields are left off the request; tuples go out comma-separated, as ARI expects for
`allowMultiple` parameters; `Mapping` fields go in the JSON body.

Status codes as a real Asterisk 22.10.1 answers them (NOTES.md ARI 2): POST /channels and POST /bridges 200,
play and record 201, most actions 204 with no body and no Content-Type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from engine.pbx.ari_models import (
    Application,
    AsteriskInfo,
    Bridge,
    Channel,
    DeviceState,
    Endpoint,
    LiveRecording,
    Playback,
    StoredRecording,
)


class HttpMethod(StrEnum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    DELETE = "DELETE"


class ParamKind(StrEnum):
    PATH = "path"
    QUERY = "query"
    BODY = "body"


@dataclass(frozen=True, slots=True)
class Param:
    kind: ParamKind
    name: str


def path(name: str) -> Param:
    return Param(ParamKind.PATH, name)


def query(name: str) -> Param:
    return Param(ParamKind.QUERY, name)


def body(name: str) -> Param:
    return Param(ParamKind.BODY, name)


class Returns(StrEnum):
    NOTHING = "nothing"  # 204, no body
    ONE = "one"  # one MODEL
    MANY = "many"  # a JSON list of MODEL -> tuple
    VALUE = "value"  # a Variable: {"value": "..."} -> str
    BYTES = "bytes"  # a file


class HangupReason(StrEnum):
    NORMAL = "normal"
    BUSY = "busy"
    CONGESTION = "congestion"
    NO_ANSWER = "no_answer"
    TIMEOUT = "timeout"
    REJECTED = "rejected"
    UNALLOCATED = "unallocated"
    NORMAL_UNSPECIFIED = "normal_unspecified"
    NUMBER_INCOMPLETE = "number_incomplete"
    CODEC_MISMATCH = "codec_mismatch"
    INTERWORKING = "interworking"
    FAILURE = "failure"
    ANSWERED_ELSEWHERE = "answered_elsewhere"


class SnoopDirection(StrEnum):
    NONE = "none"
    BOTH = "both"
    OUT = "out"
    IN = "in"


class MuteDirection(StrEnum):
    BOTH = "both"
    IN = "in"
    OUT = "out"


class IfExists(StrEnum):
    FAIL = "fail"
    OVERWRITE = "overwrite"
    APPEND = "append"


class TerminateOn(StrEnum):
    NONE = "none"
    ANY = "any"
    STAR = "*"
    HASH = "#"


class BridgeFeature(StrEnum):
    MIXING = "mixing"
    HOLDING = "holding"
    DTMF_EVENTS = "dtmf_events"
    PROXY_MEDIA = "proxy_media"
    VIDEO_SFU = "video_sfu"
    VIDEO_SINGLE = "video_single"
    SDP_LABEL = "sdp_label"


R = TypeVar("R")
GET, POST, PUT, DELETE = HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE
ChannelId = Annotated[str, path("channelId")]
BridgeId = Annotated[str, path("bridgeId")]
AppName = Annotated[str, path("applicationName")]
RecordingName = Annotated[str, path("recordingName")]


@dataclass(frozen=True, slots=True, kw_only=True)
class AriCommand(Generic[R]):
    METHOD: ClassVar[HttpMethod]
    PATH: ClassVar[str]
    RETURNS: ClassVar[Returns] = Returns.NOTHING
    MODEL: ClassVar[type | None] = None
    # Places a new call: refused once another connection has replaced the app.
    ORIGINATES: ClassVar[bool] = False


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


# --- playbacks, recordings --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class GetPlayback(AriCommand[Playback]):
    METHOD, PATH, RETURNS, MODEL = GET, "/playbacks/{playbackId}", Returns.ONE, Playback
    playback_id: Annotated[str, path("playbackId")]


@dataclass(frozen=True, slots=True, kw_only=True)
class StopPlayback(AriCommand[None]):
    METHOD, PATH = DELETE, "/playbacks/{playbackId}"
    playback_id: Annotated[str, path("playbackId")]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetLiveRecording(AriCommand[LiveRecording]):
    METHOD, PATH, RETURNS, MODEL = GET, "/recordings/live/{recordingName}", Returns.ONE, LiveRecording
    name: RecordingName


@dataclass(frozen=True, slots=True, kw_only=True)
class StopLiveRecording(AriCommand[None]):
    # The live recording is gone (404) right after; the file is then a stored recording.
    METHOD, PATH = POST, "/recordings/live/{recordingName}/stop"
    name: RecordingName


@dataclass(frozen=True, slots=True, kw_only=True)
class ListStoredRecordings(AriCommand[tuple[StoredRecording, ...]]):
    METHOD, PATH, RETURNS, MODEL = GET, "/recordings/stored", Returns.MANY, StoredRecording


@dataclass(frozen=True, slots=True, kw_only=True)
class GetStoredRecording(AriCommand[StoredRecording]):
    METHOD, PATH, RETURNS, MODEL = GET, "/recordings/stored/{recordingName}", Returns.ONE, StoredRecording
    name: RecordingName


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteStoredRecording(AriCommand[None]):
    METHOD, PATH = DELETE, "/recordings/stored/{recordingName}"
    name: RecordingName


@dataclass(frozen=True, slots=True, kw_only=True)
class GetStoredRecordingFile(AriCommand[bytes]):
    METHOD, PATH, RETURNS = GET, "/recordings/stored/{recordingName}/file", Returns.BYTES
    name: RecordingName


# --- endpoints, device states, applications, asterisk ----------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ListEndpoints(AriCommand[tuple[Endpoint, ...]]):
    METHOD, PATH, RETURNS, MODEL = GET, "/endpoints", Returns.MANY, Endpoint


@dataclass(frozen=True, slots=True, kw_only=True)
class ListEndpointsByTech(AriCommand[tuple[Endpoint, ...]]):
    METHOD, PATH, RETURNS, MODEL = GET, "/endpoints/{tech}", Returns.MANY, Endpoint
    tech: Annotated[str, path("tech")]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetEndpoint(AriCommand[Endpoint]):
    # state follows the qualify result, not the registration (ari_register_devicestate).
    METHOD, PATH, RETURNS, MODEL = GET, "/endpoints/{tech}/{resource}", Returns.ONE, Endpoint
    tech: Annotated[str, path("tech")]
    resource: Annotated[str, path("resource")]


@dataclass(frozen=True, slots=True, kw_only=True)
class ListDeviceStates(AriCommand[tuple[DeviceState, ...]]):
    # Only Stasis:-owned device states: [] for PJSIP devices, which still work as event sources.
    METHOD, PATH, RETURNS, MODEL = GET, "/deviceStates", Returns.MANY, DeviceState


@dataclass(frozen=True, slots=True, kw_only=True)
class ListApplications(AriCommand[tuple[Application, ...]]):
    METHOD, PATH, RETURNS, MODEL = GET, "/applications", Returns.MANY, Application


@dataclass(frozen=True, slots=True, kw_only=True)
class GetApplication(AriCommand[Application]):
    # 404 "Application not found" once the app was destroyed (socket closed while it held no channels).
    METHOD, PATH, RETURNS, MODEL = GET, "/applications/{applicationName}", Returns.ONE, Application
    application: AppName


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscribeApplication(AriCommand[Application]):
    """Event sources: "channel:<id>", "bridge:<id>", "endpoint:PJSIP/1003", "deviceState:PJSIP/1003".
    A channel running dialplan (AMD) is invisible to the app until subscribed; an unknown source is 422."""

    METHOD, PATH, RETURNS, MODEL = POST, "/applications/{applicationName}/subscription", Returns.ONE, Application
    application: AppName
    event_source: Annotated[tuple[str, ...], query("eventSource")]


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsubscribeApplication(AriCommand[Application]):
    METHOD, PATH, RETURNS, MODEL = DELETE, "/applications/{applicationName}/subscription", Returns.ONE, Application
    application: AppName
    event_source: Annotated[tuple[str, ...], query("eventSource")]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetAsteriskInfo(AriCommand[AsteriskInfo]):
    METHOD, PATH, RETURNS, MODEL = GET, "/asterisk/info", Returns.ONE, AsteriskInfo


COMMANDS: tuple[type[AriCommand[Any]], ...] = (
    OriginateChannel, CreateChannel, DialChannel, GetChannel, ListChannels, HangupChannel, AnswerChannel,
    RingChannel, StopRinging, ContinueInDialplan, RedirectChannel, SendDtmf, HoldChannel, UnholdChannel,
    MuteChannel, UnmuteChannel, StartChannelMoh, StopChannelMoh, StartSilence, StopSilence, PlayOnChannel,
    RecordChannel, GetChannelVariable, SetChannelVariable, SnoopChannel, CreateBridge, GetBridge, ListBridges,
    DestroyBridge, AddChannelToBridge, RemoveChannelFromBridge, PlayOnBridge, RecordBridge, StartBridgeMoh,
    StopBridgeMoh, GetPlayback, StopPlayback, GetLiveRecording, StopLiveRecording, ListStoredRecordings,
    GetStoredRecording, DeleteStoredRecording, GetStoredRecordingFile, ListEndpoints, ListEndpointsByTech,
    GetEndpoint, ListDeviceStates, ListApplications, GetApplication, SubscribeApplication,
    UnsubscribeApplication, GetAsteriskInfo,
)  # fmt: skip
