"""The AMI adapter under bad conditions: split reads, malformed input, drops mid-action, refused login,
reconnect backoff on a test-driven clock, and resync before events flow. No wall-time waits."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable

import pytest

from engine.adapters.ami import AmiClient, AuthenticationFailed, Backoff, ConnectionLost
from engine.adapters.ami.decode import decode_event
from engine.adapters.ami.frames import Framer, encode, parse
from engine.adapters.ami.protocol import AmiTransport, Banner, Inbound, Lost
from engine.config import AmiSettings
from engine.pbx import ami_commands as c
from engine.pbx import ami_events as ev
from engine.secret import Secret
from pbxsim.clock import ManualClock
from tests.ami_replay import ReplayServer, Step, load, received_bytes


def settings(port: int, secret: str = "engine") -> AmiSettings:
    return AmiSettings("127.0.0.1", port, "engine", Secret(secret), 5.0)


def typed_stream(inbound: list[Inbound]) -> list[ev.AmiEvent | str]:
    """What the client's consumer makes of the sink's items: typed events (and the banner)."""
    out: list[ev.AmiEvent | str] = []
    for item in inbound:
        if isinstance(item, Banner):
            out.append(item.text)
        elif isinstance(item, bytes):
            pairs, _ = parse(item)
            if pairs and pairs[0][0] == "Event":
                out.append(decode_event(pairs[0][1], pairs))
    return out


def through_transport(data: bytes, reads: list[int]) -> list[Inbound]:
    """Feeds `data` to the protocol class in reads of the given sizes (the rest in one last read)."""
    sink: list[Inbound] = []
    transport = AmiTransport(sink.append)
    at = 0
    for size in reads:
        transport.data_received(data[at : at + size])
        at += size
    transport.data_received(data[at:])
    transport.connection_lost(None)
    return sink


def test_one_byte_reads_give_the_same_typed_events() -> None:
    data = received_bytes("ami_abandon")
    whole = through_transport(data, [])
    assert isinstance(whole[-1], Lost)
    expected = typed_stream(whole)
    assert expected[0] == "Asterisk Call Manager/11.0.0"
    assert sum(isinstance(e, ev.QueueCallerAbandon) for e in expected) == 1
    assert typed_stream(through_transport(data, [1] * len(data))) == expected


def test_every_split_point_frames_the_same() -> None:
    data = received_bytes("ami_login_and_queue_call")[:6000]
    framer = Framer(banner=True)
    expected = framer.feed(data)
    assert len(expected) > 10
    for cut in range(len(data) + 1):
        split = Framer(banner=True)
        assert split.feed(data[:cut]) + split.feed(data[cut:]) == expected, cut
        assert split.banner == "Asterisk Call Manager/11.0.0"


def test_multibyte_characters_split_anywhere_decode_intact() -> None:
    message = "Event: Newchannel\r\nCallerIDName: Zoë Ünal 東京\r\nExten: 100\r\n\r\n".encode()
    for cut in range(len(message) + 1):
        framer = Framer()
        (block,) = framer.feed(message[:cut]) + framer.feed(message[cut:])
        pairs, bad = parse(block)
        assert dict(pairs)["CallerIDName"] == "Zoë Ünal 東京" and bad == []


def test_stray_blank_lines_and_bare_lf_are_tolerated() -> None:
    framer = Framer()
    blocks = framer.feed(b"\r\n\r\nResponse: Error\r\nMessage: No Contacts found\n\r\n\r\n\r\n\r\nEvent: X\r\n\r\n")
    assert [parse(b)[0] for b in blocks] == [
        [("Response", "Error"), ("Message", "No Contacts found")],
        [("Event", "X")],
    ]


def test_values_with_line_breaks_are_refused() -> None:
    # A value must not smuggle a second header (or a second action) onto the wire.
    with pytest.raises(ValueError, match="line break"):
        encode([("Action", "Setvar"), *c.Setvar("X", "1\r\nAction: Originate").fields()])


# --- live connections ---------------------------------------------------------------------------------------


def until_action(steps: list[Step], n: int) -> list[Step]:
    """The steps before the n-th action the recording client sent (0-based)."""
    seen = -1
    for index, step in enumerate(steps):
        if step.sent:
            seen += 1
            if seen == n:
                return steps[:index]
    return steps


class Consumer:
    def __init__(self) -> None:
        self.items: list[ev.AmiStreamItem] = []
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []

    def __call__(self, item: ev.AmiStreamItem) -> None:
        self.items.append(item)
        for check, future in list(self._waiters):
            if check() and not future.done():
                future.set_result(None)

    async def until(self, check: Callable[[], bool]) -> None:
        if check():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((check, future))
        await future

    def count(self, kind: type) -> int:
        return sum(isinstance(item, kind) for item in self.items)


async def running(client: AmiClient, body: Callable[[], Awaitable[None]]) -> None:
    async with asyncio.TaskGroup() as group:
        runner = group.create_task(client.run())
        await body()
        await client.close()
        await runner


async def test_malformed_input_is_dropped_and_the_connection_lives(caplog: pytest.LogCaptureFixture) -> None:
    login = until_action(load("ami_login_and_queue_call"), 1)
    garbage = [
        Step(False, b"\x00\xff\xfe garbage without colon\r\n\r\n"),
        Step(False, b"Foo: bar\r\nBaz: qux\r\n\r\n"),  # neither Response nor Event
        Step(False, b"Event: Hangup\r\nChannel: PJSIP/x-1\r\nCause: sixteen\r\n\r\n"),  # fields that do not parse
        Step(False, b"Event: DeviceStateChange\r\nPrivilege: call,all\r\nthis line has no colon\r\n"),
        Step(False, b"Device: PJSIP/1001\r\nState: INUSE\r\n\r\n"),
        Step(True, b"Action: Ping\r\nActionID: p\r\n\r\n"),
        Step(False, b"Response: Success\r\nActionID: p\r\nPing: Pong\r\nTimestamp: 12.5\r\n\r\n"),
    ]
    server = ReplayServer([login + garbage], hold=True)
    port = await server.start()
    consumer = Consumer()
    client = AmiClient(settings(port), ManualClock(), consumer)

    async def body() -> None:
        await consumer.until(lambda: consumer.count(ev.AmiConnected) == 1)
        assert await client.send(c.Ping()) == c.Pong(12.5)

    with caplog.at_level(logging.WARNING, logger="engine.adapters.ami"):
        await running(client, body)
    await server.stop()
    (device,) = [item for item in consumer.items if isinstance(item, ev.DeviceStateChange)]
    assert (device.device, device.state) == ("PJSIP/1001", ev.DeviceState.INUSE)
    assert server.connections == 1 and client.sessions == 1
    assert consumer.count(ev.Hangup) == 0
    warnings = "\n".join(record.getMessage() for record in caplog.records)
    assert "without a colon" in warnings and "neither Response nor Event" in warnings
    assert "unreadable Hangup" in warnings


async def test_drop_mid_action_fails_it_and_never_resends() -> None:
    steps = load("ami_abandon")
    # Connection 1: the recording up to the client's first QueuePause, then the server closes unanswered.
    # Connection 2: a login only, then held open.
    server = ReplayServer([steps, until_action(steps, 1)], cut_after=1, hold=True)
    port = await server.start()
    consumer = Consumer()
    clock = ManualClock()
    resyncs: list[tuple[int, int]] = []

    async def resync(client: AmiClient) -> None:
        before = len(consumer.items)
        resyncs.append((before, len(consumer.items)))

    client = AmiClient(settings(port), clock, consumer, resync)

    async def body() -> None:
        await consumer.until(lambda: consumer.count(ev.AmiConnected) == 1)
        with pytest.raises(ConnectionLost):
            await client.send(c.QueuePause("Local/1001@agents/n", True, "support", "abandon-test"))
        await consumer.until(lambda: consumer.count(ev.AmiDisconnected) == 1)
        with pytest.raises(ConnectionLost):  # nothing is queued for later while down
            await client.send(c.Ping())
        assert await clock.next_sleep() == 0.5
        clock.advance(0.5)
        await consumer.until(lambda: consumer.count(ev.AmiConnected) == 2)

    await running(client, body)
    await server.stop()
    assert server.connections == 2 and server.mismatches == []
    second = [dict(action)["Action"] for index, action in server.received if index == 1]
    assert second[0] == "Login" and set(second[1:]) <= {"Filter", "Logoff"}, second
    first = [dict(action)["Action"] for index, action in server.received if index == 0]
    assert first.count("QueuePause") == 1
    # Resync ran on each connection, and nothing was delivered while it ran.
    assert len(resyncs) == 2 and all(before == after for before, after in resyncs)
    kinds = [type(item).__name__ for item in consumer.items if not isinstance(item, ev.AmiEvent)]
    assert kinds == ["AmiConnected", "AmiDisconnected", "AmiConnected", "AmiDisconnected"]


async def test_filters_follow_login() -> None:
    server = ReplayServer([until_action(load("ami_abandon"), 1)], hold=True)
    port = await server.start()
    consumer = Consumer()
    client = AmiClient(settings(port), ManualClock(), consumer)
    await running(client, lambda: consumer.until(lambda: consumer.count(ev.AmiConnected) == 1))
    await server.stop()
    filters = [dict(action) for _, action in server.received if dict(action)["Action"] == "Filter"]
    assert [(f["Operation"], f["MatchCriteria"], f["Filter"]) for f in filters] == [
        ("Add", f"action(exclude),name({name})", "")
        for name in ("VarSet", "Newexten", "RTCPSent", "RTCPReceived", "CEL", "NewAccountCode")
    ]
    assert [dict(a)["Action"] for _, a in server.received][:2] == ["Login", "Filter"]


async def test_authentication_failed_is_final() -> None:
    steps = load("ami_prelogin_and_auth_failure")
    script = [steps[0], *steps[5:]]  # banner, Login with the wrong secret, `Authentication failed`, EOF
    assert [s.sent for s in script] == [False, True, False]
    server = ReplayServer([script])
    port = await server.start()
    clock = ManualClock()
    consumer = Consumer()
    client = AmiClient(settings(port, "wrong"), clock, consumer)
    with pytest.raises(AuthenticationFailed, match="refused: Authentication failed"):
        await client.run()
    await server.stop()
    assert server.connections == 1 and clock.requested == [] and consumer.items == []


async def test_reconnect_backoff_is_capped_exponential_on_the_clock() -> None:
    with socket.socket() as probe:  # a port with nothing listening: connection refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = ManualClock()
    client = AmiClient(settings(port), clock, Consumer(), backoff=Backoff(first_s=0.5, factor=2.0, cap_s=6.0))

    async def body() -> None:
        delays = []
        for _ in range(6):
            delays.append(await clock.next_sleep())
            clock.advance(delays[-1])
        assert delays == [0.5, 1.0, 2.0, 4.0, 6.0, 6.0]
        assert await clock.next_sleep() == 6.0  # close() during the wait ends run() without advancing the clock

    await running(client, body)


async def test_resync_runs_before_events_flow() -> None:
    steps = load("ami_login_and_queue_call")
    server = ReplayServer([until_action(steps, 2)], hold=True)  # Login, then the recorded `Ping` (ping-2)
    port = await server.start()
    consumer = Consumer()
    seen_during_resync: list[int] = []

    async def resync(client: AmiClient) -> None:
        seen_during_resync.append(len(consumer.items))
        assert (await client.send(c.Ping())).timestamp == 1795519088.978438
        seen_during_resync.append(len(consumer.items))

    client = AmiClient(settings(port), ManualClock(), consumer, resync)
    await running(client, lambda: consumer.until(lambda: consumer.count(ev.AmiConnected) == 1))
    await server.stop()
    assert seen_during_resync == [0, 0]
    # FullyBooted (with the login response) and SuccessfulAuth (with the Ping's) were held until AmiConnected.
    assert consumer.items[0] == ev.AmiConnected(resynced=True)
    assert isinstance(consumer.items[1], ev.FullyBooted) and consumer.items[1].uptime_s == 101
    assert isinstance(consumer.items[2], ev.UnknownAmiEvent) and consumer.items[2].name == "SuccessfulAuth"
