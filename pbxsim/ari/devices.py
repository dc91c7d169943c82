"""ARI rendering of the device book's events (pbxsim.model.devices) for apps subscribed to them.

Recorded in transcripts/ari_register_devicestate.ws.jsonl (NOTES "Later recordings" 9-11):
    ContactStatusChange  type, timestamp, endpoint, contact_info {uri, contact_status, aor, roundtrip_usec}
                         - `roundtrip_usec` is a *string* ("617")
    PeerStatusChange     type, timestamp, endpoint, peer {peer_status}
    EndpointStateChange  type, timestamp, endpoint
    DeviceStateChanged   type, **application**, timestamp, device_state {name, state}, asterisk_id - the one
                         event that puts `application` before `timestamp`
Endpoint events reach apps subscribed to `endpoint:PJSIP/x`, device states apps subscribed to
`deviceState:PJSIP/x` (POST /applications/{app}/subscription). Finding them scans the registered apps, of
which there are a handful, never the channels. The app's event filter (PUT /applications/{app}/eventFilter)
applies to these as to every other event - ari-api-docs/applications.json: with an allowed list "only
those ... event type messages are sent to the application. No other event messages are sent." - so a
subscribed app that disallows, say, ContactStatusChange still gets the other three, and one that allows
only StasisStart/StasisEnd gets none of them. (Not recorded: the recorded runs set no filter.)
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pbxsim.ari import http
from pbxsim.ari.render import endpoint_json
from pbxsim.ari.routing import Route
from pbxsim.core import iso_millis
from pbxsim.model import CallModel
from pbxsim.model import events as ev

DeviceEvent = ev.ContactStatusChanged | ev.PeerStatusChanged | ev.EndpointStateChanged | ev.DeviceStateChanged
_ENDPOINT_EVENT_TYPES: dict[type, str] = {
    ev.ContactStatusChanged: "ContactStatusChange",
    ev.PeerStatusChanged: "PeerStatusChange",
    ev.EndpointStateChanged: "EndpointStateChange",
}


def frames(model: CallModel, event: DeviceEvent, now: float, asterisk_id: str) -> list[tuple[str, dict[str, Any]]]:
    """[(app, complete event body)] for every app subscribed to the event's endpoint or device."""
    if isinstance(event, ev.DeviceStateChanged):
        apps = [
            app.name
            for app in model.stasis.apps.values()
            if event.device in app.devices and app.wants("DeviceStateChanged")
        ]
        state = {"name": event.device, "state": event.state}
        return [
            (app, {"type": "DeviceStateChanged", "application": app, "timestamp": iso_millis(now),
                   "device_state": state, "asterisk_id": asterisk_id})
            for app in apps
        ]  # fmt: skip
    kind = _ENDPOINT_EVENT_TYPES[type(event)]
    apps = [app.name for app in model.stasis.apps.values() if event.endpoint in app.endpoints and app.wants(kind)]
    endpoint = model.world.endpoints.get(event.endpoint)
    if not apps or endpoint is None:
        return []
    body: dict[str, Any] = {"timestamp": iso_millis(now), "endpoint": endpoint_json(endpoint)}
    if isinstance(event, ev.ContactStatusChanged):
        body = {"type": kind, **body}
        body["contact_info"] = {
            "uri": event.uri,
            "contact_status": event.status,
            "aor": event.aor,
            "roundtrip_usec": str(event.roundtrip_usec),
        }
    elif isinstance(event, ev.PeerStatusChanged):
        body = {"type": kind, **body, "peer": {"peer_status": event.status}}
    else:
        body = {"type": kind, **body}
    return [(app, {**body, "asterisk_id": asterisk_id, "application": app}) for app in apps]


async def list_device_states(request: web.Request) -> web.StreamResponse:
    """`GET /deviceStates` lists only the states ARI apps control (`Stasis:<name>`, PUT /deviceStates/..),
    never PJSIP endpoints': the recorded box answered `[]` before, while and after 1003 was registered
    (ari_register_devicestate t=0.811, 4.330, 8.340). pbxsim has no app-controlled states."""
    del request
    return http.json_response([])


ROUTES: list[Route] = [("GET", "/ari/deviceStates", list_device_states)]
