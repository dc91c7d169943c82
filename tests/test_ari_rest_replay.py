"""Contract: every recorded ARI REST exchange replayed through the typed commands and the real client.

A test-side reverse router maps each recorded request to the typed command that must produce it exactly; the
replay server only answers a request whose method, path and query equal the recorded ones, so the replay
checks the adapter's encoding against what was sent to a real Asterisk 22.10.1, and the recorded answers
(status, reason, Content-Type, raw body) check its typed results and errors. Requests no typed command can
express on purpose (a missing required parameter: no media, no endpoint; spy=bogus; an unknown path) map to
None and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from engine.adapters.ari import (
    AriAuthError,
    AriBadRequest,
    AriClient,
    AriConflict,
    AriError,
    AriNotFound,
    AriServerError,
    AriUnprocessable,
    EndpointUnavailable,
    GoneKind,
    ResourceGone,
)
from engine.pbx import ari_commands as c
from engine.pbx.ari_events import AriEvent, BridgeGone, ChannelGone
from engine.pbx.ari_models import Application, Channel, ChannelState, LiveRecording, RecordingState
from pbxsim.clock import ManualClock
from tests.ari_replay import Exchange, ReplayServer, load_transcript, serving, settings

Q = dict[str, str]
Builder = Callable[[tuple[str, ...], Q], "c.AriCommand[Any] | None"]


def _split(value: str | None) -> tuple[str, ...] | None:
    return tuple(value.split(",")) if value is not None else None


def _int(value: str | None) -> int | None:
    return int(value) if value is not None else None


def _bool(value: str | None) -> bool | None:
    return None if value is None else value == "true"


def _originate(_: tuple[str, ...], q: Q) -> c.AriCommand[Any]:
    return c.OriginateChannel(
        endpoint=q["endpoint"], app=q.get("app"), app_args=_split(q.get("appArgs")), caller_id=q.get("callerId"),
        timeout=_int(q.get("timeout")), channel_id=q.get("channelId"), context=q.get("context"),
        extension=q.get("extension"), priority=_int(q.get("priority")),
    )  # fmt: skip


def _snoop(g: tuple[str, ...], q: Q) -> c.AriCommand[Any] | None:
    try:
        spy = c.SnoopDirection(q["spy"]) if "spy" in q else None
        whisper = c.SnoopDirection(q["whisper"]) if "whisper" in q else None
    except ValueError:
        return None  # spy=bogus cannot be typed
    return c.SnoopChannel(
        channel_id=g[0], app=q["app"], spy=spy, whisper=whisper, app_args=_split(q.get("appArgs")),
        snoop_id=q.get("snoopId"),
    )  # fmt: skip


def _record(g: tuple[str, ...], q: Q, bridge: bool) -> c.AriCommand[Any]:
    common: dict[str, Any] = {
        "name": q["name"], "format": q["format"], "max_duration_seconds": _int(q.get("maxDurationSeconds")),
        "if_exists": c.IfExists(q["ifExists"]) if "ifExists" in q else None, "beep": _bool(q.get("beep")),
    }  # fmt: skip
    return c.RecordBridge(bridge_id=g[0], **common) if bridge else c.RecordChannel(channel_id=g[0], **common)


_ID = r"([^/]+)"
ROUTES: list[tuple[str, str, Builder]] = [
    ("GET", r"/asterisk/info", lambda g, q: c.GetAsteriskInfo()),
    ("GET", r"/applications", lambda g, q: c.ListApplications()),
    ("GET", rf"/applications/{_ID}", lambda g, q: c.GetApplication(application=g[0])),
    ("POST", rf"/applications/{_ID}/subscription",
     lambda g, q: c.SubscribeApplication(application=g[0], event_source=tuple(q["eventSource"].split(",")))),
    ("DELETE", rf"/applications/{_ID}/subscription",
     lambda g, q: c.UnsubscribeApplication(application=g[0], event_source=tuple(q["eventSource"].split(",")))),
    ("GET", r"/channels", lambda g, q: c.ListChannels()),
    ("POST", r"/channels", _originate),
    ("POST", r"/channels/create",
     lambda g, q: c.CreateChannel(endpoint=q["endpoint"], app=q["app"], app_args=_split(q.get("appArgs")),
                                  channel_id=q.get("channelId"))),
    ("GET", rf"/channels/{_ID}", lambda g, q: c.GetChannel(channel_id=g[0])),
    ("DELETE", rf"/channels/{_ID}",
     lambda g, q: c.HangupChannel(channel_id=g[0], reason=c.HangupReason(q["reason"]) if "reason" in q else None,
                                  reason_code=q.get("reason_code"))),
    ("POST", rf"/channels/{_ID}/dial", lambda g, q: c.DialChannel(channel_id=g[0], timeout=_int(q.get("timeout")))),
    ("POST", rf"/channels/{_ID}/answer", lambda g, q: c.AnswerChannel(channel_id=g[0])),
    ("POST", rf"/channels/{_ID}/ring", lambda g, q: c.RingChannel(channel_id=g[0])),
    ("DELETE", rf"/channels/{_ID}/ring", lambda g, q: c.StopRinging(channel_id=g[0])),
    ("POST", rf"/channels/{_ID}/hold", lambda g, q: c.HoldChannel(channel_id=g[0])),
    ("DELETE", rf"/channels/{_ID}/hold", lambda g, q: c.UnholdChannel(channel_id=g[0])),
    ("POST", rf"/channels/{_ID}/silence", lambda g, q: c.StartSilence(channel_id=g[0])),
    ("DELETE", rf"/channels/{_ID}/silence", lambda g, q: c.StopSilence(channel_id=g[0])),
    ("POST", rf"/channels/{_ID}/moh", lambda g, q: c.StartChannelMoh(channel_id=g[0], moh_class=q.get("mohClass"))),
    ("DELETE", rf"/channels/{_ID}/moh", lambda g, q: c.StopChannelMoh(channel_id=g[0])),
    ("POST", rf"/channels/{_ID}/mute",
     lambda g, q: c.MuteChannel(channel_id=g[0], direction=c.MuteDirection(q["direction"]))),
    ("DELETE", rf"/channels/{_ID}/mute",
     lambda g, q: c.UnmuteChannel(channel_id=g[0], direction=c.MuteDirection(q["direction"]))),
    ("POST", rf"/channels/{_ID}/play",
     lambda g, q: c.PlayOnChannel(channel_id=g[0], media=tuple(q["media"].split(",")), lang=q.get("lang"),
                                  playback_id=q.get("playbackId")) if "media" in q else None),
    ("POST", rf"/channels/{_ID}/variable",
     lambda g, q: c.SetChannelVariable(channel_id=g[0], variable=q["variable"], value=q.get("value"))),
    ("GET", rf"/channels/{_ID}/variable",
     lambda g, q: c.GetChannelVariable(channel_id=g[0], variable=q["variable"])),
    ("POST", rf"/channels/{_ID}/snoop", _snoop),
    ("POST", rf"/channels/{_ID}/record", lambda g, q: _record(g, q, bridge=False)),
    ("POST", rf"/channels/{_ID}/dtmf",
     lambda g, q: c.SendDtmf(channel_id=g[0], dtmf=q["dtmf"], duration=_int(q.get("duration")))),
    ("POST", rf"/channels/{_ID}/redirect",
     lambda g, q: c.RedirectChannel(channel_id=g[0], endpoint=q["endpoint"]) if "endpoint" in q else None),
    ("POST", rf"/channels/{_ID}/continue",
     lambda g, q: c.ContinueInDialplan(channel_id=g[0], context=q.get("context"), extension=q.get("extension"),
                                       priority=_int(q.get("priority")), label=q.get("label"))),
    ("GET", r"/bridges", lambda g, q: c.ListBridges()),
    ("POST", r"/bridges",
     lambda g, q: c.CreateBridge(features=tuple(c.BridgeFeature(t) for t in q["type"].split(",")),
                                 bridge_id=q.get("bridgeId"), name=q.get("name"))),
    ("GET", rf"/bridges/{_ID}", lambda g, q: c.GetBridge(bridge_id=g[0])),
    ("DELETE", rf"/bridges/{_ID}", lambda g, q: c.DestroyBridge(bridge_id=g[0])),
    ("POST", rf"/bridges/{_ID}/addChannel",
     lambda g, q: c.AddChannelToBridge(bridge_id=g[0], channel=tuple(q["channel"].split(",")))),
    ("POST", rf"/bridges/{_ID}/removeChannel",
     lambda g, q: c.RemoveChannelFromBridge(bridge_id=g[0], channel=tuple(q["channel"].split(",")))),
    ("POST", rf"/bridges/{_ID}/record", lambda g, q: _record(g, q, bridge=True)),
    ("POST", rf"/bridges/{_ID}/moh", lambda g, q: c.StartBridgeMoh(bridge_id=g[0], moh_class=q.get("mohClass"))),
    ("DELETE", rf"/bridges/{_ID}/moh", lambda g, q: c.StopBridgeMoh(bridge_id=g[0])),
    ("POST", rf"/bridges/{_ID}/play",
     lambda g, q: c.PlayOnBridge(bridge_id=g[0], media=tuple(q["media"].split(",")),
                                 playback_id=q.get("playbackId"))),
    ("GET", rf"/playbacks/{_ID}", lambda g, q: c.GetPlayback(playback_id=g[0])),
    ("GET", rf"/recordings/live/{_ID}", lambda g, q: c.GetLiveRecording(name=g[0])),
    ("POST", rf"/recordings/live/{_ID}/stop", lambda g, q: c.StopLiveRecording(name=g[0])),
    ("GET", r"/recordings/stored", lambda g, q: c.ListStoredRecordings()),
    ("GET", rf"/recordings/stored/{_ID}", lambda g, q: c.GetStoredRecording(name=g[0])),
    ("GET", rf"/endpoints/{_ID}", lambda g, q: c.ListEndpointsByTech(tech=g[0])),
    ("GET", rf"/endpoints/{_ID}/{_ID}", lambda g, q: c.GetEndpoint(tech=g[0], resource=g[1])),
    ("GET", r"/deviceStates", lambda g, q: c.ListDeviceStates()),
]  # fmt: skip


def command_for(exchange: Exchange) -> c.AriCommand[Any] | None:
    path = exchange.path.removeprefix("/ari")
    for method, pattern, build in ROUTES:
        match = re.fullmatch(pattern, path)
        if method == exchange.method and match:
            return build(match.groups(), dict(exchange.query))
    return None


TRANSCRIPTS = [
    "ari_stasis_flow", "ari_stasis_flow_pjsip", "ari_outbound_outcomes", "ari_continue_redirect",
    "ari_register_devicestate", "ari_amd", "ari_ws_reconnect",
]  # fmt: skip

# What each recorded error must become (NOTES.md ARI 2 and the outbound notes), by status and body text.
EXPECTED_ERRORS: dict[tuple[int, str], type[AriError]] = {
    (401, "Authentication required"): AriAuthError,
    (404, "Channel not found"): ResourceGone,
    (404, "Bridge not found"): ResourceGone,
    (400, "Channel not found"): ResourceGone,  # addChannel
    (500, "Allocation failed"): EndpointUnavailable,  # originate to no contact / no endpoint
    (500, "Failed to queue media for playback"): AriServerError,
    (404, "Provided variable was not found"): AriNotFound,
    (404, "Recording not found"): AriNotFound,
    (404, "Application not found"): AriNotFound,
    (404, "Requested label can not be found"): AriNotFound,
    (409, "Bridge isn't playing music"): AriConflict,
    (422, "Event source does not exist"): AriUnprocessable,
    (400, "Invalid direction specified for spy"): AriBadRequest,
}


def _expected_error(exchange: Exchange) -> type[AriError]:
    body = exchange.json()
    text = body.get("message") or body.get("error")
    if exchange.status == 409 and text.startswith("Recording"):
        return AriConflict
    if exchange.status == 422 and text.startswith("Endpoint"):
        return AriUnprocessable  # redirect to a malformed or mismatched endpoint: not a vanished channel
    return EXPECTED_ERRORS[(exchange.status, text)]


async def _replay(name: str) -> tuple[ReplayServer, list[tuple[Exchange, object]], list[AriEvent]]:
    """Send every expressible recorded request in order; (exchange, result or error) for each."""
    exchanges = load_transcript(name).exchanges
    events: list[AriEvent] = []
    outcomes: list[tuple[Exchange, object]] = []
    server = ReplayServer(exchanges=exchanges)
    async with serving(server), AriClient(settings(server.url), ManualClock(), events.append) as client:
        for exchange in exchanges:
            command = command_for(exchange)
            if command is None:
                continue
            try:
                outcomes.append((exchange, await client.send(command)))
            except AriError as exc:
                outcomes.append((exchange, exc))
    return server, outcomes, events


@pytest.mark.parametrize("name", TRANSCRIPTS)
async def test_recorded_requests_are_encoded_exactly_and_answers_typed(name: str) -> None:
    server, outcomes, events = await _replay(name)
    assert server.unexpected == [], "the client sent requests a real client did not"
    skipped = {(ex.method, ex.path) for ex in load_transcript(name).exchanges if command_for(ex) is None}
    assert skipped <= {
        ("GET", "/ari/nosuchresource"),
        ("POST", "/ari/channels/agent-leg-1/snoop"),  # spy=bogus
        ("POST", "/ari/channels/1795641628.86/redirect"),  # no endpoint
        ("POST", "/ari/channels/1795519233.45/play"),  # no media
        ("POST", "/ari/channels/1795519247.54/play"),
    }
    gone = 0
    for exchange, outcome in outcomes:
        command = command_for(exchange)
        assert command is not None
        if 200 <= exchange.status < 300:
            assert not isinstance(outcome, Exception), f"{exchange.method} {exchange.path}: {outcome}"
            if command.RETURNS is c.Returns.NOTHING:
                assert outcome is None and exchange.status == 204 and exchange.content_type is None
            elif command.RETURNS is c.Returns.MANY:
                assert isinstance(outcome, tuple) and len(outcome) == len(exchange.json())
            elif command.RETURNS is c.Returns.VALUE:
                assert outcome == exchange.json()["value"]
            else:
                assert command.MODEL is not None and isinstance(outcome, command.MODEL)
        else:
            assert type(outcome) is _expected_error(exchange), f"{exchange.method} {exchange.path}"
            assert isinstance(outcome, AriError) and outcome.status == exchange.status
            if isinstance(outcome, ResourceGone):
                gone += len(outcome.ids) if outcome.kind is GoneKind.BRIDGE else 1
    # Each vanished channel/bridge also reached the event stream, once, and nothing else did.
    assert len(events) == gone
    assert all(isinstance(event, ChannelGone | BridgeGone) for event in events)


async def test_stasis_flow_results_carry_the_recorded_values() -> None:
    _, outcomes, events = await _replay("ari_stasis_flow")
    by_path = {(ex.method, ex.path, ex.query): outcome for ex, outcome in outcomes}
    caller = by_path[("GET", "/ari/channels/1795519233.45", ())]
    assert isinstance(caller, Channel)
    assert caller.state is ChannelState.RING and caller.caller.name == "Dave Caller"
    assert caller.dialplan.app_name == "Stasis" and caller.dialplan.priority == 2 and caller.protocol_id == ""
    agent = next(o for ex, o in outcomes if ex.method == "POST" and ex.path == "/ari/channels")
    assert isinstance(agent, Channel) and agent.id == "agent-leg-1" and agent.state is ChannelState.DOWN
    recording = next(o for ex, o in outcomes if ex.path.endswith("/bridges/cc-bridge-1/record") and ex.status == 201)
    assert isinstance(recording, LiveRecording) and recording.state is RecordingState.QUEUED
    # The caller hung up twice: the second DELETE is 404 -> ResourceGone + ChannelGone on the stream.
    assert ChannelGone(channel_ids=("1795519233.45",), operation="HangupChannel", message="Channel not found") in events
    assert BridgeGone(bridge_id="doesnotexist", operation="DestroyBridge", message="Bridge not found") in events
    assert ChannelGone(channel_ids=("doesnotexist",), operation="AddChannelToBridge", message="Channel not found") in (
        events
    )


async def test_outbound_allocation_failure_is_endpoint_unavailable() -> None:
    _, outcomes, events = await _replay("ari_outbound_outcomes")
    failed = [(ex.query, o) for ex, o in outcomes if isinstance(o, EndpointUnavailable)]
    endpoints = sorted(dict(query)["endpoint"] for query, _ in failed)
    assert endpoints == ["PJSIP/1004", "PJSIP/nobody", "PJSIP/nobody"]
    assert all(o.message == "Allocation failed" and o.status == 500 for _, o in failed)
    # DELETE of the busy channel that had already gone, and GET after create+dial busy/no answer.
    gone_ids = [e.channel_ids for e in events if isinstance(e, ChannelGone)]
    assert gone_ids == [("out-sip-busy",), ("out-create-dial-busy",), ("out-create-dial-noanswer",)]


async def test_registration_subscriptions_return_the_application() -> None:
    _, outcomes, _ = await _replay("ari_register_devicestate")
    subscribed = [o for ex, o in outcomes if ex.method == "POST" and ex.status == 200]
    assert all(isinstance(o, Application) for o in subscribed)
    last = subscribed[-1]
    assert isinstance(last, Application)
    assert last.endpoint_ids == ("PJSIP/1003",) and last.device_names == ("PJSIP/1003",)


async def test_auth_failure_is_not_retried() -> None:
    """The recorded 401 (wrong password) surfaces as AriAuthError after exactly one request."""
    exchange = load_transcript("ari_stasis_flow").exchange("GET", "/ari/asterisk/info", 1)
    assert exchange.status == 401
    server = ReplayServer(exchanges=[exchange])
    async with serving(server), AriClient(settings(server.url), ManualClock(), lambda _: None) as client:
        with pytest.raises(AriAuthError, match="Authentication required"):
            await client.send(c.GetAsteriskInfo())
    assert [r.path for r in server.requests] == ["/ari/asterisk/info"]
