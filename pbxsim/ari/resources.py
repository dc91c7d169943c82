"""`/ari/playbacks`, `/ari/recordings`, `/ari/endpoints`, `/ari/applications`.

Recorded shapes: Application {name, channel_ids, bridge_ids, endpoint_ids, device_names, events_allowed,
events_disallowed}; unknown app -> 404 "Application not found" (ari_ws_reconnect t=11.053). Endpoint
{technology, resource, state, channel_ids} (ari_register_devicestate). Stored recording {name, format}; the
live one 404 "Recording not found" once stopped (ari_stasis_flow t=8.749); stored list without a
recordings dir -> 500 `{"error":"Allocation failed"}` (extra/norecdir-ari_stasis_flow). Subscribing to an
event source that does not exist -> 422 "Event source does not exist" (NOTES "Later recordings" 11).
"""

from __future__ import annotations

import json

from aiohttp import web

from pbxsim.ari import http
from pbxsim.ari.render import app_json, endpoint_json, playback_json, recording_json
from pbxsim.ari.routing import Route, listing, model_of, params
from pbxsim.model.errors import ModelError, bad_request, not_found, unprocessable
from pbxsim.model.stasis import App

# ------------------------------------------------------------------------------------------ playbacks


async def get_playback(request: web.Request) -> web.StreamResponse:
    playback = model_of(request).media.playbacks.get(request.match_info["playbackId"])
    if playback is None:
        raise not_found("Playback not found")
    return http.json_response(playback_json(playback))


async def stop_playback(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    playback = model.media.playbacks.get(request.match_info["playbackId"])
    if playback is None:
        raise not_found("Playback not found")
    model.media.stop(playback)
    return http.no_content()


# ------------------------------------------------------------------------------------------ recordings


async def get_live(request: web.Request) -> web.StreamResponse:
    return http.json_response(recording_json(model_of(request).recordings.get_live(request.match_info["name"])))


async def stop_live(request: web.Request) -> web.StreamResponse:
    recordings = model_of(request).recordings
    recordings.stop(recordings.get_live(request.match_info["name"]))
    return http.no_content()


async def cancel_live(request: web.Request) -> web.StreamResponse:
    recordings = model_of(request).recordings
    recordings.cancel(recordings.get_live(request.match_info["name"]))
    return http.no_content()


async def list_stored(request: web.Request) -> web.StreamResponse:
    stored = model_of(request).recordings.stored()
    return http.json_response([{"name": name, "format": fmt} for name, fmt in stored])


async def get_stored(request: web.Request) -> web.StreamResponse:
    path = model_of(request).recordings.stored_path(request.match_info["name"])
    return http.json_response({"name": request.match_info["name"], "format": path.suffix[1:]})


async def get_stored_file(request: web.Request) -> web.StreamResponse:
    path = model_of(request).recordings.stored_path(request.match_info["name"])
    headers = {"Server": "Asterisk", "Cache-Control": "no-cache, no-store", "Content-Type": "audio/wav"}
    return web.Response(body=path.read_bytes(), headers=headers)


async def delete_stored(request: web.Request) -> web.StreamResponse:
    model_of(request).recordings.delete_stored(request.match_info["name"])
    return http.no_content()


# ------------------------------------------------------------------------------------------ endpoints


async def list_endpoints(request: web.Request) -> web.StreamResponse:
    endpoints = sorted(model_of(request).world.endpoints.values(), key=lambda e: (e.tech, e.resource))
    return http.json_response([endpoint_json(e) for e in endpoints])


async def list_endpoints_by_tech(request: web.Request) -> web.StreamResponse:
    tech = request.match_info["tech"]
    endpoints = sorted(
        (e for e in model_of(request).world.endpoints.values() if e.tech.lower() == tech.lower()),
        key=lambda e: e.resource,
    )
    if not endpoints:
        raise not_found("No Endpoints found - invalid tech " + tech)
    return http.json_response([endpoint_json(e) for e in endpoints])


async def get_endpoint(request: web.Request) -> web.StreamResponse:
    key = f"{request.match_info['tech']}/{request.match_info['resource']}"
    endpoint = model_of(request).world.endpoints.get(key)
    if endpoint is None:
        raise not_found("Endpoint not found")
    return http.json_response(endpoint_json(endpoint))


# ------------------------------------------------------------------------------------------ applications


def _app(request: web.Request) -> App:
    app = model_of(request).stasis.get(request.match_info["applicationName"])
    if app is None:
        raise not_found("Application not found")
    return app


async def list_apps(request: web.Request) -> web.StreamResponse:
    return http.json_response([app_json(app) for app in model_of(request).stasis.apps.values()])


async def get_app(request: web.Request) -> web.StreamResponse:
    return http.json_response(app_json(_app(request)))


async def event_filter(request: web.Request) -> web.StreamResponse:
    """The body is the filter itself: {"allowed": [{"type": ...}], "disallowed": [...]}; a list not given is
    left as it was, an empty body clears both (ari-api-docs/applications.json, filter)."""
    app = _app(request)
    raw = await request.read()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return http.error_response(400, "Bad Request", "Invalid JSON body")
    if not isinstance(body, dict):
        return http.error_response(400, "Bad Request", "Invalid filter")
    if not body:
        app.events_allowed, app.events_disallowed = [], []
    for key, target in (("allowed", "events_allowed"), ("disallowed", "events_disallowed")):
        if key in body:
            items = body[key]
            if not isinstance(items, list) or not all(isinstance(i, dict) and "type" in i for i in items):
                return http.error_response(400, "Bad Request", "Invalid filter")
            setattr(app, target, [str(item["type"]) for item in items])
    return http.json_response(app_json(app))


async def subscription(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    app = _app(request)
    sources = listing(await params(request), "eventSource")
    if not sources:
        raise bad_request("Missing parameter eventSource")
    subscribe = request.method == "POST"
    resolved = []
    for source in sources:
        kind, _, name = source.partition(":")
        known = {
            "channel": name in model.channels,
            "bridge": name in model.bridges,
            "endpoint": name in model.world.endpoints,
            "deviceState": bool(name),
        }
        if not known.get(kind, False):
            raise unprocessable("Event source does not exist")
        resolved.append((kind, name))
    for kind, name in resolved:
        if kind == "channel":
            held = name in app.channels
            if subscribe:
                model.stasis.subscribe_channel(app.name, model.channels[name])
            elif held:
                model.stasis.unsubscribe_channel(app.name, model.channels[name])
            else:
                raise ModelError(409, "Conflict", "Application not subscribed to event source")
        elif kind == "bridge":
            if subscribe:
                model.stasis.subscribe_bridge(app.name, model.bridges[name])
            else:
                model.stasis.unsubscribe_bridge(app.name, model.bridges[name])
        else:
            target = app.endpoints if kind == "endpoint" else app.devices
            if subscribe:
                target[name] = None
            else:
                target.pop(name, None)
    return http.json_response(app_json(app))


ROUTES: list[Route] = [
    ("GET", "/ari/playbacks/{playbackId}", get_playback),
    ("DELETE", "/ari/playbacks/{playbackId}", stop_playback),
    ("GET", "/ari/recordings/stored", list_stored),
    ("GET", "/ari/recordings/stored/{name}", get_stored),
    ("DELETE", "/ari/recordings/stored/{name}", delete_stored),
    ("GET", "/ari/recordings/stored/{name}/file", get_stored_file),
    ("GET", "/ari/recordings/live/{name}", get_live),
    ("DELETE", "/ari/recordings/live/{name}", cancel_live),
    ("POST", "/ari/recordings/live/{name}/stop", stop_live),
    ("GET", "/ari/endpoints", list_endpoints),
    ("GET", "/ari/endpoints/{tech}", list_endpoints_by_tech),
    ("GET", "/ari/endpoints/{tech}/{resource}", get_endpoint),
    ("GET", "/ari/applications", list_apps),
    ("GET", "/ari/applications/{applicationName}", get_app),
    ("POST", "/ari/applications/{applicationName}/subscription", subscription),
    ("DELETE", "/ari/applications/{applicationName}/subscription", subscription),
    ("PUT", "/ari/applications/{applicationName}/eventFilter", event_filter),
]
