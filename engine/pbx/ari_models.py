"""ARI resources as typed, frozen values: the models of the Swagger declarations the engine reads.

Each dataclass is named after its Swagger model and each field after the JSON key it is read from, so the
decoder (engine/adapters/ari/decode.py) needs no per-model code and tests/test_ari_swagger.py can check every
field against `ari-api-docs/*.json`. Keys the engine has no use for (channelvars, events_allowed...) are not
read. A field typed `X | None` may be missing on the wire; every other field is required.

Closed vocabularies are `StrEnum`s. Asterisk can say more than its Swagger lists (ast_state2str prints
"Unknown (N)" for states it has no name for; newer versions add values), so each enum maps a value it does
not know to its UNKNOWN member instead of dropping the whole event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Self


class _OpenEnum(StrEnum):
    @classmethod
    def _missing_(cls, value: object) -> Self:
        return cls["UNKNOWN"]


class ChannelState(_OpenEnum):
    DOWN = "Down"
    RSRVED = "Rsrved"
    OFFHOOK = "OffHook"
    DIALING = "Dialing"
    RING = "Ring"
    RINGING = "Ringing"
    UP = "Up"
    BUSY = "Busy"
    DIALING_OFFHOOK = "Dialing Offhook"
    PRE_RING = "Pre-ring"
    UNKNOWN = "Unknown"


class BridgeType(_OpenEnum):
    MIXING = "mixing"
    HOLDING = "holding"
    UNKNOWN = "unknown"


class PlaybackState(_OpenEnum):
    QUEUED = "queued"
    PLAYING = "playing"
    CONTINUING = "continuing"
    DONE = "done"
    # A missing sound still gets 201 and PlaybackStarted, then PlaybackFinished "failed" (22.10.1, ari_stasis_flow).
    FAILED = "failed"
    UNKNOWN = "unknown"


class RecordingState(_OpenEnum):
    QUEUED = "queued"
    RECORDING = "recording"
    PAUSED = "paused"
    DONE = "done"
    FAILED = "failed"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


class EndpointState(_OpenEnum):
    UNKNOWN = "unknown"
    OFFLINE = "offline"
    ONLINE = "online"


class ContactStatus(_OpenEnum):
    UNREACHABLE = "Unreachable"
    REACHABLE = "Reachable"
    UNKNOWN = "Unknown"
    # The first status after a successful REGISTER, before any qualify answer (ari_register_devicestate).
    NON_QUALIFIED = "NonQualified"
    REMOVED = "Removed"


class DeviceStateValue(_OpenEnum):
    UNKNOWN = "UNKNOWN"
    NOT_INUSE = "NOT_INUSE"
    INUSE = "INUSE"
    BUSY = "BUSY"
    INVALID = "INVALID"
    UNAVAILABLE = "UNAVAILABLE"
    RINGING = "RINGING"
    RINGINUSE = "RINGINUSE"
    ONHOLD = "ONHOLD"


class DialStatus(_OpenEnum):
    """Dial() DIALSTATUS values plus the progress values of the ARI Dial event (free text in the Swagger)."""

    # The first Dial event of an originate, naming the new channel as `peer` (ari_outbound_outcomes).
    STARTED = ""
    RINGING = "RINGING"
    PROGRESS = "PROGRESS"
    ANSWER = "ANSWER"
    BUSY = "BUSY"
    CONGESTION = "CONGESTION"
    NOANSWER = "NOANSWER"
    CANCEL = "CANCEL"
    CHANUNAVAIL = "CHANUNAVAIL"
    DONTCALL = "DONTCALL"
    TORTURE = "TORTURE"
    INVALIDARGS = "INVALIDARGS"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallerID:
    name: str
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DialplanCEP:
    context: str
    exten: str
    priority: int
    app_name: str
    app_data: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    id: str
    name: str
    state: ChannelState
    # The SIP Call-ID for PJSIP, "" for Local channels.
    protocol_id: str
    caller: CallerID
    connected: CallerID
    accountcode: str
    dialplan: DialplanCEP
    creationtime: datetime
    language: str
    caller_rdnis: str | None = None
    tenantid: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Bridge:
    id: str
    technology: str
    bridge_type: BridgeType
    bridge_class: str
    creator: str
    name: str
    channels: tuple[str, ...]
    creationtime: datetime
    video_mode: str | None = None
    video_source_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Playback:
    id: str
    media_uri: str
    target_uri: str
    state: PlaybackState
    language: str | None = None
    next_media_uri: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveRecording:
    name: str
    format: str
    target_uri: str
    state: RecordingState
    # Whole seconds, present on RecordingFinished (2 for a 2.5-2.8 s file in ari_stasis_flow).
    duration: int | None = None
    talking_duration: int | None = None
    silence_duration: int | None = None
    cause: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredRecording:
    name: str
    format: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    technology: str
    resource: str
    channel_ids: tuple[str, ...]
    state: EndpointState | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceState:
    name: str
    state: DeviceStateValue


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactInfo:
    uri: str
    contact_status: ContactStatus
    aor: str
    # A string on the wire ("617"), as the Swagger says (ari_register_devicestate).
    roundtrip_usec: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Peer:
    # Technology-dependent (PJSIP: Reachable, Unreachable...), so not an enum.
    peer_status: str
    cause: str | None = None
    address: str | None = None
    port: str | None = None
    time: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Application:
    name: str
    channel_ids: tuple[str, ...]
    bridge_ids: tuple[str, ...]
    endpoint_ids: tuple[str, ...]
    device_names: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildInfo:
    os: str
    kernel: str
    options: str
    machine: str
    date: str
    user: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemInfo:
    version: str
    entity_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetId:
    user: str
    group: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigInfo:
    name: str
    default_language: str
    setid: SetId
    max_channels: int | None = None
    max_open_files: int | None = None
    max_load: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusInfo:
    startup_time: datetime
    last_reload_time: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AsteriskInfo:
    build: BuildInfo | None = None
    system: SystemInfo | None = None
    config: ConfigInfo | None = None
    status: StatusInfo | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AdditionalParam:
    parameter_name: str
    parameter_value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RequiredDestination:
    protocol_id: str | None = None
    destination: str | None = None
    additional_protocol_params: tuple[AdditionalParam, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferTo:
    requested_destination: RequiredDestination
    destination_channel: Channel | None = None
    connected_channel: Channel | None = None
    bridge: Bridge | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferredBy:
    source_channel: Channel
    connected_channel: Channel | None = None
    bridge: Bridge | None = None


MODELS: tuple[type, ...] = (
    CallerID, DialplanCEP, Channel, Bridge, Playback, LiveRecording, StoredRecording, Endpoint, DeviceState,
    ContactInfo, Peer, Application, BuildInfo, SystemInfo, SetId, ConfigInfo, StatusInfo, AsteriskInfo,
    AdditionalParam, RequiredDestination, ReferTo, ReferredBy,
)  # fmt: skip
