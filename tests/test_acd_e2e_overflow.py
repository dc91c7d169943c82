"""Overflow end to end: max wait to another queue (one call, one call id, its place in line kept), nobody
logged in to voicemail, a full queue refused or spilled, over real sockets (engine + pbxsim + PostgreSQL)."""

from __future__ import annotations

import pytest

from pbxsim.model import FarEnd
from tests.acd_rig import Rig, assert_never_silent

CENTER = """
queues:
  support:
    max_wait_s: 30
    ring_timeout_s: 40
    overflow: [{when: max_wait, to: "queue:backup"}]
  backup: {ring_timeout_s: 30}
  sales:
    overflow: [{when: no_agents, to: "voicemail:9000@callhive"}]
  tiny: {max_length: 1}
  tiny_spill:
    max_length: 1
    overflow: [{when: max_wait, to: "queue:backup"}]
agents:
  "1001": {name: Alice, endpoint: PJSIP/1001, queues: [support]}
  "1002": {name: Bruno, endpoint: PJSIP/1002, queues: [backup]}
  "1003": {name: Chloe, endpoint: PJSIP/1003, queues: [sales]}
  "1004": {name: Dario, endpoint: PJSIP/1004, queues: [tiny, tiny_spill]}
numbers:
  "5000": {queue: support}
  "5001": {queue: sales}
  "5002": {queue: tiny}
  "5003": {queue: tiny_spill}
  "5004": {queue: backup}
"""
VOICEMAIL_CONTEXT = "callhive-voicemail"


async def on_break(rig: Rig, agent_id: str) -> None:
    """Logged in (so the queue is staffed) but taking no calls."""
    await rig.phone(agent_id, FarEnd.answers(after=1))
    await rig.login(agent_id)
    await rig.act(agent_id, "break", "meeting")


async def test_max_wait_moves_the_caller_to_the_overflow_queue_as_the_same_call(rig: Rig) -> None:
    await on_break(rig, "1001")
    await rig.phone("1002", FarEnd.answers(after=1))
    await rig.login("1002")
    caller = rig.call_in("5000")
    entered = await rig.first("CallerEnqueued", leg_id=caller.id)
    call_id = entered.call_id
    assert entered.queue == "support"

    await rig.advance(29)
    assert not rig.seen("CallOverflowed", call_id=call_id)
    await rig.advance(1)
    overflowed = await rig.first("CallOverflowed", call_id=call_id)
    assert (overflowed.queue, overflowed.body["why"], overflowed.body["target"], overflowed.body["destination"]) == (
        "support", "max wait", "queue", "backup")
    assert overflowed.body["wait_s"] == pytest.approx(30)
    again = await rig.first("CallerEnqueued", call_id=call_id, queue="backup")
    assert again.leg_id == caller.id  # the same caller on the same channel
    offered = await rig.first("AgentOffered", call_id=call_id)
    assert offered.agent_id == "1002"
    await rig.first("AgentRinging", call_id=call_id)
    await rig.advance(1)
    await rig.first("AgentConnected", call_id=call_id, agent_id="1002")
    await rig.first("ChannelEnteredBridge", leg_id=caller.id)
    assert_never_silent(rig.world.hearing(caller.id))  # music across the move, until the agent
    rig.world.caller_hangup(caller)
    await rig.first("CallCompleted", call_id=call_id)

    rows = [row for row in await rig.stored() if row["call_id"] == call_id]
    kinds = [row["type"] for row in rows]
    assert kinds.count("CallStarted") == 1
    assert [row["queue"] for row in rows if row["type"] == "CallerEnqueued"] == ["support", "backup"]
    for kind in ("CallOverflowed", "AgentConnected", "CallCompleted"):
        assert kinds.count(kind) == 1, kind
    # One call in the records, with a visit to each queue (the first one overflowed) and the agent's leg.
    [call] = await rig.fetch("SELECT outcome FROM calls WHERE id = $1", call_id)
    assert call["outcome"] == "completed"
    segments = await rig.fetch(
        "SELECT kind, queue, agent_id, result FROM call_segments WHERE call_id = $1 ORDER BY entered_at, id", call_id)
    assert [(s["kind"], s["queue"], s["agent_id"]) for s in segments] == [
        ("queue", "support", None), ("queue", "backup", None), ("agent", "backup", "1002")]
    assert segments[0]["result"] == "overflowed"


async def test_an_overflowed_caller_keeps_their_place_ahead_of_later_callers(rig: Rig) -> None:
    await on_break(rig, "1001")
    await on_break(rig, "1002")
    early = rig.call_in("5000", caller="5550001")  # support at t=0, overflows at t=30
    early_id = (await rig.first("CallerEnqueued", leg_id=early.id)).call_id
    await rig.advance(10)
    later = rig.call_in("5004", caller="5550002")  # straight into backup at t=10
    later_id = (await rig.first("CallerEnqueued", leg_id=later.id)).call_id
    await rig.advance(20)
    await rig.first("CallerEnqueued", call_id=early_id, queue="backup")
    assert [c.call_id for c in rig.acd.acd.waiting_calls("backup")] == [early_id, later_id]

    await rig.act("1002", "ready")
    offered = await rig.first("AgentOffered", agent_id="1002")
    assert offered.call_id == early_id


async def test_max_wait_lets_a_ringing_agent_answer(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.answers(after=35))  # rings past the 30 s max wait
    await rig.login("1001")
    await rig.phone("1002", FarEnd.answers(after=1))
    await rig.login("1002")
    caller = rig.call_in("5000")
    call_id = (await rig.first("CallStarted", leg_id=caller.id)).call_id
    await rig.first("AgentRinging", call_id=call_id, agent_id="1001")
    await rig.advance(30)
    await rig.advance(5)
    await rig.first("AgentConnected", call_id=call_id, agent_id="1001")
    assert not rig.seen("CallOverflowed", call_id=call_id)
    assert not rig.seen("AgentOffered", agent_id="1002")


async def test_max_wait_overflows_once_the_ringing_agent_misses(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.no_answer())
    await rig.login("1001")
    await rig.phone("1002", FarEnd.answers(after=1))
    await rig.login("1002")
    caller = rig.call_in("5000")
    call_id = (await rig.first("CallStarted", leg_id=caller.id)).call_id
    await rig.first("AgentRinging", call_id=call_id, agent_id="1001")
    await rig.advance(30)
    assert not rig.seen("CallOverflowed", call_id=call_id)  # the agent still rings
    await rig.advance(10)  # the 40 s ring timeout
    missed = await rig.first("AgentMissed", call_id=call_id, agent_id="1001")
    overflowed = await rig.first("CallOverflowed", call_id=call_id)
    assert missed.seq < overflowed.seq
    assert overflowed.body["wait_s"] == pytest.approx(40)
    offered = await rig.first("AgentOffered", call_id=call_id, queue="backup")
    assert offered.agent_id == "1002"
    assert len(rig.seen("AgentOffered", agent_id="1001")) == 1  # not offered again in the queue it left


async def test_no_agents_logged_in_sends_the_caller_to_voicemail(rig: Rig) -> None:
    rig.world.contexts.add(VOICEMAIL_CONTEXT)
    caller = rig.call_in("5001")
    call_id = (await rig.first("CallStarted", leg_id=caller.id)).call_id
    overflowed = await rig.first("CallOverflowed", call_id=call_id)
    assert (overflowed.body["why"], overflowed.body["target"], overflowed.body["destination"]) == (
        "no agents", "voicemail", "9000@callhive")
    # The caller left the engine's hands for the voicemail dialplan, and is still on the line there.
    await rig.pbx_until(lambda: caller.stasis_app is None)
    assert (caller.dialplan.context, caller.dialplan.exten, caller.dialplan.priority) == (VOICEMAIL_CONTEXT, "9000", 1)
    assert caller.id in rig.model.channels
    assert rig.acd.acd.calls == {}
    assert not rig.seen("AgentOffered", call_id=call_id)
    rig.world.caller_hangup(caller)
    await rig.pbx_until(lambda: not rig.model.channels)
    assert not rig.seen("CallerAbandoned", call_id=call_id)


async def test_an_agent_on_break_keeps_the_queue_open(rig: Rig) -> None:
    await on_break(rig, "1003")
    caller = rig.call_in("5001")
    entered = await rig.first("CallerEnqueued", leg_id=caller.id)
    assert entered.queue == "sales"
    assert not rig.seen("CallOverflowed", call_id=entered.call_id)
    assert [c.call_id for c in rig.acd.acd.waiting_calls("sales")] == [entered.call_id]


async def test_a_full_queue_refuses_the_next_caller(rig: Rig) -> None:
    await on_break(rig, "1004")
    first = rig.call_in("5002", caller="5550001")
    first_id = (await rig.first("CallerEnqueued", leg_id=first.id)).call_id
    second = rig.call_in("5002", caller="5550002")
    second_id = (await rig.first("CallStarted", leg_id=second.id)).call_id
    refused = await rig.first("CallRefused", call_id=second_id)
    assert refused.body["why"] == "full"
    await rig.pbx_until(lambda: second.id not in rig.model.channels)  # hung up by the engine
    assert [c.call_id for c in rig.acd.acd.waiting_calls("tiny")] == [first_id]
    assert set(rig.acd.acd.calls) == {first_id}


async def test_a_full_queue_spills_the_next_caller_to_its_overflow_queue(rig: Rig) -> None:
    await on_break(rig, "1004")
    await rig.phone("1002", FarEnd.answers(after=1))
    await rig.login("1002")
    first = rig.call_in("5003", caller="5550001")
    await rig.first("CallerEnqueued", leg_id=first.id)
    second = rig.call_in("5003", caller="5550002")
    second_id = (await rig.first("CallStarted", leg_id=second.id)).call_id
    overflowed = await rig.first("CallOverflowed", call_id=second_id)
    assert (overflowed.body["why"], overflowed.body["destination"]) == ("full", "backup")
    offered = await rig.first("AgentOffered", call_id=second_id)
    assert (offered.queue, offered.agent_id) == ("backup", "1002")
    assert second.id in rig.model.channels
