"""Contract: the recorded ARI WebSocket frames of a real Asterisk 22.10.1, served over a loopback WebSocket,
come out of the client as typed events, in the recorded order, with the recorded values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TypeVar

import pytest

from engine.pbx import ari_events as ev
from engine.pbx.ari_models import (
    ChannelState,
    ContactStatus,
    DeviceStateValue,
    DialStatus,
    EndpointState,
    PlaybackState,
    RecordingState,
)
from tests.ari_replay import ReplayServer, empty_app, load_transcript, running

TRANSCRIPTS = [
    "ari_stasis_flow", "ari_stasis_flow_pjsip", "ari_outbound_outcomes", "ari_continue_redirect",
    "ari_register_devicestate", "ari_amd", "ari_ws_reconnect",
]  # fmt: skip


async def _events(name: str, session: int = 0) -> list[ev.AriEvent]:
    frames = load_transcript(name).sessions[session]
    async with running(ReplayServer(sessions=[frames], exchanges=[empty_app()])) as harness:
        events = await harness.take(1 + len(frames))
    assert isinstance(events[0], ev.AriResynced), "the snapshot comes before the first event of a socket"
    return events[1:]


E = TypeVar("E", bound=ev.AriEvent)


def _of(events: list[ev.AriEvent], kind: type[E]) -> list[E]:
    return [event for event in events if isinstance(event, kind)]


@pytest.mark.parametrize("name", TRANSCRIPTS)
async def test_every_recorded_frame_becomes_its_typed_event_in_order(name: str) -> None:
    frames = load_transcript(name).sessions[0]
    events = await _events(name)
    assert [type(event).__name__ for event in events] == [json.loads(frame)["type"] for frame in frames]
    for event, frame in zip(events, frames, strict=True):
        assert isinstance(event, ev.AsteriskEvent)
        raw = json.loads(frame)
        assert event.application == raw["application"] == "callcenter"
        assert event.timestamp.isoformat(timespec="milliseconds").replace("+00:00", "+0000") == raw["timestamp"]


async def test_stasis_flow_values() -> None:
    events = await _events("ari_stasis_flow")
    start = events[0]
    assert isinstance(start, ev.StasisStart)
    assert start.args == () and start.channel.state is ChannelState.RING
    assert start.channel.caller.number == "5551004" and start.channel.protocol_id == ""
    assert start.timestamp == datetime(2026, 11, 24, 11, 20, 33, 607000, tzinfo=UTC)
    digits = [(e.channel.id, e.digit, e.duration_ms) for e in _of(events, ev.ChannelDtmfReceived)]
    assert digits == [
        ("1795519233.45", "1", 100), ("1795519233.45", "2", 100), ("1795519233.45", "#", 100),
        ("agent-leg-1;2", "9", 100),
    ]  # fmt: skip
    finished = [e.playback for e in _of(events, ev.PlaybackFinished)]
    assert [p.state for p in finished] == [PlaybackState.DONE, PlaybackState.FAILED]
    agent = [e for e in _of(events, ev.StasisStart) if e.channel.id == "agent-leg-1"]
    assert [e.args for e in agent] == [("agent", "1001")]
    recordings = [e.recording for e in _of(events, ev.RecordingFinished)]
    assert [(r.state, r.duration) for r in recordings] == [(RecordingState.DONE, 2), (RecordingState.DONE, 2)]
    hangups = _of(events, ev.ChannelHangupRequest)
    snoop = hangups[0]
    assert isinstance(snoop, ev.ChannelHangupRequest)
    assert (snoop.channel.id, snoop.cause, snoop.soft, snoop.tech_cause) == ("snoop-1", 32, True, None)
    destroyed = _of(events, ev.ChannelDestroyed)
    assert {(e.cause, e.cause_txt) for e in destroyed} == {(16, "Normal Clearing")}
    dials = [e.dialstatus for e in _of(events, ev.Dial)]
    assert dials == [DialStatus.STARTED, DialStatus.RINGING, DialStatus.ANSWER]
    entered = _of(events, ev.ChannelEnteredBridge)[-1]
    assert isinstance(entered, ev.ChannelEnteredBridge)
    assert entered.bridge.channels == ("1795519233.45", "agent-leg-1")
    assert isinstance(events[-1], ev.BridgeDestroyed) and events[-1].bridge.id == "cc-bridge-1"


async def test_outbound_outcomes_values() -> None:
    events = await _events("ari_outbound_outcomes")
    assert not _of(events, ev.ChannelCreated), "an ARI originate gets no ChannelCreated"
    busy = [e for e in _of(events, ev.ChannelDestroyed) if e.channel.id == "out-sip-busy"]
    assert [(e.cause, e.cause_txt, e.tech_cause) for e in busy] == [(17, "User busy", 486)]
    request = next(e for e in _of(events, ev.ChannelHangupRequest) if e.channel.id == "out-sip-busy")
    assert isinstance(request, ev.ChannelHangupRequest)
    assert (request.cause, request.tech_cause, request.soft) == (17, 486, None)
    timeout = [
        e
        for e in events
        if "out-sip-noanswer" in (getattr(x, "id", "") for x in (getattr(e, "channel", None), getattr(e, "peer", None)))
    ]
    # A timeout while ringing ends with ChannelDestroyed alone: no final Dial, no ChannelHangupRequest.
    assert [type(e).__name__ for e in timeout] == ["Dial", "ChannelStateChange", "Dial", "ChannelDestroyed"]
    assert isinstance(timeout[2], ev.Dial) and timeout[2].dialstatus is DialStatus.RINGING
    assert isinstance(timeout[3], ev.ChannelDestroyed)
    assert (timeout[3].cause, timeout[3].cause_txt, timeout[3].tech_cause) == (19, "User alerting, no answer", 480)
    answered = [e for e in _of(events, ev.StasisStart) if e.channel.id == "out-sip-answer"]
    assert [(e.args, e.channel.state) for e in answered] == [(("outbound", "sip-answer"), ChannelState.UP)]
    first = next(e for e in events if isinstance(e, ev.Dial) and e.peer.id == "out-sip-answer")
    assert isinstance(first, ev.Dial) and first.dialstatus is DialStatus.STARTED
    statuses = {e.dialstatus for e in _of(events, ev.Dial)}
    assert {DialStatus.BUSY, DialStatus.CONGESTION, DialStatus.NOANSWER} <= statuses


async def test_continue_into_stasis_again_is_end_then_start() -> None:
    events = await _events("ari_continue_redirect")
    kinds = [type(e).__name__ for e in events]
    index = kinds.index("StasisEnd")
    assert kinds[index + 1] == "StasisStart"
    restart = events[index + 1]
    assert isinstance(restart, ev.StasisStart) and restart.args == ()
    redirected = next(e for e in _of(events, ev.ChannelHangupRequest) if e.tech_cause is not None)
    assert isinstance(redirected, ev.ChannelHangupRequest) and (redirected.cause, redirected.tech_cause) == (23, 302)


async def test_registration_and_device_state_values() -> None:
    events = await _events("ari_register_devicestate")
    contacts = [e.contact_info for e in _of(events, ev.ContactStatusChange)]
    assert [c.contact_status for c in contacts] == [
        ContactStatus.NON_QUALIFIED, ContactStatus.REACHABLE, ContactStatus.REMOVED, ContactStatus.NON_QUALIFIED,
        ContactStatus.REACHABLE, ContactStatus.UNREACHABLE, ContactStatus.REMOVED,
    ]  # fmt: skip
    assert contacts[1].roundtrip_usec == "617" and contacts[1].uri == "sip:1003@127.0.0.1:5070"
    states = [e.endpoint.state for e in _of(events, ev.EndpointStateChange)]
    assert states == [EndpointState.ONLINE, EndpointState.OFFLINE, EndpointState.ONLINE, EndpointState.OFFLINE]
    peers = [e.peer.peer_status for e in _of(events, ev.PeerStatusChange)]
    assert peers == ["Reachable", "Unreachable", "Reachable", "Unreachable"]
    devices = [(e.device_state.name, e.device_state.state) for e in _of(events, ev.DeviceStateChanged)]
    assert devices == [
        ("PJSIP/1003", DeviceStateValue.NOT_INUSE), ("PJSIP/1003", DeviceStateValue.UNAVAILABLE),
        ("PJSIP/1003", DeviceStateValue.NOT_INUSE), ("PJSIP/1003", DeviceStateValue.UNAVAILABLE),
    ]  # fmt: skip


async def test_amd_results_arrive_as_variables_and_stasis_args() -> None:
    events = await _events("ari_amd")
    varsets = [(e.channel.id, e.variable, e.value) for e in _of(events, ev.ChannelVarset) if e.channel is not None]
    results = {channel: value for channel, variable, value in varsets if variable == "AMDSTATUS"}
    assert results == {
        "amd-machine": "MACHINE", "amd-human": "HUMAN", "amd-hello2": "HUMAN", "amd-silent": "MACHINE",
        "amd-nomedia": "NOTSURE", "amd-hangup": "HANGUP",
    }  # fmt: skip
    args = [e.args for e in _of(events, ev.StasisStart)]
    assert args[0] == ("amd", "MACHINE", "MAXWORDS-3-2") and args[-1] == ("amd", "NOTSURE", "TOOLONG-4900")
    hangup_cause = [value for channel, variable, value in varsets if (channel, variable) == ("amd-hangup", "AMDCAUSE")]
    assert hangup_cause == [""], "AMD HANGUP leaves AMDCAUSE empty"
