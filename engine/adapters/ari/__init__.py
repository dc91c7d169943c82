"""The engine's ARI adapter: aiohttp REST + WebSocket in, typed events and results out.

    client = AriClient(settings.ari, clock, on_event=queue.put_nowait)
    tasks.create_task(client.run())                  # the one reader of the socket
    channel = await client.send(OriginateChannel(endpoint="PJSIP/1001", app=settings.ari.app))

Events (engine.pbx.ari_events) arrive in order through `on_event`; commands are engine.pbx.ari_commands.
"""

from engine.adapters.ari.client import AriClient
from engine.adapters.ari.decode import DecodeError, decode, decode_event, parse_timestamp
from engine.adapters.ari.errors import (
    ApplicationReplacedError,
    AriAuthError,
    AriBadRequest,
    AriConflict,
    AriConnectionError,
    AriError,
    AriNotFound,
    AriProtocolError,
    AriServerError,
    AriUnprocessable,
    EndpointUnavailable,
    GoneKind,
    ResourceGone,
)
from engine.adapters.backoff import Backoff

__all__ = [
    "ApplicationReplacedError",
    "AriAuthError",
    "AriBadRequest",
    "AriClient",
    "AriConflict",
    "AriConnectionError",
    "AriError",
    "AriNotFound",
    "AriProtocolError",
    "AriServerError",
    "AriUnprocessable",
    "Backoff",
    "DecodeError",
    "EndpointUnavailable",
    "GoneKind",
    "ResourceGone",
    "decode",
    "decode_event",
    "parse_timestamp",
]
