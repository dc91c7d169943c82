"""The ARI WebSocket lifecycle over real loopback sockets, on a clock the test drives (no wall-time sleeps):
reconnect and resync while calls are bridged (ari_ws_reconnect), backoff, ApplicationReplaced, malformed
frames, authentication, re-subscription after the app was destroyed, and which requests may be retried."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest

from engine.adapters.ari import (
    ApplicationReplacedError,
    AriAuthError,
    AriClient,
    AriConnectionError,
    Backoff,
)
from engine.errors import CallhiveError
from engine.pbx import ari_commands as c
from engine.pbx import ari_events as ev
from pbxsim.clock import ManualClock
from tests.ari_replay import (
    APP,
    Exchange,
    ReplayServer,
    empty_app,
    load_transcript,
    running,
    serving,
    settings,
)

RECONNECT = load_transcript("ari_ws_reconnect")


def _item_exchange(list_exchange: Exchange, path: str, item_id: str) -> Exchange:
    """GET <path>/<id> answered with that item of a recorded list answer (same clock, same state)."""
    item = next(entry for entry in list_exchange.json() if entry["id"] == item_id)
    return Exchange("GET", f"{path}/{item_id}", (), 200, "OK", "application/json", json.dumps(item))


def _reconnect_exchanges() -> list[Exchange]:
    channels = RECONNECT.exchange("GET", "/ari/channels", 1)  # read while the socket was closed
    bridges = RECONNECT.exchange("GET", "/ari/bridges", 1)
    return [
        empty_app(),  # first connect: the app holds nothing yet
        RECONNECT.exchange("GET", f"/ari/applications/{APP}", 2),  # after the reconnect
        RECONNECT.exchange("GET", "/ari/channels/1795641593.70"),
        _item_exchange(channels, "/ari/channels", "rc-agent-1"),
        _item_exchange(channels, "/ari/channels", "rc-agent-1;2"),
        _item_exchange(bridges, "/ari/bridges", "rc-bridge-1"),
    ]


async def test_socket_closed_while_bridged_reconnects_at_once_and_resyncs_from_rest() -> None:
    first, second = RECONNECT.sessions[0], RECONNECT.sessions[1]
    server = ReplayServer(sessions=[first, second], exchanges=_reconnect_exchanges())
    async with running(server) as harness:
        before = await harness.take(1 + len(first))
        assert isinstance(before[0], ev.AriResynced) and before[0].channels == ()
        bridged = [e for e in before if isinstance(e, ev.ChannelEnteredBridge)]
        assert bridged[-1].bridge.channels == ("1795641593.70", "rc-agent-1")

        harness.clock.advance(60)  # the call has been up a minute: a stable connection
        await server.close_socket()
        lost, resynced = await harness.take(2)
        after = await harness.take(len(second))

    assert isinstance(lost, ev.AriDisconnected)
    assert harness.clock.requested == [], "a stable connection is reopened at once"
    assert server.ws_connections == 2
    # The snapshot: from GET /applications/<app>, then each channel and bridge it lists; never GET /channels.
    assert [r.path for r in server.requests] == [
        f"/ari/applications/{APP}",
        f"/ari/applications/{APP}",
        "/ari/channels/1795641593.70",
        "/ari/channels/rc-agent-1",
        "/ari/channels/rc-agent-1;2",
        "/ari/bridges/rc-bridge-1",
    ]
    assert server.unexpected == []
    assert isinstance(resynced, ev.AriResynced)
    assert [ch.id for ch in resynced.channels] == ["1795641593.70", "rc-agent-1", "rc-agent-1;2"]
    assert {ch.state.value for ch in resynced.channels} == {"Up"}
    assert [(b.id, b.channels) for b in resynced.bridges] == [("rc-bridge-1", ("1795641593.70", "rc-agent-1"))]
    # Nothing is replayed by Asterisk; the new socket carries only what happened after it opened.
    assert [type(e).__name__ for e in after] == [json.loads(frame)["type"] for frame in second]
    assert isinstance(after[-1], ev.BridgeDestroyed)


async def test_the_websocket_asks_for_the_app_with_basic_auth() -> None:
    server = ReplayServer(exchanges=[empty_app()])
    async with running(server) as harness:
        await harness.take(1)
    (handshake,) = server.ws_requests
    assert handshake.authorization == aiohttp.encode_basic_auth("engine", "engine")
    assert dict(handshake.query) == {"app": APP, "subscribeAll": "false"}
    assert all(r.authorization == handshake.authorization for r in server.requests)


async def test_refused_connections_back_off_exponentially_up_to_the_cap() -> None:
    server = ReplayServer(exchanges=[empty_app()], refuse_ws=5)
    async with running(server, Backoff(first_s=0.5, factor=2.0, cap_s=2.0)) as harness:
        for expected in (0.5, 1.0, 2.0, 2.0, 2.0):
            assert await harness.next_sleep() == expected
            harness.clock.advance(expected)
        (resynced,) = await harness.take(1)
    assert isinstance(resynced, ev.AriResynced)
    assert len(server.ws_requests) == 6


async def test_a_connection_that_dies_young_counts_as_a_failure() -> None:
    server = ReplayServer(exchanges=[empty_app(), empty_app()])
    async with running(server) as harness:
        await harness.take(1)
        await server.close_socket()  # no clock time has passed
        (lost,) = await harness.take(1)
        assert isinstance(lost, ev.AriDisconnected)
        assert await harness.next_sleep() == 0.5
        harness.clock.advance(0.5)
        (resynced,) = await harness.take(1)
    assert isinstance(resynced, ev.AriResynced)
    assert server.ws_connections == 2


async def test_application_replaced_ends_run_and_refuses_to_originate() -> None:
    frames = RECONNECT.sessions[2]
    assert [json.loads(f)["type"] for f in frames] == ["ApplicationReplaced"]
    server = ReplayServer(sessions=[frames], exchanges=[empty_app()])
    events: list[ev.AriEvent] = []
    async with serving(server), AriClient(settings(server.url), ManualClock(), events.append) as client:
        with pytest.raises(ApplicationReplacedError) as raised:
            async with asyncio.timeout(5):
                await client.run()
        assert client.replaced
        with pytest.raises(ApplicationReplacedError):
            await client.send(c.OriginateChannel(endpoint="PJSIP/1001", app=APP))
        with pytest.raises(ApplicationReplacedError):
            await client.send(c.CreateChannel(endpoint="PJSIP/1001", app=APP))
    assert [type(e) for e in events] == [ev.AriResynced, ev.ApplicationReplaced]
    assert isinstance(raised.value, CallhiveError)  # the CLI prints it as one line and exits non-zero
    assert "\n" not in str(raised.value) and APP in str(raised.value)
    assert [r.method for r in server.requests] == ["GET"], "no originate reached Asterisk"
    assert server.ws_connections == 1, "a replaced app does not reconnect"


async def test_malformed_frames_are_dropped_and_the_socket_lives(caplog: pytest.LogCaptureFixture) -> None:
    start, end = RECONNECT.sessions[0][0], RECONNECT.sessions[1][-2]
    assert json.loads(end)["type"] == "StasisEnd"
    unknown = '{"type":"ChannelFutureThing","timestamp":"2026-11-25T21:19:53.663+0000","application":"callcenter"}'
    bad = [
        "not json",
        "[1, 2]",
        '{"no": "type"}',
        '{"type":"StasisStart","timestamp":"2026-11-25T21:19:53.663+0000","application":"callcenter"}',
        start.replace('"timestamp":"2026-11-25T21:19:53.663+0000"', '"timestamp":"yesterday"'),
    ]
    server = ReplayServer(sessions=[[*bad, unknown, start]], exchanges=[empty_app()])
    with caplog.at_level(logging.WARNING, logger="engine.adapters.ari.client"):
        async with running(server) as harness:
            resynced, odd, started = await harness.take(3)
            await server.push(end)
            (ended,) = await harness.take(1)
            assert harness.events.empty()
    assert isinstance(resynced, ev.AriResynced)
    assert isinstance(odd, ev.UnknownAriEvent) and odd.type == "ChannelFutureThing" and odd.raw == unknown
    assert isinstance(started, ev.StasisStart) and started.args == ("inbound", "5000")
    assert isinstance(ended, ev.StasisEnd)
    assert server.ws_connections == 1
    dropped = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
    assert len(dropped) == len(bad)
    assert "StasisStart.args: missing" in dropped[3] and "StasisStart.timestamp" in dropped[4]


async def test_wrong_password_is_an_auth_error_without_retry_loop() -> None:
    server = ReplayServer()
    clock = ManualClock()
    async with serving(server), AriClient(settings(server.url, password="wrong"), clock, lambda _: None) as client:
        with pytest.raises(AriAuthError):
            async with asyncio.timeout(5):
                await client.run()
    assert len(server.ws_requests) == 1 and clock.requested == []
    assert isinstance(AriAuthError("GET /events", 401, "x"), CallhiveError)


async def test_subscriptions_lost_with_a_destroyed_app_are_recreated() -> None:
    registration = load_transcript("ari_register_devicestate")
    subscribe = f"/ari/applications/{APP}/subscription"
    endpoint, device = registration.exchange("POST", subscribe, 0), registration.exchange("POST", subscribe, 1)
    assert dict(endpoint.query) == {"eventSource": "endpoint:PJSIP/1003"}
    server = ReplayServer(exchanges=[empty_app(), endpoint, device, empty_app(), device, endpoint])
    async with running(server) as harness:
        await harness.take(1)
        await harness.client.send(c.SubscribeApplication(application=APP, event_source=("endpoint:PJSIP/1003",)))
        await harness.client.send(c.SubscribeApplication(application=APP, event_source=("deviceState:PJSIP/1003",)))
        harness.clock.advance(60)
        await server.close_socket()  # Asterisk destroys an app that holds no channels, with its subscriptions
        _, resynced = await harness.take(2)
    assert [(r.method, r.query) for r in server.requests[3:]] == [
        ("GET", ()),
        ("POST", (("eventSource", "deviceState:PJSIP/1003"),)),
        ("POST", (("eventSource", "endpoint:PJSIP/1003"),)),
    ]
    assert isinstance(resynced, ev.AriResynced)
    assert resynced.application.endpoint_ids == ("PJSIP/1003",)
    assert server.unexpected == []


async def test_only_gets_are_retried_after_a_lost_connection() -> None:
    info = load_transcript("ari_stasis_flow").exchange("GET", "/ari/asterisk/info")
    answer = load_transcript("ari_ws_reconnect").exchange("POST", "/ari/channels/1795641593.70/answer")
    server = ReplayServer(exchanges=[info, answer], drop_rest=1)
    async with serving(server), AriClient(settings(server.url), ManualClock(), lambda _: None) as client:
        result = await client.send(c.GetAsteriskInfo())
        assert result.system is not None and result.system.version == "22.10.1"
        assert len(server.requests) == 2
        server.drop_rest = 1
        with pytest.raises(AriConnectionError):
            await client.send(c.AnswerChannel(channel_id="1795641593.70"))
    assert len(server.requests) == 3, "the POST was sent once, never repeated"
