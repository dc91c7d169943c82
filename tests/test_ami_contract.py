"""Contract: the recorded Asterisk 22.10.1 AMI sessions, replayed over loopback through the engine's AmiClient.

Each test plays one transcript (tests/recordings/asterisk/transcripts) through tests/ami_replay.py: the client
logs in, sends the recorded actions as typed commands, and gets Asterisk's recorded bytes back in the
recorded TCP chunks. Checked: every action the client wrote equals the recorded one (ActionID aside), no
event is lost or left untyped (counts per event name equal the raw recording's), and the typed fields and
results carry the recorded values and NOTES.md quirks.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from engine.adapters.ami import AmiClient
from engine.adapters.ami.frames import Message
from engine.config import AmiSettings
from engine.pbx import ami_commands as c
from engine.pbx import ami_events as ev
from engine.secret import Secret
from pbxsim.clock import ManualClock
from tests.ami_replay import ReplayServer, Step, load, received_bytes, recorded_actions, without_action_id

Outcome = Any  # a command's typed result, or the exception it ended in


def settings(port: int) -> AmiSettings:
    return AmiSettings("127.0.0.1", port, "engine", Secret("engine"), 5.0)


def typed(action: Message) -> c.AmiCommand[object]:
    """The typed command for a recorded action, built from its fields (so its encoding is checked against them)."""
    h = {key: value for key, value in action}
    name = h["Action"]
    opt = h.get
    if name == "Originate":
        fields = dict(
            channel=h["Channel"],
            context=opt("Context"),
            exten=opt("Exten"),
            priority=int(h["Priority"]) if "Priority" in h else None,
            application=opt("Application"),
            data=opt("Data"),
            timeout_ms=int(h["Timeout"]) if "Timeout" in h else None,
            caller_id=opt("CallerID"),
            variables=tuple(tuple(v.split("=", 1)) for k, v in action if k == "Variable"),
        )
        return c.OriginateAsync(**fields) if opt("Async") == "true" else c.Originate(**fields)  # type: ignore[arg-type]
    simple: dict[str, c.AmiCommand[object]] = {
        "Ping": c.Ping(),
        "CoreShowChannels": c.CoreShowChannels(),
        "PJSIPShowEndpoints": c.PJSIPShowEndpoints(),
        "PJSIPShowContacts": c.PJSIPShowContacts(),
        "DeviceStateList": c.DeviceStateList(),
    }
    if name in simple:
        return simple[name]
    flag = {"true": True, "false": False}
    builders: dict[str, Any] = {
        "Hangup": lambda: c.Hangup(h["Channel"], int(h["Cause"]) if "Cause" in h else None),
        "Redirect": lambda: c.Redirect(h["Channel"], h["Context"], h["Exten"], int(h["Priority"])),
        "Getvar": lambda: c.Getvar(h["Variable"], opt("Channel")),
        "Setvar": lambda: c.Setvar(h["Variable"], h["Value"], opt("Channel")),
        "Status": lambda: c.Status(opt("Channel")),
        "MixMonitor": lambda: c.MixMonitor(h["Channel"], h["File"], opt("Options")),
        "StopMixMonitor": lambda: c.StopMixMonitor(h["Channel"]),
        "MixMonitorMute": lambda: c.MixMonitorMute(h["Channel"], h["State"] == "1", ev.MuteDirection(h["Direction"])),
        "PJSIPShowEndpoint": lambda: c.PJSIPShowEndpoint(h["Endpoint"]),
        "QueueAdd": lambda: c.QueueAdd(
            h["Queue"],
            h["Interface"],
            opt("MemberName"),
            opt("StateInterface"),
            int(h["Penalty"]) if "Penalty" in h else None,
            flag[h["Paused"]] if "Paused" in h else None,
        ),
        "QueueRemove": lambda: c.QueueRemove(h["Queue"], h["Interface"]),
        "QueuePause": lambda: c.QueuePause(h["Interface"], flag[h["Paused"]], opt("Queue"), opt("Reason")),
        "QueuePenalty": lambda: c.QueuePenalty(h["Interface"], int(h["Penalty"]), opt("Queue")),
        "QueueStatus": lambda: c.QueueStatus(opt("Queue"), opt("Member")),
        "QueueSummary": lambda: c.QueueSummary(opt("Queue")),
        "Command": lambda: c.Command(h["Command"]),
    }
    if name in builders:
        command: c.AmiCommand[object] = builders[name]()
        return command
    return c.RawAction(name, [(k, v) for k, v in action if k not in ("Action", "ActionID")])


@dataclass
class Replay:
    events: list[ev.AmiStreamItem]
    results: list[tuple[c.AmiCommand[object], Outcome]]
    server: ReplayServer
    steps: list[Step]

    def of(self, kind: type[Any]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]

    def outcomes(self, action: str) -> list[Outcome]:
        return [outcome for command, outcome in self.results if command.action_name() == action]


async def replay(name: str) -> Replay:
    """Log in, send every recorded action (Login and Logoff aside) in order, collect results, log off."""
    steps = load(name)
    server = ReplayServer([steps])
    port = await server.start()
    events: list[ev.AmiStreamItem] = []
    connected = asyncio.Event()

    def consume(item: ev.AmiStreamItem) -> None:
        events.append(item)
        if isinstance(item, ev.AmiConnected):
            connected.set()

    client = AmiClient(settings(port), ManualClock(), consume)
    commands = [typed(action) for action in recorded_actions(steps)[1:] if action[0][1] != "Logoff"]
    results: list[tuple[c.AmiCommand[object], Outcome]] = []
    try:
        async with asyncio.TaskGroup() as group:
            runner = group.create_task(client.run())
            await connected.wait()
            # Submitted back to back: the wire order is the recorded one even though async Originates
            # complete only after later actions (their OriginateResponse comes later in the stream).
            futures = [client.submit(command) for command in commands]
            for command, future in zip(commands, futures, strict=True):
                try:
                    results.append((command, await future))
                except c.AmiError as exc:
                    results.append((command, exc))
            await client.close()
            await runner
    finally:
        await server.stop()
    assert server.mismatches == []
    sent = [without_action_id(action) for _, action in server.received if action[0][1] != "Filter"]
    assert sent == [without_action_id(action) for action in recorded_actions(steps)]
    return Replay(events, results, server, steps)


def wire_event_counts(name: str) -> Counter[str]:
    return Counter(m.decode() for m in re.findall(rb"(?m)^Event: ([\w-]+)\r$", received_bytes(name)))


def event_name(event: ev.AmiEvent) -> str:
    if isinstance(event, ev.UnknownAmiEvent):
        return event.name
    name: str = type(event).EVENT  # type: ignore[attr-defined]
    return name


TRANSCRIPTS = [
    "ami_login_and_queue_call",
    "ami_abandon",
    "ami_ringnoanswer",
    "ami_mixmonitor",
    "ami_chanspy",
    "ami_chanspy_variant_hangup_spy_leg",
    "ami_chanspy_sip_supervisor",
    "ami_misc_and_errors",
    "ami_outbound_outcomes",
    "ami_register_devicestate",
    "ami_pjsip_loop_queue_call",
]  # not ami_login_events_off: the engine never logs in with `Events: off`

# Events the adapter types (a recording's event of these names must not come out as UnknownAmiEvent).
TYPED = {
    "FullyBooted", "Newchannel", "Newstate", "Hangup", "HangupRequest", "VarSet", "DialBegin", "DialState", "DialEnd",
    "OriginateResponse", "BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy", "MixMonitorStart",
    "MixMonitorStop", "MixMonitorMute", "ChanSpyStart", "ChanSpyStop", "DeviceStateChange", "ContactStatus",
    "PeerStatus", "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled", "AgentConnect",
    "AgentRingNoAnswer", "AgentComplete", "QueueMemberStatus", "QueueMemberAdded", "QueueMemberRemoved",
    "QueueMemberPause", "QueueMemberPenalty", "CoreShowChannel", "Status", "EndpointList", "ContactList",
    "QueueParams", "QueueMember", "QueueEntry", "QueueSummary",
}  # fmt: skip


@pytest.mark.parametrize("name", TRANSCRIPTS)
async def test_every_recorded_event_comes_out_typed_in_wire_order(name: str) -> None:
    run = await replay(name)
    wire_events = [item for item in run.events if isinstance(item, ev.AmiEvent)]
    assert Counter(event_name(event) for event in wire_events) == wire_event_counts(name)
    untyped = {event.name for event in wire_events if isinstance(event, ev.UnknownAmiEvent)}
    assert not untyped & TYPED
    # The stream opens with AmiConnected and, after Logoff's EOF, ends with AmiDisconnected.
    assert isinstance(run.events[0], ev.AmiConnected)
    assert isinstance(run.events[-1], ev.AmiDisconnected)
    # Wire order: the Event: lines of the recording, in order, are the delivered events' names.
    recorded = [m.decode() for m in re.findall(rb"(?m)^Event: ([\w-]+)\r$", received_bytes(name))]
    assert [event_name(event) for event in wire_events] == recorded


async def test_login_and_queue_call() -> None:
    run = await replay("ami_login_and_queue_call")
    pongs = run.outcomes("Ping")
    assert [p.timestamp for p in pongs] == [1795519088.978438, 1795519088.978648]
    (unknown,) = run.outcomes("NoSuchAction")
    assert isinstance(unknown, c.AmiActionError)
    assert unknown.message.startswith("Invalid/unknown command: NoSuchAction.")
    statuses = run.outcomes("QueueStatus")
    assert [type(item).__name__ for item in statuses[0]] == ["QueueParams", "QueueMemberEntry", "QueueMemberEntry"]
    assert statuses[2] == ()  # unknown queue: Success with an empty list
    member = statuses[0][1].member
    assert (member.member_name, member.interface, member.status, member.ringinuse) == (
        "Agent 1001",
        "Local/1001@agents/n",
        ev.MemberStatus.NOT_INUSE,
        None,
    )
    assert run.outcomes("CoreShowChannels")[0] == ()
    (originated,) = run.outcomes("Originate")
    assert isinstance(originated, ev.OriginateResponse)
    assert (originated.success, originated.reason, originated.channel) == (
        True,
        ev.OriginateReason.ANSWERED,
        "Local/100@from-caller-00000005;1",
    )
    # QueueCallerLeave comes before AgentConnect (NOTES.md AMI 6); AgentConnect RingTime (s) is given in ms.
    names = [type(e).__name__ for e in run.events]
    assert names.index("QueueCallerLeave") < names.index("AgentConnect")
    (connect,) = run.of(ev.AgentConnect)
    assert (connect.ring_time_ms, connect.hold_time_s, connect.member_name) == (2000, 2, "Agent 1002")
    assert connect.agent.exten == "100"  # the caller's exten, as recorded
    (complete,) = run.of(ev.AgentComplete)
    assert complete.reason in (ev.AgentCompleteReason.CALLER, ev.AgentCompleteReason.AGENT)
    hangups = run.of(ev.Hangup)
    assert {(h.cause, h.cause_txt) for h in hangups} == {(16, "Normal Clearing")}
    pauses = run.outcomes("QueuePause")
    assert [getattr(p, "message", None) for p in pauses] == [
        "Interface paused successfully",
        "Interface unpaused successfully",
        "Interface not found",
    ]
    adds = run.outcomes("QueueAdd")
    assert adds[0] == c.ActionOk("Added interface to queue")
    assert isinstance(adds[1], c.AmiActionError) and adds[1].message == "Unable to add interface: Already there"
    removes = [getattr(r, "message", None) for r in run.outcomes("QueueRemove")]
    assert removes == [
        "Removed interface from queue",
        "Unable to remove interface: Not there",
        "Unable to remove interface from queue: No such queue",
    ]
    (status,) = run.outcomes("Status")
    assert len(status) == 4 and all(isinstance(s.channel, ev.ChannelSnapshot) for s in status)


async def test_abandon() -> None:
    run = await replay("ami_abandon")
    (abandon,) = run.of(ev.QueueCallerAbandon)
    (leave,) = run.of(ev.QueueCallerLeave)
    assert (abandon.position, abandon.original_position, abandon.hold_time_s) == (1, 1, 4)
    assert leave.count == 0 and run.events.index(abandon) < run.events.index(leave)
    assert run.outcomes("Hangup") == [c.ActionOk("Channel Hungup")]


async def test_ring_no_answer_times_are_milliseconds() -> None:
    run = await replay("ami_ringnoanswer")
    (rna,) = run.of(ev.AgentRingNoAnswer)
    assert (rna.ring_time_ms, rna.interface) == (15000, "Local/1009@agents/n")
    (connect,) = run.of(ev.AgentConnect)
    assert connect.ring_time_ms % 1000 == 0 and connect.interface == "Local/1001@agents/n"
    added = run.of(ev.QueueMemberAdded)
    assert added[0].member.member_name == "Agent 1009 (never answers)"


async def test_mixmonitor() -> None:
    run = await replay("ami_mixmonitor")
    mutes = run.of(ev.MixMonitorMute)
    assert [(m.direction, m.muted) for m in mutes] == [(ev.MuteDirection.BOTH, True), (ev.MuteDirection.BOTH, False)]
    assert len(run.of(ev.MixMonitorStop)) == 2  # one per StopMixMonitor that stopped something
    stops = run.outcomes("StopMixMonitor")
    assert isinstance(stops[2], c.AmiActionError) and stops[2].message == "Could not stop monitoring channel"
    started = run.outcomes("MixMonitor")
    assert started[:2] == [c.ActionOk(""), c.ActionOk("")]  # no MixMonitorID, no Message (NOTES.md AMI 11)
    assert isinstance(started[2], c.AmiActionError) and started[2].message == "No such channel"


@pytest.mark.parametrize("name", ["ami_chanspy", "ami_chanspy_variant_hangup_spy_leg", "ami_chanspy_sip_supervisor"])
async def test_chanspy_prefixes(name: str) -> None:
    run = await replay(name)
    starts = run.of(ev.ChanSpyStart)
    assert starts and len(run.of(ev.ChanSpyStop)) == len(starts)
    for start in starts:
        assert start.spyee.channel.startswith("Local/1002@agents-") or start.spyee.channel.startswith("Local/100")
        assert start.spyer.channel != start.spyee.channel
        assert start.spyer.uniqueid != start.spyee.uniqueid


async def test_chanspy_getvar() -> None:
    run = await replay("ami_chanspy")
    assert run.outcomes("Getvar") == [c.VariableValue("AGENTWAIT", "30")]
    assert run.outcomes("Setvar") == [c.ActionOk("Variable Set"), c.ActionOk("Variable Set")]


async def test_misc_and_errors() -> None:
    run = await replay("ami_misc_and_errors")
    commands = run.outcomes("Command")
    assert commands[0].lines[0].startswith("Asterisk 22.10.1 built by")
    assert isinstance(commands[2], c.AmiActionError)
    assert commands[2].output[0].startswith("No such command 'no such cli command'")
    getvars = run.outcomes("Getvar")
    assert isinstance(getvars[0], c.AmiActionError) and getvars[0].message == "No such channel"
    assert getvars[1] == c.VariableValue("NO_SUCH_GLOBAL", "")
    (redirect,) = run.outcomes("Redirect")
    assert redirect.message == "Channel does not exist: Local/nonexistent-00000000;1"
    originates = run.outcomes("Originate")
    assert [o.message for o in originates[:2]] == [
        "Originate with 'Exten' requires 'Context' and 'Priority'",
        "Originate failed",
    ]
    failed, timed_out = originates[2:]
    assert (failed.success, failed.reason, failed.uniqueid, failed.channel) == (
        False,
        ev.OriginateReason.FAILED,
        None,
        "Local/999@from-caller",
    )
    assert timed_out.reason is ev.OriginateReason.RINGING
    (core_status,) = run.outcomes("CoreStatus")
    assert isinstance(core_status, c.AmiReply) and core_status.get("CoreCurrentCalls") != ""


async def test_outbound_outcomes_reason_by_channel_type() -> None:
    run = await replay("ami_outbound_outcomes")
    reasons = [(o.channel.split("/")[0], o.reason) for o in run.outcomes("Originate")]
    R = ev.OriginateReason
    assert [reason for _, reason in reasons] == [
        R.ANSWERED, R.FAILED, R.RINGING, R.FAILED, R.FAILED, R.FAILED, R.FAILED,  # PJSIP
        R.ANSWERED, R.BUSY, R.RINGING, R.CONGESTION, R.FAILED,  # Local
    ]  # fmt: skip
    assert {o.uniqueid for o in run.outcomes("Originate") if not o.success} == {None}
    tech_causes = {h.tech_cause for h in run.of(ev.Hangup)}
    assert {486, 503, 480, 408} <= tech_causes and None in tech_causes


async def test_register_devicestate() -> None:
    run = await replay("ami_register_devicestate")
    contacts = run.outcomes("PJSIPShowContacts")
    # "No Contacts found" (a Response: Error, with a stray LF in the Message) is an empty list.
    assert [len(result) for result in contacts] == [0, 1, 0, 1, 0]
    assert (contacts[1][0].status, contacts[1][0].roundtrip_usec) == (ev.ContactStatusValue.REACHABLE, 617)
    assert (contacts[3][0].status, contacts[3][0].roundtrip_usec) == (ev.ContactStatusValue.UNREACHABLE, None)
    assert [len(result) for result in run.outcomes("DeviceStateList")] == [13] * 5
    assert [s.status.value for s in run.of(ev.ContactStatus)] == [
        "NonQualified", "Reachable", "Removed", "NonQualified", "Reachable", "Unreachable", "Removed",
    ]  # fmt: skip
    assert [p.status for p in run.of(ev.PeerStatus)] == [
        ev.PeerStatusValue.REACHABLE,
        ev.PeerStatusValue.UNREACHABLE,
        ev.PeerStatusValue.REACHABLE,
        ev.PeerStatusValue.UNREACHABLE,
    ]
    live = [d for d in run.of(ev.DeviceStateChange) if d.action_id is None and d.device == "PJSIP/1003"]
    assert [d.state for d in live] == [ev.DeviceState.NOT_INUSE, ev.DeviceState.UNAVAILABLE, ev.DeviceState.NOT_INUSE,
                                       ev.DeviceState.UNAVAILABLE]  # fmt: skip


async def test_pjsip_loop_queue_call() -> None:
    run = await replay("ami_pjsip_loop_queue_call")
    ((endpoint,),) = run.outcomes("PJSIPShowEndpoints")
    assert (endpoint.endpoint, endpoint.aor, endpoint.device_state) == ("loop", "loop", "Not in use")
    (details,) = run.outcomes("PJSIPShowEndpoint")
    assert [d.name for d in details] == [
        "EndpointDetail", "TransportDetail", "AorDetail", "ContactStatusDetail", "IdentifyDetail",
    ]  # fmt: skip
    assert run.outcomes("PJSIPShowContacts") == [()]
    (channels,) = run.outcomes("CoreShowChannels")
    assert channels and all(ch.duration_s >= 0 for ch in channels)
    assert {d.dial_status for d in run.of(ev.DialState)} == {ev.DialStatus.RINGING}
