"""`/ari/channels...`: list, get, originate, create/dial, hangup and the per-channel operations.

Status codes as recorded (NOTES ARI 2, 15-17; transcripts/ari_stasis_flow, ari_outbound_outcomes,
ari_continue_redirect): originate/create/snoop 200 with the Channel; play and record 201 with `Location`;
answer, ring, hold, mute, moh, silence, dtmf, variable set, dial, continue, redirect and DELETE 204 without
a content type and - for ring/moh/silence/hold/mute - without any ARI event. Operations on a channel that
is not in Stasis answer 409 "Channel not in Stasis application" (the engine's adapter treats it, with 404,
as a vanished channel).
"""

from __future__ import annotations

from aiohttp import web

from pbxsim.ari import http
from pbxsim.ari.render import channel_json, playback_json, recording_json
from pbxsim.ari.routing import Route, created, listing, model_of, number, params, text, variables
from pbxsim.model import CallModel, dialing
from pbxsim.model import redirect as redirects
from pbxsim.model.calls import HANGUP_REASONS
from pbxsim.model.errors import ModelError, bad_request, not_found, unprocessable
from pbxsim.model.objects import Channel, Dialplan


def _id(request: web.Request) -> str:
    return request.match_info["channelId"]


async def list_channels(request: web.Request) -> web.StreamResponse:
    # Every channel of the system, not only the app's (issue 4 item 6; ari_stasis_flow t=11.221).
    return http.json_response([channel_json(c) for c in model_of(request).channels.values()])


async def get_channel(request: web.Request) -> web.StreamResponse:
    return http.json_response(channel_json(model_of(request).channel(_id(request))))


async def _originate(request: web.Request, channel_id: str | None) -> web.StreamResponse:
    model = model_of(request)
    values = await params(request)
    endpoint = text(values, "endpoint")
    if not endpoint:
        raise bad_request("Endpoint must be specified")
    app, extension = text(values, "app"), text(values, "extension")
    if not app and not extension:
        raise bad_request("Application or extension must be specified")
    location = None
    if not app and extension:
        # channels.json: context and priority default to "default" and 1 (ari_amd: amd-test/detect/1)
        context = text(values, "context") or "default"
        location = Dialplan(context, extension, int(number(values, "priority", 1)))
    channel = dialing.originate(
        model,
        endpoint,
        app,
        listing(values, "appArgs"),
        channel_id or text(values, "channelId"),
        text(values, "otherChannelId"),
        text(values, "callerId"),
        number(values, "timeout", dialing.DEFAULT_TIMEOUT),
        variables(values),
        location,
    )
    return http.json_response(channel_json(channel))


async def originate(request: web.Request) -> web.StreamResponse:
    return await _originate(request, None)


async def originate_with_id(request: web.Request) -> web.StreamResponse:
    return await _originate(request, _id(request))


async def create(request: web.Request) -> web.StreamResponse:
    values = await params(request)
    endpoint, app = text(values, "endpoint"), text(values, "app")
    if not endpoint:
        raise bad_request("Endpoint must be specified")
    if not app:
        raise bad_request("Application must be specified")
    channel = dialing.create(
        model_of(request),
        endpoint,
        app,
        listing(values, "appArgs"),
        text(values, "channelId"),
        text(values, "otherChannelId"),
        variables(values),
    )
    return http.json_response(channel_json(channel))


async def dial(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    channel = model.stasis_channel(_id(request))
    values = await params(request)
    dialing.dial(model, channel, number(values, "timeout", 0))
    return http.no_content()


async def hangup(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    channel = model.channel(_id(request))
    values = await params(request)
    code, reason = text(values, "reason_code"), text(values, "reason")
    if code is not None and reason is not None:
        raise bad_request("The reason and reason_code can't both be specified")
    cause = 16
    if code is not None:
        cause = int(number(values, "reason_code", 16))
    elif reason is not None:
        if reason not in HANGUP_REASONS:
            raise bad_request("Invalid reason for hangup provided")
        cause = HANGUP_REASONS[reason]
    model.hangup(channel, cause)
    return http.no_content()


def _stasis(request: web.Request) -> tuple[CallModel, Channel]:
    model = model_of(request)
    return model, model.stasis_channel(_id(request))


async def answer(request: web.Request) -> web.StreamResponse:
    model, channel = _stasis(request)
    model.answer(channel)
    return http.no_content()


async def ring(request: web.Request) -> web.StreamResponse:
    model, channel = _stasis(request)
    model.media.set_ringing(channel, request.method == "POST")
    return http.no_content()


async def hold(request: web.Request) -> web.StreamResponse:
    model, channel = _stasis(request)
    model.media.set_hold(channel, request.method == "POST")
    return http.no_content()


async def moh(request: web.Request) -> web.StreamResponse:
    model, channel = _stasis(request)
    if request.method == "POST":
        model.media.moh_start(channel, text(await params(request), "mohClass"))
    else:
        model.media.moh_stop(channel)
    return http.no_content()


async def silence(request: web.Request) -> web.StreamResponse:
    model, channel = _stasis(request)
    model.media.set_silence(channel, request.method == "POST")
    return http.no_content()


async def mute(request: web.Request) -> web.StreamResponse:
    _, channel = _stasis(request)
    direction = text(await params(request), "direction", "both") or "both"
    if direction not in ("both", "in", "out"):
        raise bad_request("Invalid direction specified")
    directions = {"in", "out"} if direction == "both" else {direction}
    if request.method == "POST":
        channel.muted |= directions
    else:
        channel.muted -= directions
    return http.no_content()


async def send_dtmf(request: web.Request) -> web.StreamResponse:
    model, channel = _stasis(request)
    values = await params(request)
    digits = text(values, "dtmf")
    if not digits:
        raise bad_request("DTMF is required")
    before, between = int(number(values, "before", 0)), int(number(values, "between", 100))
    model.send_dtmf(channel, digits, before, between, int(number(values, "duration", 100)))
    return http.no_content()


async def play(request: web.Request) -> web.StreamResponse:
    model, channel = _stasis(request)
    values = await params(request)
    playback_id = request.match_info.get("playbackId") or text(values, "playbackId")
    playback = model.media.play(channel, listing(values, "media"), text(values, "lang"), playback_id)
    return created(playback_json(playback), f"/ari/playbacks/{playback.id}")


async def record(request: web.Request) -> web.StreamResponse:
    model, channel = _stasis(request)
    values = await params(request)
    recording = model.recordings.record(
        channel,
        text(values, "name") or "",
        text(values, "format") or "",
        number(values, "maxDurationSeconds", 0),
        text(values, "ifExists", "fail") or "fail",
    )
    return created(recording_json(recording), f"/ari/recordings/live/{recording.name}")


async def get_variable(request: web.Request) -> web.StreamResponse:
    channel = model_of(request).channel(_id(request))
    name = text(await params(request), "variable")
    if not name:
        raise bad_request("Variable name is required")
    if name not in channel.variables:
        # Recorded reason phrase and body (ari_stasis_flow t=4.728).
        raise ModelError(404, "Variable Not Found", "Provided variable was not found")
    return http.json_response({"value": channel.variables[name]})


async def set_variable(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    channel = model.channel(_id(request))
    values = await params(request)
    name = text(values, "variable")
    if not name:
        raise bad_request("Variable name is required")
    model.set_var(channel, name, text(values, "value", "") or "")
    return http.no_content()


async def snoop(request: web.Request) -> web.StreamResponse:
    model = model_of(request)
    spyee = model.channel(_id(request))
    values = await params(request)
    app = text(values, "app")
    if not app:
        raise bad_request("Application name is required")
    snoop_id = request.match_info.get("snoopId") or text(values, "snoopId")
    channel = model.snoop(
        spyee,
        text(values, "spy", "none") or "none",
        text(values, "whisper", "none") or "none",
        app,
        listing(values, "appArgs"),
        snoop_id,
    )
    return http.json_response(channel_json(channel))


async def continue_in_dialplan(request: web.Request) -> web.StreamResponse:
    """Back to the dialplan: StasisEnd, then the world's dialplan (NOTES 16). A label supersedes the priority
    (channels.json); one the world does not know for the context is 404 (ari_continue_redirect t=13.397)."""
    model, channel = _stasis(request)
    values = await params(request)
    context = text(values, "context") or channel.dialplan.context
    exten = text(values, "extension") or channel.dialplan.exten
    label = text(values, "label")
    if label:
        step = model.world.labels.get((context, label))
        if step is None:
            raise not_found("Requested label can not be found")
        redirects.continue_to_label(model, channel, context, exten, step)
        return http.no_content()
    priority = int(number(values, "priority", channel.dialplan.priority + 1))
    redirects.continue_in_dialplan(model, channel, context, exten, priority)
    return http.no_content()


async def redirect(request: web.Request) -> web.StreamResponse:
    model, channel = _stasis(request)
    endpoint = text(await params(request), "endpoint")
    if not endpoint:
        raise ModelError(400, "Not Found", "Required parameter 'endpoint' not provided.")  # sic, NOTES 17
    tech, sep, _ = endpoint.partition("/")
    if not sep:
        raise unprocessable(f"Endpoint parameter '{endpoint}' does not contain tech/resource")
    if tech.lower() != channel.tech.lower():
        raise unprocessable(f"Endpoint technology '{tech}' does not match channel technology '{channel.tech}'")
    redirects.redirect(model, channel, endpoint)  # Local: nothing; PJSIP: REFER or 302 (NOTES 17)
    return http.no_content()


ROUTES: list[Route] = [
    ("GET", "/ari/channels", list_channels),
    ("POST", "/ari/channels", originate),
    ("POST", "/ari/channels/create", create),
    ("GET", "/ari/channels/{channelId}", get_channel),
    ("POST", "/ari/channels/{channelId}", originate_with_id),
    ("DELETE", "/ari/channels/{channelId}", hangup),
    ("POST", "/ari/channels/{channelId}/continue", continue_in_dialplan),
    ("POST", "/ari/channels/{channelId}/redirect", redirect),
    ("POST", "/ari/channels/{channelId}/answer", answer),
    ("POST", "/ari/channels/{channelId}/ring", ring),
    ("DELETE", "/ari/channels/{channelId}/ring", ring),
    ("POST", "/ari/channels/{channelId}/dtmf", send_dtmf),
    ("POST", "/ari/channels/{channelId}/mute", mute),
    ("DELETE", "/ari/channels/{channelId}/mute", mute),
    ("POST", "/ari/channels/{channelId}/hold", hold),
    ("DELETE", "/ari/channels/{channelId}/hold", hold),
    ("POST", "/ari/channels/{channelId}/moh", moh),
    ("DELETE", "/ari/channels/{channelId}/moh", moh),
    ("POST", "/ari/channels/{channelId}/silence", silence),
    ("DELETE", "/ari/channels/{channelId}/silence", silence),
    ("POST", "/ari/channels/{channelId}/play", play),
    ("POST", "/ari/channels/{channelId}/play/{playbackId}", play),
    ("POST", "/ari/channels/{channelId}/record", record),
    ("GET", "/ari/channels/{channelId}/variable", get_variable),
    ("POST", "/ari/channels/{channelId}/variable", set_variable),
    ("POST", "/ari/channels/{channelId}/snoop", snoop),
    ("POST", "/ari/channels/{channelId}/snoop/{snoopId}", snoop),
    ("POST", "/ari/channels/{channelId}/dial", dial),
]
