"""Typed ARI failures, classified from the status and the body's `message` (or `error`) text.

What the recordings of Asterisk 22.10.1 show (NOTES.md ARI 2, outbound 3):
- a vanished channel is 404 "Channel not found", but 400 "Channel not found" on addChannel, and 409
  "Channel not in a Stasis application" when it left Stasis: all `ResourceGone`, normal when a caller hangs up
  mid-request; the client also puts a `ChannelGone`/`BridgeGone` event on the ordered stream;
- POST /channels or /channels/create to an endpoint with no contact is 500 {"error":"Allocation failed"}
  (key `error`, not `message`): `EndpointUnavailable`, an originate outcome rather than a server fault;
- 401 "Authentication required": `AriAuthError`, never retried.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from engine.adapters.ari.wire import params_of
from engine.errors import CallhiveError
from engine.pbx.ari_commands import AddChannelToBridge, AriCommand, CreateChannel, OriginateChannel, Param, ParamKind


class AriError(Exception):
    """An ARI request failed. `status` is None when no HTTP answer came back."""

    def __init__(self, request: str, status: int | None, message: str) -> None:
        super().__init__(f"{request}: {status if status is not None else 'no answer'} {message}".rstrip())
        self.request = request
        self.status = status
        self.message = message


class AriConnectionError(AriError):
    """No answer (refused, reset, timed out). For anything but a GET the outcome is unknown: not retried."""


class AriProtocolError(AriError):
    """A 2xx answer whose body does not have the declared shape."""


class AriBadRequest(AriError):
    pass


class AriNotFound(AriError):
    """404 for something other than a channel or bridge (a variable, a recording, a dialplan label...)."""


class AriConflict(AriError):
    pass


class AriUnprocessable(AriError):
    pass


class AriServerError(AriError):
    pass


class EndpointUnavailable(AriServerError):
    """Originate to an endpoint that does not exist or has no registered contact."""


class AriAuthError(AriError, CallhiveError):
    """Wrong ARI username or password (ari.conf): fix the settings; retrying cannot help."""


class GoneKind(StrEnum):
    CHANNEL = "channel"
    BRIDGE = "bridge"


class ResourceGone(AriError):
    def __init__(self, request: str, status: int, message: str, kind: GoneKind, ids: tuple[str, ...]) -> None:
        super().__init__(request, status, message)
        self.kind = kind
        self.ids = ids


class ApplicationReplacedError(CallhiveError):
    """Another connection took the ARI app over: another engine drives these calls; this one must stop."""

    def __init__(self, app: str) -> None:
        super().__init__(
            f"ARI application '{app}' was taken over by another connection (ApplicationReplaced): "
            "another engine is driving it, so this one stops"
        )
        self.app = app


def error_message(body: bytes, reason: str) -> str:
    """Asterisk's error text: {"message": ...} mostly, {"error": ...} for allocation failures."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return reason


def _ids(command: AriCommand[Any], kind: ParamKind, name: str) -> tuple[str, ...]:
    found: list[str] = []
    for attr, param in params_of(type(command)):
        if param == Param(kind, name):
            value = getattr(command, attr)
            found.extend(value if isinstance(value, tuple) else (value,))
    return tuple(found)


def classify(command: AriCommand[Any], request: str, status: int, reason: str, body: bytes) -> AriError:
    message = error_message(body, reason)
    text = message.lower()
    channels = _ids(command, ParamKind.PATH, "channelId") + _ids(command, ParamKind.QUERY, "channel")
    bridges = _ids(command, ParamKind.PATH, "bridgeId")
    if status == 401:
        return AriAuthError(request, status, message)
    channel_missing = status in (400, 404) and text.startswith(("channel not found", "channel cannot be found"))
    left_stasis = status in (409, 422) and text.startswith("channel not in")
    if channels and (channel_missing or left_stasis or (status == 422 and isinstance(command, AddChannelToBridge))):
        return ResourceGone(request, status, message, GoneKind.CHANNEL, channels)
    if bridges and status == 404 and text.startswith("bridge not found"):
        return ResourceGone(request, status, message, GoneKind.BRIDGE, bridges)
    if status == 500 and "allocation failed" in text and isinstance(command, OriginateChannel | CreateChannel):
        return EndpointUnavailable(request, status, message)
    by_status: dict[int, type[AriError]] = {
        400: AriBadRequest, 404: AriNotFound, 409: AriConflict, 422: AriUnprocessable,
    }  # fmt: skip
    if status >= 500:
        return AriServerError(request, status, message)
    return by_status.get(status, AriError)(request, status, message)
