"""pbxsim's app_queue: members kept by AMI QueueAdd/QueuePause/QueueRemove, answered as Asterisk 22 answered them,
and a caller of Queue(fallback) rung through to a free, unpaused member's softphone - reached from a failed
Stasis() or from an ARI continue to the dialplan label `fallback`.

The expected answers are copied from transcripts/ami_login_and_queue_call (t=10.921-10.925, the member management
after the queue call) and the event order from its queue call (t=0.305-9.719), ami_ringnoanswer and ami_abandon.
Real loopback sockets, a ManualClock shared with the test; every AMI exchange ends with a barrier Ping.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import Channel, FarEnd, Party
from pbxsim.server import PbxSim, PbxSimConfig
from tests.conformance_ami import Message
from tests.pbxsim_helpers import GUARD_SECONDS
from tests.test_pbxsim_ami_actions import Client, events

USER = SECRET = "engine"
APP = "callhive"
LOGIN_TIME = ("LoginTime", "<epoch>")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sim(clock: ManualClock, tmp_path: Path) -> AsyncIterator[PbxSim]:
    config = PbxSimConfig(ami_username=USER, ami_secret=SECRET, ari_username=USER, ari_password=SECRET,
                          clock=clock, recordings_dir=tmp_path, seed=1)  # fmt: skip
    async with PbxSim(config) as running:
        yield running


@pytest.fixture
async def ami(sim: PbxSim) -> AsyncIterator[Client]:
    async with asyncio.timeout(GUARD_SECONDS):
        reader, writer = await asyncio.open_connection("127.0.0.1", sim.ami_port)
        await reader.readline()
        client = Client(reader, writer)
        await client.ask("Login", Username=USER, Secret=SECRET)
        yield client
        writer.close()


def epoch_masked(message: Message) -> Message:
    return [(key, "<epoch>") if key in ("LoginTime", "LastPause") and value != "0" else (key, value)
            for key, value in message]  # fmt: skip


def member_fields(paused: str, reason: str, last_pause: str = "0") -> Message:
    """The recorded QueueMember* block of `Agent 1003` (Local/1003@agents/n: no such extension, Status 4)."""
    return [
        ("Queue", "support"), ("MemberName", "Agent 1003"), ("Interface", "Local/1003@agents/n"),
        ("StateInterface", "Local/1003@agents"), ("Membership", "dynamic"), ("Penalty", "2"), ("CallsTaken", "0"),
        ("LastCall", "0"), ("LastPause", last_pause), LOGIN_TIME, ("InCall", "0"), ("Status", "4"),
        ("Paused", paused), ("PausedReason", reason), ("Ringinuse", "0"), ("Wrapuptime", "0"),
    ]  # fmt: skip


async def test_member_actions_answer_as_recorded(ami: Client) -> None:
    added = await ami.ask("QueueAdd", ActionID="queueadd-20", Queue="support", Interface="Local/1003@agents/n",
                          Penalty="2", MemberName="Agent 1003", StateInterface="Local/1003@agents", Paused="false")
    assert [epoch_masked(m) for m in added] == [
        [("Response", "Success"), ("ActionID", "queueadd-20"), ("Message", "Added interface to queue")],
        [("Event", "DeviceStateChange"), ("Privilege", "call,all"),
         ("Device", "Queue:support_pause_Local/1003@agents/n"), ("State", "NOT_INUSE")],
        [("Event", "QueueMemberAdded"), ("Privilege", "agent,all"), *member_fields("0", "")],
    ]  # fmt: skip
    again = await ami.ask("QueueAdd", ActionID="queueadd-21", Queue="support", Interface="Local/1003@agents/n")
    assert again == [[("Response", "Error"), ("ActionID", "queueadd-21"),
                      ("Message", "Unable to add interface: Already there")]]  # fmt: skip
    missing = await ami.ask("QueuePause", ActionID="queuepause-19", Interface="Local/9999@agents/n", Paused="true")
    assert missing == [[("Response", "Error"), ("ActionID", "queuepause-19"), ("Message", "Interface not found")]]

    paused = await ami.ask("QueuePause", ActionID="queuepause-16", Interface="Local/1003@agents/n", Paused="true",
                           Queue="support", Reason="lunch")
    assert [epoch_masked(m) for m in paused] == [
        [("Response", "Success"), ("ActionID", "queuepause-16"), ("Message", "Interface paused successfully")],
        [("Event", "DeviceStateChange"), ("Privilege", "call,all"),
         ("Device", "Queue:support_pause_Local/1003@agents/n"), ("State", "INUSE")],
        [("Event", "QueueMemberPause"), ("Privilege", "agent,all"), *member_fields("1", "lunch", "<epoch>")],
    ]  # fmt: skip
    status = await ami.ask("QueueStatus", ActionID="queuestatus-17", Queue="support", Member="Local/1003@agents/n")
    assert [dict(m).get("Event") for m in status] == [None, "QueueParams", "QueueMember", "QueueStatusComplete"]
    assert status[0] == [("Response", "Success"), ("ActionID", "queuestatus-17"), ("EventList", "start"),
                         ("Message", "Queue status will follow")]  # fmt: skip
    assert epoch_masked(status[2]) == [
        ("Event", "QueueMember"), ("Queue", "support"), ("Name", "Agent 1003"), ("Location", "Local/1003@agents/n"),
        ("StateInterface", "Local/1003@agents"), ("Membership", "dynamic"), ("Penalty", "2"), ("CallsTaken", "0"),
        ("LastCall", "0"), ("LastPause", "<epoch>"), LOGIN_TIME, ("InCall", "0"), ("Status", "4"), ("Paused", "1"),
        ("PausedReason", "lunch"), ("Wrapuptime", "0"), ("ActionID", "queuestatus-17"),
    ]  # fmt: skip
    assert status[3] == [("Event", "QueueStatusComplete"), ("ActionID", "queuestatus-17"), ("EventList", "Complete"),
                         ("ListItems", "2")]  # fmt: skip
    unpaused = await ami.ask("QueuePause", ActionID="queuepause-18", Interface="Local/1003@agents/n", Paused="false")
    assert unpaused[0] == [("Response", "Success"), ("ActionID", "queuepause-18"),
                           ("Message", "Interface unpaused successfully")]  # fmt: skip
    assert dict(unpaused[2])["Paused"] == "0" and dict(unpaused[2])["PausedReason"] == ""

    removed = await ami.ask("QueueRemove", ActionID="queueremove-24", Queue="support", Interface="Local/1003@agents/n")
    assert removed[0] == [("Response", "Success"), ("ActionID", "queueremove-24"),
                          ("Message", "Removed interface from queue")]  # fmt: skip
    assert events(removed) == ["QueueMemberRemoved"]
    not_there = await ami.ask("QueueRemove", ActionID="queueremove-25", Queue="support",
                              Interface="Local/1003@agents/n")
    assert not_there == [[("Response", "Error"), ("ActionID", "queueremove-25"),
                          ("Message", "Unable to remove interface: Not there")]]  # fmt: skip
    no_queue = await ami.ask("QueueRemove", ActionID="queueremove-26", Queue="nosuchqueue",
                             Interface="Local/1003@agents/n")
    assert no_queue == [[("Response", "Error"), ("ActionID", "queueremove-26"),
                         ("Message", "Unable to remove interface from queue: No such queue")]]  # fmt: skip
    unknown = await ami.ask("QueueStatus", ActionID="queuestatus-9", Queue="nosuchqueue")
    assert unknown[1] == [("Event", "QueueStatusComplete"), ("ActionID", "queuestatus-9"), ("EventList", "Complete"),
                          ("ListItems", "0")]  # fmt: skip


def softphone(sim: PbxSim, number: str, far_end: FarEnd) -> None:
    sim.model.world.define_endpoint(number, contact=False, far_end=far_end, context="agents")
    sim.model.devices.register(number)


def caller_down_engine(sim: PbxSim) -> Channel:
    """A caller whose Stasis() fails (no engine): the dialplan's fallback, Answer() and Queue(fallback)."""
    return sim.model.world.place_inbound(APP, ["inbound", "5000"], caller=Party("Ann", "5551000"),
                                         fallback=("Queue", "fallback,,,,300"))


QUEUE_CALL_ORDER = [
    "QueueCallerJoin", "MusicOnHoldStart", "Newchannel", "AgentCalled", "DialBegin", "Newstate", "DialState",
]  # fmt: skip
ANSWER_ORDER = ["Newstate", "DialEnd", "MusicOnHoldStop", "QueueCallerLeave", "AgentConnect", "BridgeCreate",
                "BridgeEnter", "BridgeEnter"]  # fmt: skip
QUEUE_EVENTS = {
    "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled", "AgentConnect", "AgentRingNoAnswer",
    "AgentComplete", "MusicOnHoldStart", "MusicOnHoldStop", "Newchannel", "Newstate", "DialBegin", "DialState",
    "DialEnd", "BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy", "HangupRequest", "SoftHangupRequest",
    "Hangup",
}  # fmt: skip


def queue_events(messages: list[Message]) -> list[str]:
    return [name for name in events(messages) if name in QUEUE_EVENTS]


async def test_a_fallback_caller_reaches_a_free_member_and_the_call_ends_with_the_agent(
    sim: PbxSim, clock: ManualClock, ami: Client
) -> None:
    softphone(sim, "1001", FarEnd.answers(after=2))
    await ami.ask("QueueAdd", Queue="fallback", Interface="PJSIP/1001", MemberName="1001")
    caller = caller_down_engine(sim)
    ringing = await ami.ask("Ping")
    names = queue_events(ringing)
    assert names[names.index("QueueCallerJoin"):] == QUEUE_CALL_ORDER
    called = next(dict(m) for m in ringing if dict(m).get("Event") == "AgentCalled")
    assert (called["Channel"], called["Queue"], called["Interface"], called["MemberName"]) == (
        caller.name, "fallback", "PJSIP/1001", "1001")
    assert called["DestChannel"].startswith("PJSIP/1001-") and called["DestExten"] == "5000"  # the caller's (AMI 9)
    assert dict(next(m for m in ringing if dict(m).get("Event") == "DialBegin"))["DialString"] == "PJSIP/1001"
    member = dict(next(m for m in ringing if dict(m).get("Event") == "QueueMemberStatus"))
    assert member["Status"] == "6"  # the softphone rings

    clock.advance(2)
    await sim.model.scheduler.settle()
    answered = await ami.ask("Ping")
    assert queue_events(answered) == ANSWER_ORDER
    connect = dict(next(m for m in answered if dict(m).get("Event") == "AgentConnect"))
    assert (connect["HoldTime"], connect["RingTime"]) == ("2", "2")
    bridge = dict(next(m for m in answered if dict(m).get("Event") == "BridgeCreate"))
    assert (bridge["BridgeType"], bridge["BridgeCreator"], bridge["BridgeVideoSourceMode"]) == (
        "basic", "<unknown>", "none")
    assert sim.model.world.hearing(caller.id)[-1].what.value == "bridge"
    status = await ami.ask("QueueStatus", Queue="fallback")
    assert dict(next(m for m in status if dict(m).get("Event") == "QueueMember"))["InCall"] == "1"

    clock.advance(7)
    await sim.model.scheduler.settle()
    leg = next(c for c in sim.model.channels.values() if c.endpoint == "PJSIP/1001")
    sim.model.far_end_hangup(leg, 16)  # the agent hangs up
    await sim.model.scheduler.settle()
    ended = await ami.ask("Ping")
    names = queue_events(ended)
    assert names[:2] == ["HangupRequest", "AgentComplete"]
    assert names.index("BridgeDestroy") < names.index("SoftHangupRequest")  # then the caller is hung up
    complete = dict(next(m for m in ended if dict(m).get("Event") == "AgentComplete"))
    assert (complete["HoldTime"], complete["TalkTime"], complete["Reason"]) == ("2", "7", "agent")
    assert caller.destroyed
    after = await ami.ask("QueueStatus", Queue="fallback")
    listed = dict(next(m for m in after if dict(m).get("Event") == "QueueMember"))
    assert (listed["CallsTaken"], listed["InCall"], listed["Status"]) == ("1", "0", "1")


async def test_a_paused_or_busy_member_is_not_rung_until_it_is_free(
    sim: PbxSim, clock: ManualClock, ami: Client
) -> None:
    softphone(sim, "1001", FarEnd.answers(after=1))
    await ami.ask("QueueAdd", Queue="fallback", Interface="PJSIP/1001", MemberName="1001", Paused="true")
    caller = caller_down_engine(sim)
    clock.advance(10)
    await sim.model.scheduler.settle()
    assert "AgentCalled" not in events(await ami.ask("Ping"))
    assert sim.model.world.hearing(caller.id)[-1].what.value == "moh"
    unpaused = await ami.ask("QueuePause", Interface="PJSIP/1001", Paused="false", Queue="fallback")
    await sim.model.scheduler.settle()
    assert "AgentCalled" in events(unpaused + await ami.ask("Ping"))


async def test_nobody_answers_then_the_caller_tries_again_after_retry(
    sim: PbxSim, clock: ManualClock, ami: Client
) -> None:
    softphone(sim, "1009", FarEnd.no_answer())
    await ami.ask("QueueAdd", Queue="fallback", Interface="PJSIP/1009", MemberName="1009")
    caller_down_engine(sim)
    await ami.ask("Ping")
    clock.advance(15)
    await sim.model.scheduler.settle()
    missed = await ami.ask("Ping")
    names = queue_events(missed)
    assert names[:2] == ["AgentRingNoAnswer", "DialEnd"]
    rna = dict(next(m for m in missed if dict(m).get("Event") == "AgentRingNoAnswer"))
    assert rna["RingTime"] == "15000"  # milliseconds here (NOTES AMI 7)
    assert dict(next(m for m in missed if dict(m).get("Event") == "DialEnd"))["DialStatus"] == "NOANSWER"
    clock.advance(4.9)
    await sim.model.scheduler.settle()
    assert "AgentCalled" not in events(await ami.ask("Ping"))
    clock.advance(0.1)
    await sim.model.scheduler.settle()
    assert "AgentCalled" in events(await ami.ask("Ping"))


async def test_a_caller_who_hangs_up_while_waiting_abandons(sim: PbxSim, ami: Client) -> None:
    caller = caller_down_engine(sim)
    await ami.ask("Ping")
    sim.model.world.caller_hangup(caller)
    gone = await ami.ask("Ping")
    names = queue_events(gone)
    assert names.index("MusicOnHoldStop") < names.index("QueueCallerAbandon") < names.index("QueueCallerLeave")
    abandon = dict(next(m for m in gone if dict(m).get("Event") == "QueueCallerAbandon"))
    assert (abandon["Queue"], abandon["Position"], abandon["OriginalPosition"]) == ("fallback", "1", "1")
    summary = await ami.ask("QueueSummary", Queue="fallback")
    assert dict(summary[1])["Callers"] == "0"


async def test_continue_to_the_fallback_label_lands_in_queue_fallback(
    sim: PbxSim, clock: ManualClock, ami: Client
) -> None:
    softphone(sim, "1001", FarEnd.answers(after=1))
    await ami.ask("QueueAdd", Queue="fallback", Interface="PJSIP/1001", MemberName="1001")
    base = f"http://127.0.0.1:{sim.ari_port}/ari"
    auth = {"Authorization": aiohttp.encode_basic_auth(USER, SECRET)}
    async with aiohttp.ClientSession(headers=auth) as http, http.ws_connect(f"{base}/events?app={APP}") as socket:
        caller = sim.model.world.place_inbound(APP, ["inbound", "5000"], exten="5000")
        assert (await socket.receive_json())["type"] == "StasisStart"
        wrong = await http.post(f"{base}/channels/{caller.id}/continue",
                                params={"context": "inbound", "extension": "5000", "label": "nosuchlabel"})
        assert (wrong.status, await wrong.json()) == (404, {"message": "Requested label can not be found"})
        done = await http.post(f"{base}/channels/{caller.id}/continue",
                               params={"context": "inbound", "extension": "5000", "label": "fallback"})
        assert done.status == 204
        assert (await socket.receive_json())["type"] == "StasisEnd"
    assert caller.stasis_app is None and caller.state.value == "Up"
    assert (caller.dialplan.context, caller.dialplan.app_name, caller.dialplan.app_data) == (
        "inbound", "Queue", "fallback,,,,300")
    clock.advance(1)
    await sim.model.scheduler.settle()
    assert "QueueCallerJoin" in events(await ami.ask("Ping"))
    assert sim.model.world.hearing(caller.id)[-1].what.value == "bridge"  # with the member's softphone
