"""ARI playbacks, recordings, endpoints, device states, applications and asterisk info as typed commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from engine.pbx.ari_commands.base import (
    DELETE,
    GET,
    POST,
    PUT,
    AppName,
    AriCommand,
    RecordingName,
    Returns,
    body,
    path,
    query,
)
from engine.pbx.ari_models import (
    Application,
    AsteriskInfo,
    DeviceState,
    Endpoint,
    LiveRecording,
    Playback,
    StoredRecording,
)

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
class FilterApplicationEvents(AriCommand[Application]):
    """PUT /applications/{app}/eventFilter with {"allowed": [{"type": ...}], "disallowed": [...]}: a list left out
    is not changed; an empty allowed list means every event; disallowed wins."""

    METHOD, PATH, RETURNS, MODEL = PUT, "/applications/{applicationName}/eventFilter", Returns.ONE, Application
    BODY_IS_PARAMETER = True
    application: AppName
    filter: Annotated[Mapping[str, Any] | None, body("filter")] = None

    @classmethod
    def disallowing(cls, application: str, event_types: tuple[str, ...]) -> FilterApplicationEvents:
        return cls(application=application, filter={"disallowed": [{"type": name} for name in event_types]})


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
