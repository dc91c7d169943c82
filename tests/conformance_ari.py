"""Replaying recorded ARI sessions against pbxsim and comparing what comes back with the recording.

A recording's combined log (`transcripts/ari_X.txt`: REQ/RSP/WS/NOTE lines with times) is replayed in time
order against a `PbxSim` on a `ManualClock` shared with the test, over real loopback sockets:
* before each request or scenario hook the clock is advanced to the recorded time (`t`), so timers in the
  simulator (ring times, prompt lengths, SIP timer B, max recording durations) fire where they fired on
  Asterisk; nothing waits on wall time;
* NOTE lines that placed calls on the recorded box (AMI originates into the dialplan) are matched by
  substring to hooks that do the same through `sim.model.world`;
* after each step the test waits until the scheduler has settled and every frame pbxsim queued has been
  read (per socket counters, `EventSockets.history`);
* an AMI session recorded on the same clock (`X.side_ami`, `X.trigger_ami`: `load_side_ami`) is replayed in
  the same timeline through `Replay.side` (a `conformance_ami.AmiReplay`), its Originates placing the calls as
  they did on the recorded box; `after_ami` hooks run right after a given request (by ActionID), e.g. to bind
  the ids of the channels it created. Its output is compared by `conformance_ami.compare`.

What is compared, and what is deliberately ignored (and why):
* REST, per request: status, reason phrase, presence and value of Content-Type, and the body. Error bodies
  exactly; success bodies after `normalize()`. `GET /recordings/stored` is compared by element shape only:
  the recorded spool also held files of earlier runs.
* Events: only `COMPARED_TYPES`. Not compared: ChannelDialplan, ChannelCallerId, ChannelConnectedLine
  (they narrate dialplan applications and connected-line updates run by the Local far ends of the recorded
  box - `[agents]` NoOp/Ringing/Wait/Answer/Playback - which pbxsim does not execute), and ChannelVarset of
  `IGNORED_VARIABLES` (BRIDGEPEER is re-set by bridge internals such as the Recorder/Announcer channels,
  RTPAUDIOQOS* are RTP statistics, PLAYBACKSTATUS comes from a far end's dialplan Playback()).
* Within events and bodies (`normalize`): ids are mapped through `IdMap` (recorded id <-> simulator id,
  bound by the scenario or learnt from a 201 body; a wrong or inconsistent id fails); timestamps and
  creation times are checked for the recorded format and masked; channel names keep everything but the
  driver's 8-hex-digit sequence number; protocol_id is compared by format (empty or a UUID); `dialplan`,
  `caller` and `connected` are compared by shape (keys in order and value types) because their values
  follow the far ends' dialplan and connected-line propagation (see above). Every other field is compared
  exactly, and key order everywhere.
* Order: per object (channel, bridge, playback, recording) the sequence of events must equal the recorded
  one exactly. Across objects, each event must arrive in the same step as recorded or one step earlier
  (a step = the interval after the k-th request): Asterisk delivers events asynchronously, so the recorded
  client sometimes sent its next request before an event caused by the previous one arrived (e.g.
  ChannelLeftBridge after removeChannel arrived only with the next DELETE in ari_stasis_flow t=11.521),
  and NOTES ARI 7 records the ;1/;2 ChannelDestroyed order as varying between runs.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from pbxsim.clock import ManualClock
from pbxsim.server import PbxSim
from tests.conformance_ami import AmiReplay, IdMap, load_items
from tests.pbxsim_helpers import GUARD_SECONDS
from tests.recorded import TRANSCRIPTS

APP = "callcenter"
USER = SECRET = "engine"
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CHANNEL_SEQ = re.compile(r"-[0-9a-f]{8}(;[12])?$")

COMPARED_TYPES = {
    "StasisStart", "StasisEnd", "ChannelStateChange", "ChannelDtmfReceived", "ChannelHangupRequest",
    "ChannelDestroyed", "ChannelVarset", "Dial", "PlaybackStarted", "PlaybackFinished", "RecordingStarted",
    "RecordingFinished", "ChannelEnteredBridge", "ChannelLeftBridge", "BridgeCreated", "BridgeDestroyed",
    "ApplicationReplaced",
}  # fmt: skip
IGNORED_VARIABLES = {"BRIDGEPEER", "PLAYBACKSTATUS"}
SHAPE_ONLY = {"dialplan", "caller", "connected"}
UNORDERED_LISTS = {"/ari/channels", "/ari/bridges", "/ari/applications"}


@dataclass
class Line:
    kind: str  # REQ, RSP, WS, NOTE, AMI (a request of the side AMI session)
    t: float
    text: str
    source: str = "main"


_LINE = re.compile(r"^(REQ|RSP|WS|NOTE) t=([\d.]+) (.*)$")
_REQ = re.compile(r"^(\w+) (\S+) params=(\{.*\}) body=.*$")
_RSP = re.compile(r"^(\d{3}) (.*?) content-type=(\S+) body=(.*)$")


def load_log(name: str, source: str = "main") -> list[Line]:
    lines = []
    for raw in (TRANSCRIPTS / f"{name}.txt").read_text().splitlines():
        match = _LINE.match(raw)
        if match:
            lines.append(Line(match[1], float(match[2]), match[3], source))
    return lines


def load_side_ami(name: str) -> list[Line]:
    """The requests and NOTEs of a side AMI session recorded on the ARI run's clock (`X.side_ami`, README)."""
    lines = []
    for item in load_items(name):
        if item.kind in ("SENT", "NOTE"):
            text = item.payload.decode("utf-8", "surrogateescape")
            lines.append(Line("AMI" if item.kind == "SENT" else "NOTE", item.t, text, "side_ami"))
    return lines


@dataclass
class Exchange:
    method: str
    path: str
    query: dict[str, str]
    status: int = 0
    reason: str = ""
    content_type: str | None = None
    body: str = ""


def key_tree(value: Any) -> Any:
    """Keys in order and value types: the shape of a JSON value."""
    if isinstance(value, dict):
        return [(key, key_tree(item)) for key, item in value.items()]
    if isinstance(value, list):
        return ["list", *{json.dumps(key_tree(item)) for item in value}]
    return type(value).__name__


def normalize(value: Any, ids: IdMap, side: str, key: str = "") -> Any:
    """See the module docstring; `side` is "rec" or "sim" (only simulator ids are mapped)."""
    mapped: Callable[[str], str] = ids.rec if side == "sim" else (lambda text: text)
    if key in SHAPE_ONLY:
        return key_tree(value)
    if isinstance(value, dict):
        out = {k: normalize(v, ids, side, k) for k, v in value.items()}
        if "state" in value and "name" in value and isinstance(value["name"], str):
            out["name"] = CHANNEL_SEQ.sub(r"-<seq>\1", value["name"])
        return out
    if isinstance(value, list):
        if key in ("channels", "channel_ids"):
            return [mapped(item) for item in value]
        return [normalize(item, ids, side, key) for item in value]
    if isinstance(value, str):
        if key in ("timestamp", "creationtime", "startup_time", "last_reload_time"):
            assert ISO_MS.fullmatch(value), (key, value)
            return "<iso-time>"
        if key == "protocol_id":
            assert value == "" or UUID.fullmatch(value), value
            return "<uuid>" if value else ""
        if key == "id":
            return mapped(value)
        if key == "target_uri":
            kind, _, ident = value.partition(":")
            return f"{kind}:{mapped(ident)}"
    return value


def compared(event: dict[str, Any]) -> bool:
    if event["type"] not in COMPARED_TYPES:
        return False
    variable = event.get("variable", "")
    return variable not in IGNORED_VARIABLES and not variable.startswith("RTPAUDIOQOS")


def object_key(event: dict[str, Any]) -> str:
    for name in ("channel", "peer", "playback", "recording", "bridge"):
        if name in event:
            inner = event[name]
            return f"{name}:{inner.get('id', inner.get('name'))}"
    return "application"


def key_order(value: Any) -> Any:
    if isinstance(value, dict):
        return [(k, key_order(v)) for k, v in value.items() if k not in SHAPE_ONLY]
    return None


def compare_events(
    expected: list[tuple[int, dict[str, Any]]], actual: list[tuple[int, dict[str, Any]]], ids: IdMap
) -> None:
    def grouped(events: list[tuple[int, dict[str, Any]]], side: str) -> dict[str, list[tuple[int, Any, Any]]]:
        groups: dict[str, list[tuple[int, Any, Any]]] = {}
        for step, event in events:
            if compared(event):
                norm = normalize(event, ids, side)
                groups.setdefault(object_key(norm), []).append((step, norm, key_order(event)))
        return groups

    want, got = grouped(expected, "rec"), grouped(actual, "sim")
    assert sorted(got) == sorted(want), f"objects with events differ: {sorted(set(got) ^ set(want))}"
    for key, recorded in want.items():
        simulated = got[key]
        assert [e for _, e, _ in simulated] == [e for _, e, _ in recorded], f"events of {key} differ"
        assert [o for _, _, o in simulated] == [o for _, _, o in recorded], f"key order for {key}"
        for (rec_step, event, _), (sim_step, _, _) in zip(recorded, simulated, strict=True):
            assert rec_step - 1 <= sim_step <= rec_step, (key, event["type"], rec_step, sim_step)


Hook = Callable[[], Awaitable[None] | None]


@dataclass
class Replay:
    """Drives one recorded session against `sim`; see the module docstring."""

    sim: PbxSim
    clock: ManualClock
    http: aiohttp.ClientSession
    ids: IdMap = field(default_factory=IdMap)
    sockets: list[aiohttp.ClientWebSocketResponse] = field(default_factory=list)
    received: list[int] = field(default_factory=list)
    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    expected: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    exchanges: list[tuple[Exchange, Exchange]] = field(default_factory=list)
    step: int = 0
    base: float = 0.0
    # The side AMI session (load_side_ami lines), and hooks run right after one of its requests, by ActionID.
    side: AmiReplay | None = None
    after_ami: dict[str, Hook] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base = self.clock.now()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.sim.ari_port}{path}"

    async def at(self, t: float) -> None:
        target = self.base + t
        if target > self.clock.now():
            self.clock.advance(target - self.clock.now())
        await self.sync()

    async def sync(self) -> None:
        await self.sim.model.scheduler.settle()
        history = self.sim.ari_sockets.history
        for index, socket in enumerate(self.sockets):
            while self.received[index] < history[index]:
                message = await socket.receive()
                assert message.type is aiohttp.WSMsgType.TEXT, message
                self.events.append((self.step, json.loads(message.data)))
                self.received[index] += 1

    async def connect(self) -> None:
        socket = await self.http.ws_connect(self.url(f"/ari/events?app={APP}&api_key={USER}:{SECRET}"))
        self.sockets.append(socket)
        self.received.append(0)
        count = len(self.sockets)
        await self.sim.ari_sockets.wait_until(lambda: len(self.sim.ari_sockets.history) >= count)

    async def close(self, index: int = -1) -> None:
        await self.sync()
        socket = self.sockets[index]
        opened = self.sim.ari_sockets.open_count
        await socket.close()
        assert socket.close_code == 1000  # the server answers a client close with 1000 (NOTES 14)
        await self.sim.ari_sockets.wait_until(lambda: self.sim.ari_sockets.open_count < opened)

    async def request(self, recorded: Exchange) -> Exchange:
        self.step += 1
        path = "/".join(self.ids.sim(part) for part in recorded.path.split("/"))
        query = {k: ",".join(self.ids.sim(v) for v in value.split(",")) for k, value in recorded.query.items()}
        if recorded.status != 401:
            query["api_key"] = f"{USER}:{SECRET}"
        async with self.http.request(recorded.method, self.url(path), params=query) as response:
            body = (await response.read()).decode()
            actual = Exchange(
                recorded.method, path, query, response.status, response.reason or "",
                response.headers.get("Content-Type"), body,
            )  # fmt: skip
        self.exchanges.append((recorded, actual))
        generated = recorded.status == 201 and "playbackId" not in recorded.query
        if recorded.method == "POST" and recorded.path.endswith("/play") and generated:
            self.ids.bind(json.loads(recorded.body)["id"], json.loads(body)["id"])  # a generated UUID
        await self.sync()
        return actual

    async def run(self, lines: list[Line], hooks: dict[str, Hook]) -> None:
        # Pair each REQ with the next RSP of the same log; requests are sent at their REQ time (a hook
        # recorded between a REQ and its RSP happened after the request was sent).
        responses: dict[int, Line] = {}
        open_requests: dict[str, int] = {}
        for index, line in enumerate(lines):
            if line.kind == "REQ":
                open_requests[line.source] = index
            elif line.kind == "RSP" and line.source in open_requests:
                responses[open_requests.pop(line.source)] = line
        recorded_step = self.step
        async with asyncio.timeout(GUARD_SECONDS):
            for index, line in sorted(enumerate(lines), key=lambda pair: pair[1].t):
                if line.kind == "WS":
                    self.expected.append((recorded_step, json.loads(line.text)))
                elif line.kind == "AMI":
                    assert self.side is not None, "AMI lines need a side session"
                    await self.at(line.t)
                    await self.side.send(line.text.encode("utf-8", "surrogateescape"))
                    action_id = re.search(r"^ActionID: (\S+)", line.text, re.M)
                    hook = self.after_ami.pop(action_id[1], None) if action_id else None
                    if hook is not None and (result := hook()) is not None:
                        await result
                    await self.sync()
                elif line.kind == "NOTE":
                    for marker, hook in list(hooks.items()):
                        if marker in line.text:
                            del hooks[marker]  # each hook fires once (both logs may carry the same NOTE)
                            await self.at(line.t)
                            result = hook()
                            if result is not None:
                                await result
                            await self.sync()
                elif line.kind == "REQ":
                    request, response = _REQ.match(line.text), _RSP.match(responses[index].text)
                    assert request and response, line.text
                    recorded = Exchange(request[1], request[2], json.loads(request[3]))
                    recorded.status, recorded.reason = int(response[1]), response[2]
                    recorded.content_type = None if response[3] == "None" else response[3]
                    recorded.body = response[4]
                    recorded_step += 1
                    await self.at(line.t)
                    await self.request(recorded)
            await self.sync()

    def compare_rest(self, shape_only_paths: tuple[str, ...] = (), lingering: frozenset[str] = frozenset()) -> None:
        """`lingering`: recorded ids a list may show that pbxsim has already destroyed (see the caller)."""
        for recorded, actual in self.exchanges:
            where = f"{recorded.method} {recorded.path} {recorded.query}"
            assert (actual.status, actual.reason) == (recorded.status, recorded.reason), where
            assert (actual.content_type or "").lower() == (recorded.content_type or "").lower(), where
            if not recorded.body:
                assert actual.body == "", where
                continue
            want, got = json.loads(recorded.body), json.loads(actual.body)
            if recorded.status >= 400:
                assert got == want, where
            elif recorded.path in shape_only_paths:
                assert key_tree(got) == key_tree(want) or (got and not want), where
            elif recorded.path in UNORDERED_LISTS and isinstance(want, list):
                # Asterisk lists channels/bridges in hash-container order, not creation order.
                want = [item for item in want if item.get("id") not in lingering]
                assert sorted(json.dumps(normalize(item, self.ids, "sim")) for item in got) == sorted(
                    json.dumps(normalize(item, self.ids, "rec")) for item in want
                ), where
            else:
                assert normalize(got, self.ids, "sim") == normalize(want, self.ids, "rec"), where
                assert key_order(got) == key_order(want), where

    def compare_events(self) -> None:
        compare_events(self.expected, self.events, self.ids)


async def replay_recording(sim: PbxSim, clock: ManualClock, name: str, hooks: dict[str, Hook]) -> Replay:
    """One recorded ARI session played against `sim` on one WebSocket, opened first and closed last; the
    returned replay holds what was sent and seen, for its `compare_*` methods."""
    async with aiohttp.ClientSession() as http:
        replay = Replay(sim, clock, http)
        await replay.connect()
        await replay.run(load_log(name), hooks)
        await replay.close()
    return replay
