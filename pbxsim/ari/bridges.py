"""`/ari/bridges...`: create (200, not 201), get, list, add/remove channels, play, record, moh, destroy.

Recorded answers (NOTES ARI 2 and 15; ari_stasis_flow, ari_continue_redirect): unknown bridge -> 404
"Bridge not found" with reason phrase "Not found"; addChannel with an unknown channel -> 400 "Channel not
found"; DELETE moh when no music plays -> 409 "Bridge isn't playing music"; add/remove/destroy/moh -> 204.
"""

from __future__ import annotations

from aiohttp import web

from pbxsim.ari import http
from pbxsim.ari.render import bridge_json, playback_json, recording_json
from pbxsim.ari.routing import Route, created, listing, model_of, number, params, text
from pbxsim.model import bridging
from pbxsim.model.errors import bad_request


def _id(request: web.Request) -> str:
    return request.match_info["bridgeId"]


async def list_bridges(request: web.Request) -> web.StreamResponse:
    return http.json_response([bridge_json(b) for b in model_of(request).bridges.values()])


async def create(request: web.Request) -> web.StreamResponse:
    values = await params(request)
    bridge_id = request.match_info.get("bridgeId") or text(values, "bridgeId")
    kind = text(values, "type", "mixing") or "mixing"
    bridge = bridging.create(model_of(request), kind, bridge_id, text(values, "name"))
    return http.json_response(bridge_json(bridge))


async def get_bridge(request: web.Request) -> web.StreamResponse:
    return http.json_response(bridge_json(model_of(request).bridge(_id(request))))


async def destroy(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    bridging.destroy(model, model.bridge(_id(request)))
    return http.no_content()


async def add_channel(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    bridge = model.bridge(_id(request))
    ids = listing(await params(request), "channel")
    if not ids:
        raise bad_request("Missing parameter channel")
    bridging.add_channels(model, bridge, ids)
    return http.no_content()


async def remove_channel(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    bridge = model.bridge(_id(request))
    ids = listing(await params(request), "channel")
    if not ids:
        raise bad_request("Missing parameter channel")
    bridging.remove_channels(model, bridge, ids)
    return http.no_content()


async def play(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    bridge = model.bridge(_id(request))
    values = await params(request)
    playback_id = request.match_info.get("playbackId") or text(values, "playbackId")
    playback = model.media.play(bridge, listing(values, "media"), text(values, "lang"), playback_id)
    return created(playback_json(playback), f"/ari/playbacks/{playback.id}")


async def record(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    bridge = model.bridge(_id(request))
    values = await params(request)
    recording = model.recordings.record(
        bridge,
        text(values, "name") or "",
        text(values, "format") or "",
        number(values, "maxDurationSeconds", 0),
        text(values, "ifExists", "fail") or "fail",
    )
    return created(recording_json(recording), f"/ari/recordings/live/{recording.name}")


async def moh(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    bridge = model.bridge(_id(request))
    if request.method == "POST":
        model.media.bridge_moh(bridge, text(await params(request), "mohClass"))
    else:
        model.media.bridge_moh_stop(bridge)
    return http.no_content()


ROUTES: list[Route] = [
    ("GET", "/ari/bridges", list_bridges),
    ("POST", "/ari/bridges", create),
    ("POST", "/ari/bridges/{bridgeId}", create),
    ("GET", "/ari/bridges/{bridgeId}", get_bridge),
    ("DELETE", "/ari/bridges/{bridgeId}", destroy),
    ("POST", "/ari/bridges/{bridgeId}/addChannel", add_channel),
    ("POST", "/ari/bridges/{bridgeId}/removeChannel", remove_channel),
    ("POST", "/ari/bridges/{bridgeId}/moh", moh),
    ("DELETE", "/ari/bridges/{bridgeId}/moh", moh),
    ("POST", "/ari/bridges/{bridgeId}/play", play),
    ("POST", "/ari/bridges/{bridgeId}/play/{playbackId}", play),
    ("POST", "/ari/bridges/{bridgeId}/record", record),
]
