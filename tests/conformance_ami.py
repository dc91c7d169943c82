"""Replaying recorded AMI sessions against pbxsim and comparing what comes back with the recording.

The recorded client's requests (`X.annotated.txt`, with their times) are sent to a `PbxSim` on a
`ManualClock` shared with the test, over a real loopback socket. Before each request or `### NOTE` hook the
clock is advanced to the recorded time and the scheduler settled, so ring times, Wait()/Playback lengths and
originate timeouts fire where they fired on Asterisk. After each step a barrier `Ping` (ActionID
`conformance-barrier-N`, never compared) collects everything pbxsim sent so far without any wall-time wait.
A request naming a recorded channel (`Channel: Local/s@park-wait-0000000c;2`) is sent naming the live
simulated channel that differs only in the driver's sequence number (`AmiReplay.live_names`). A session
recorded beside an ARI run (`X.side_ami`, `X.trigger_ami`) is driven from the ARI replay's timeline instead
(`open`/`send`/`close`, tests/conformance_ari.py).

What is compared, and what is deliberately ignored (and why):
* Responses (`Response:` first): per step, in order, every header and value exactly, after masking the
  `pbxsim_helpers.VARYING` values (times, addresses) - names, order and formats included.
* List events (ActionID second, NOTES AMI 2): exactly, with simulator ids mapped like the events', except
  DeviceStateList items for devices pbxsim does not simulate (MWI:, Queue: - app_voicemail/app_queue; the
  engine owns routing) and therefore the ListItems count of DeviceStateListComplete, which must equal the
  number of items actually sent. DeviceStateChange and CoreShowChannel items are compared as a set: Asterisk
  lists channels in hash-container order (Local/100 ;2 before ;1 in ami_login_and_queue_call, ;1 before ;2
  in ari_ws_reconnect.side_ami).
* Events: only `COMPARED_EVENTS` (those callhive consumes). Not compared: Newexten, NewCallerid,
  NewConnectedLine, LocalBridge (dialplan narration and connected-line updates), VarSet of anything but
  `COMPARED_VARIABLES` (RTPAUDIOQOS*, PLAYBACKSTATUS, SIPDOMAIN come from media statistics and far-end
  dialplan), security events of SIP registrations (ChallengeSent...: pbxsim has no SIP stack).
* DeviceStateChange events of devices other than pbxsim's PJSIP endpoints (Local/, Queue:, Announcer/ - a
  bridge's MOH announcer) and of PJSIP/loop (its state aggregates both loop legs).
* Far-end channels of the lab's SIP loop: the recorded far ends were the *same* Asterisk answering the loop
  (`PJSIP/loop-N` born in state Ring). pbxsim models far ends without channels, so every event of such a
  channel is ignored (`ignored`; also events that name it as Dest*).
* Masking inside events: Priority is compared by format (digits): on a Local ;2 half it counts the far end's
  dialplan steps (Ringing, Wait, Answer...), which pbxsim does not execute. Uniqueid/Linkedid (and Dest*)
  are mapped recorded <-> simulated through an IdMap (an inconsistent mapping fails); channel names lose only
  their 8-hex sequence number; MIXMONITOR_FILENAME is compared by file name (the directory is the test's; a
  Uniqueid in it, `ext300-${UNIQUEID}.wav`, is mapped like the header);
  RoundtripUsec and ExpirationTime / RegExpire must be digits; a contact's CallId (CallID) and UserAgent are the
  recorded softphone's own.
* Order: per object (a channel's Uniqueid, an OriginateResponse's ActionID, a device, an AOR) the sequence of
  events must equal the recorded one exactly. Across objects, each event must arrive in the same step as
  recorded or one step earlier: Asterisk delivers events asynchronously, and the recorded client sometimes
  sent its next request before an event caused by the previous one arrived (ami_mixmonitor t=34.489), and
  NOTES records the relative order of OriginateResponse and the Hangups as varying by outcome.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pbxsim.clock import ManualClock
from pbxsim.server import PbxSim
from tests.pbxsim_helpers import END, GUARD_SECONDS, VARYING, headers_of
from tests.recorded import TRANSCRIPTS

USER = SECRET = "engine"
COMPARED_EVENTS = {
    "Newchannel", "Newstate", "Hangup", "HangupRequest", "SoftHangupRequest", "DialBegin", "DialState",
    "DialEnd", "OriginateResponse", "BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy",
    "MusicOnHoldStart", "MusicOnHoldStop", "MixMonitorStart", "MixMonitorStop", "MixMonitorMute",
    "DeviceStateChange", "ContactStatus", "PeerStatus", "VarSet", "DTMFBegin", "DTMFEnd",
    "FullyBooted", "SuccessfulAuth",
}  # fmt: skip
COMPARED_VARIABLES = {"CASE", "MIXMONITOR_FILENAME"}
ID_HEADERS = {"Uniqueid", "Linkedid", "DestUniqueid", "DestLinkedid"}
CHANNEL_HEADERS = {"Channel", "DestChannel"}
SEQ = re.compile(r"-[0-9a-f]{8}(;[12])?$")
Message = list[tuple[str, str]]
Hook = Callable[[], Awaitable[None] | None]


@dataclass
class Item:
    kind: str  # SENT, NOTE, RECV
    t: float
    payload: bytes


def load_items(name: str) -> list[Item]:
    data = (TRANSCRIPTS / f"{name}.annotated.txt").read_bytes()
    marker = re.compile(
        rb"^### (>>> SENT|<<< RECV) (\d+) bytes t=([\d.]+)[^\n]*\n|^### NOTE\s+t=([\d.]+):([^\n]*)\n", re.M
    )
    items, position = [], 0
    while (match := marker.search(data, position)) is not None:
        if match[4] is not None:
            items.append(Item("NOTE", float(match[4]), match[5]))
            position = match.end()
            continue
        size, start = int(match[2]), match.end()
        items.append(Item("SENT" if b"SENT" in match[1] else "RECV", float(match[3]), data[start : start + size]))
        position = start + size
    return items


def recorded_steps(items: list[Item]) -> list[list[Message]]:
    """Received messages grouped by the request they followed (index 0: before the first request)."""
    steps: list[list[Message]] = [[]]
    pending = b""
    for item in items:
        if item.kind == "SENT":
            steps.append([])
        elif item.kind == "RECV":
            pending += item.payload
            if pending.startswith(b"Asterisk Call Manager"):
                pending = pending[pending.index(b"\r\n") + 2 :]
            while END in pending:
                raw, pending = pending.split(END, 1)
                steps[-1].append(headers_of(raw + END))
    return steps


class IdMap:
    """Recorded ids <-> simulator ids; a second, different binding for either side fails the test."""

    def __init__(self) -> None:
        self.to_sim: dict[str, str] = {}
        self.to_rec: dict[str, str] = {}

    def bind(self, recorded: str, simulated: str) -> None:
        assert self.to_sim.setdefault(recorded, simulated) == simulated, (recorded, simulated)
        assert self.to_rec.setdefault(simulated, recorded) == recorded, (recorded, simulated)

    def sim(self, recorded: str) -> str:
        return self.to_sim.get(recorded, recorded)

    def rec(self, simulated: str) -> str:
        return self.to_rec.get(simulated, simulated)


def _value(key: str, value: str) -> str:
    pattern = VARYING.get(key)
    if pattern is not None and re.fullmatch(pattern, value):
        return f"<{key}>"
    if key in CHANNEL_HEADERS:
        return SEQ.sub(r"-<seq>\1", value)
    if key == "RoundtripUsec" and value.isdigit():
        return "<usec>"
    if key in ("CallId", "CallID", "UserAgent") and value:
        return f"<{key}>"  # chosen by the recorded softphone (lab-sipreg), not by Asterisk
    if key in ("ExpirationTime", "RegExpire") and value.isdigit() and value != "0":
        return "<epoch>"
    if key in ("Priority", "DestPriority") and value.isdigit():
        return "<priority>"  # follows the far end's dialplan steps (Ringing, Wait, Answer), not executed
    return value


def mask(message: Message) -> Message:
    out = [(key, _value(key, value)) for key, value in message]
    if dict(message).get("Variable") == "MIXMONITOR_FILENAME":
        out = [(k, v.rsplit("/", 1)[-1] if k == "Value" else v) for k, v in out]
    return out


def is_event(message: Message) -> bool:
    return message[0][0] == "Event" and (len(message) < 2 or message[1][0] != "ActionID")


def wanted(message: Message, ignored_channels: set[str]) -> bool:
    fields = dict(message)
    name = fields["Event"]
    if name not in COMPARED_EVENTS or ignored_channels & {fields.get("Uniqueid"), fields.get("DestUniqueid")}:
        return False
    if fields.get("Service") == "PJSIP":
        return False  # SIP digest auth of REGISTERs: pbxsim has no SIP stack
    if name == "VarSet" and fields.get("Variable") not in COMPARED_VARIABLES:
        return False
    device = fields.get("Device", "")
    # Device states pbxsim keeps are its PJSIP endpoints' (module docstring): not PJSIP/loop, Local/, Queue:,
    # Announcer/ (a bridge's MOH announcer, ari_ws_reconnect.side_ami t=9.034).
    return not (name == "DeviceStateChange" and (device == "PJSIP/loop" or not device.startswith("PJSIP/")))


def object_key(message: Message) -> str:
    fields = dict(message)
    for key in ("Uniqueid", "DestUniqueid"):
        if key in fields and fields["Event"] != "OriginateResponse":
            return f"channel:{fields[key]}"
    for key in ("ActionID", "Device", "AOR", "Peer", "BridgeUniqueid"):
        if key in fields:
            return f"{key}:{fields[key]}"
    return fields["Event"]


def far_end_channels(steps: list[list[Message]]) -> set[str]:
    """Recorded Uniqueids of the SIP loop's far-end legs: PJSIP channels born ringing (an inbound INVITE)."""
    return {
        dict(m)["Uniqueid"]
        for step in steps
        for m in step
        if dict(m).get("Event") == "Newchannel" and m[2][1].startswith("PJSIP/") and dict(m)["ChannelState"] == "4"
    }


def _list_rows(step: list[Message], ids: IdMap | None = None) -> list[Message]:
    """Responses and list items of a step, masked; with `ids`, simulator ids mapped to the recorded ones."""
    rows = []
    for message in step:
        if is_event(message):
            continue
        fields = dict(message)
        if fields.get("Event") == "DeviceStateChange" and not fields["Device"].startswith("PJSIP/"):
            continue  # MWI:/Queue: devices are not simulated (module docstring)
        if ids is not None:
            message = [(k, ids.to_rec.get(v, v) if k in ID_HEADERS else v) for k, v in message]
        rows.append(mask([(k, "<n>" if fields.get("Event") == "DeviceStateListComplete" and k == "ListItems" else v)
                          for k, v in message]))  # fmt: skip
    return rows


def _dialstate_first_to_second(group: list[tuple[int, Message]]) -> None:
    """ami_outbound_outcomes shows DialState RINGING both before (t=0.305) and after (t=10.319) the Newstate
    Ringing of the same kind of SIP originate, its snapshot saying Down or Ringing accordingly: Asterisk's
    order varies here. Such a recorded pair is compared in the Newstate-first order pbxsim publishes."""
    for index in range(len(group) - 1):
        (step, first), (_, second) = group[index], group[index + 1]
        ringing = dict(second).get("ChannelStateDesc") == "Ringing"
        if dict(first)["Event"] == "DialState" and dict(second)["Event"] == "Newstate" and ringing:
            state = {"DestChannelState": dict(second)["ChannelState"], "DestChannelStateDesc": "Ringing"}
            fixed = [(key, state.get(key, value)) for key, value in first]
            group[index], group[index + 1] = group[index + 1], (step, fixed)


def _recorded_ids_in_filename(message: Message, ids: IdMap) -> Message:
    """A dialplan `MixMonitor(ext300-${UNIQUEID}.wav)` names its file after the channel: the simulator's
    Uniqueid in MIXMONITOR_FILENAME is mapped back like the Uniqueid header bound just before it."""
    if dict(message).get("Variable") != "MIXMONITOR_FILENAME":
        return message
    out = []
    for key, value in message:
        if key == "Value":
            directory, _, name = value.rpartition("/")
            stem, dot, suffix = name.rpartition(".")
            parts = stem.split("-")
            stem = "-".join(ids.to_rec.get(part, part) for part in parts)
            value = f"{directory}/{stem}{dot}{suffix}" if directory else f"{stem}{dot}{suffix}"
        out.append((key, value))
    return out


# List items Asterisk emits in the order of a hash container (channels), compared as a set like device states:
# the same CoreShowChannels listed Local/100;2 before ;1 in one transcript, ;1 before ;2 in another.
_UNORDERED_ROWS = {"DeviceStateChange", "CoreShowChannel"}
RowMask = Callable[[Message], Message]


def _compare_rows(expected: list[list[Message]], actual: list[list[Message]], ids: IdMap, row_mask: RowMask) -> None:
    for number, (want, got) in enumerate(zip(expected, actual, strict=True)):
        want_rows = [row_mask(row) for row in _list_rows(want)]
        got_rows = [row_mask(row) for row in _list_rows(got, ids)]
        device_items = [r for r in got_rows if r[0][1] == "DeviceStateChange"]
        for row in got_rows:
            if dict(row).get("Event") == "DeviceStateListComplete":
                assert dict(got[[dict(m).get("Event") for m in got].index("DeviceStateListComplete")])[
                    "ListItems"
                ] == str(len(device_items))
        assert sorted(map(repr, got_rows)) == sorted(map(repr, want_rows)), (number, got_rows, want_rows)
        assert [r for r in got_rows if r[0][1] not in _UNORDERED_ROWS] == [
            r for r in want_rows if r[0][1] not in _UNORDERED_ROWS
        ], f"step {number}: response order"


def compare(
    expected: list[list[Message]],
    actual: list[list[Message]],
    ignored: set[str],
    ignored_sim: frozenset[str] = frozenset(),
    extra_mask: RowMask = lambda message: message,
) -> IdMap:
    """`ignored`: recorded Uniqueids whose events are not compared, `ignored_sim` the simulator's; `extra_mask`
    masks events and list items further (the caller says why). List items are compared with simulator ids
    mapped."""
    assert len(actual) == len(expected), (len(actual), len(expected))
    ids = IdMap()

    def grouped(steps: list[list[Message]], side: str) -> dict[str, list[tuple[int, Message]]]:
        groups: dict[str, list[tuple[int, Message]]] = {}
        for number, step in enumerate(steps):
            for message in step:
                if is_event(message) and wanted(message, ignored if side == "rec" else set(ignored_sim)):
                    groups.setdefault(object_key(message), []).append((number, message))
        return groups

    want_groups, got_groups = grouped(expected, "rec"), grouped(actual, "sim")
    for group in want_groups.values():
        _dialstate_first_to_second(group)
    # Bind ids in order of first appearance per object, then compare with ids mapped.
    rec_keys = sorted(want_groups, key=lambda k: (want_groups[k][0][0], list(want_groups).index(k)))
    sim_keys = sorted(got_groups, key=lambda k: (got_groups[k][0][0], list(got_groups).index(k)))
    assert len(rec_keys) == len(sim_keys), (rec_keys, sim_keys)
    for rec_key, sim_key in zip(rec_keys, sim_keys, strict=True):
        recorded, simulated = want_groups[rec_key], got_groups[sim_key]
        names = ([dict(m)["Event"] for _, m in simulated], [dict(m)["Event"] for _, m in recorded])
        assert names[0] == names[1], (rec_key, names)
        for (rec_step, rec_msg), (sim_step, sim_msg) in zip(recorded, simulated, strict=True):
            assert [k for k, _ in sim_msg] == [k for k, _ in rec_msg], (rec_key, sim_msg, rec_msg)
            for (rk, rv), (_, sv) in zip(rec_msg, sim_msg, strict=True):
                if rk in ID_HEADERS and rv != "<unknown>":
                    ids.bind(rv, sv)
            mapped = [(k, ids.to_rec.get(v, v) if k in ID_HEADERS else v) for k, v in sim_msg]
            mapped = _recorded_ids_in_filename(mapped, ids)
            want_msg, got_msg = extra_mask(mask(rec_msg)), extra_mask(mask(mapped))
            assert got_msg == want_msg, (rec_key, got_msg, want_msg)
            assert rec_step - 1 <= sim_step <= rec_step, (rec_key, dict(rec_msg)["Event"], rec_step, sim_step)
    _compare_rows(expected, actual, ids, extra_mask)
    return ids


@dataclass
class AmiReplay:
    sim: PbxSim
    clock: ManualClock
    steps: list[list[Message]] = field(default_factory=lambda: [[]])
    base: float = 0.0
    _barrier: int = 0
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def at(self, t: float) -> None:
        target = self.base + t
        if target > self.clock.now():
            self.clock.advance(target - self.clock.now())
        await self.sim.model.scheduler.settle()

    async def collect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._barrier += 1
        barrier = f"conformance-barrier-{self._barrier}"
        writer.write(f"Action: Ping\r\nActionID: {barrier}\r\n\r\n".encode())
        while True:
            message = headers_of(await reader.readuntil(END))
            if ("ActionID", barrier) in message:
                return
            self.steps[-1].append(message)

    def live_names(self, request: bytes) -> bytes:
        """The recorded request with each `Channel:` naming a recorded channel renamed to the live simulated
        channel of the same name but the driver's sequence number (exactly one must match); names matching
        none (a deliberately missing channel) are sent as recorded."""
        lines = request.split(b"\r\n")
        for index, line in enumerate(lines):
            key, sep, value = line.decode().partition(": ")
            if not sep or key != "Channel" or not SEQ.search(value):
                continue
            pattern = SEQ.sub(r"-<seq>\1", value)
            live = [c.name for c in self.sim.model.channels.values() if SEQ.sub(r"-<seq>\1", c.name) == pattern]
            assert len(live) <= 1, f"{value} is ambiguous: {live}"
            if live:
                lines[index] = f"{key}: {live[0]}".encode()
        return b"\r\n".join(lines)

    async def run(self, name: str, hooks: dict[str, Hook]) -> list[list[Message]]:
        return await self.run_items(load_items(name), hooks)

    async def run_items(self, items: list[Item], hooks: dict[str, Hook]) -> list[list[Message]]:
        self.base = self.clock.now()
        async with asyncio.timeout(GUARD_SECONDS):
            await self.open()
            try:
                for item in items:
                    if item.kind == "NOTE":
                        for marker, hook in list(hooks.items()):
                            if marker in item.payload.decode():
                                del hooks[marker]
                                await self.at(item.t)
                                result = hook()
                                if result is not None:
                                    await result
                    elif item.kind == "SENT":
                        await self.at(item.t)
                        await self.send(item.payload)
                assert not hooks, f"hooks never ran: {list(hooks)}"
            finally:
                await self.close()
        return self.steps

    # A session driven from outside (an ARI replay's timeline, conformance_ari.Replay with `side`): open, send
    # each recorded request at its time, close. `run_items` is the same for a session on its own.

    async def open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.sim.ami_port)
        assert await self._reader.readline() == b"Asterisk Call Manager/11.0.0\r\n"

    async def send(self, request: bytes) -> None:
        reader, writer = self._reader, self._writer
        assert reader is not None and writer is not None, "open() first"
        if self.steps != [[]]:
            await self.collect(reader, writer)
        self.steps.append([])
        writer.write(self.live_names(request))
        await writer.drain()
        if not request.startswith(b"Action: Logoff"):
            # handled at its recorded time: the barrier answers only once it has been
            await self.collect(reader, writer)
            await self.sim.model.scheduler.settle()
        else:
            self.steps[-1].append(headers_of(await reader.readuntil(END)))
            assert await reader.read() == b"", "the server closes after Goodbye"

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await asyncio.gather(self._writer.wait_closed(), return_exceptions=True)
