"""Skills and priorities end to end: skill requirements that relax with wait time, and the order in which an
agent serving several queues takes their calls, over real sockets (engine + pbxsim + PostgreSQL)."""

from __future__ import annotations

import pytest

from pbxsim.model import Channel, FarEnd
from tests.acd_rig import Rig

CENTER = """
queues:
  billing:
    relax:
      - {after_s: 30, min_proficiency: 50}
      - {after_s: 60}
  sales: {}
  vip: {}
agents:
  "1001": {name: Alice, endpoint: PJSIP/1001, skills: {billing: 60}, queues: [billing]}
  "1002": {name: Bruno, endpoint: PJSIP/1002, queues: [billing]}
  "1003": {name: Chloe, endpoint: PJSIP/1003, skills: {billing: 95}, queues: [billing]}
  "2001": {name: Dario, endpoint: PJSIP/2001, queues: [sales, vip]}
numbers:
  "5000": {queue: billing, skills: {billing: 80}}
  "6000": {queue: sales}
  "6001": {queue: vip, priority: 5}
  "6002": {queue: sales, priority: 5}
"""


async def ready(rig: Rig, *agent_ids: str) -> None:
    for agent_id in agent_ids:
        await rig.phone(agent_id, FarEnd.answers(after=1))
        await rig.login(agent_id)


async def enqueued(rig: Rig, number: str, caller_number: str = "5551000") -> tuple[Channel, str]:
    caller = rig.call_in(number, caller=caller_number)
    record = await rig.first("CallerEnqueued", leg_id=caller.id)
    assert record.call_id is not None
    return caller, record.call_id


# --- skills relaxation ---------------------------------------------------------------------------------------
async def test_a_skilled_enough_agent_takes_the_call_at_once(rig: Rig) -> None:
    await ready(rig, "1001", "1002", "1003")  # 1001 idle longest, but only 1003 has billing >= 80
    _caller, call_id = await enqueued(rig, "5000")
    offered = await rig.first("AgentOffered", call_id=call_id)
    assert offered.agent_id == "1003"


async def test_after_30_s_a_proficiency_of_50_will_do(rig: Rig) -> None:
    await ready(rig, "1001", "1002")  # billing 60 and none: neither meets 80
    _caller, call_id = await enqueued(rig, "5000")
    await rig.advance(29)
    assert not rig.seen("AgentOffered", call_id=call_id)
    await rig.advance(1)
    offered = await rig.first("AgentOffered", call_id=call_id)
    assert offered.agent_id == "1001"  # billing 60 >= 50; 1002 has no billing at all
    entered = rig.seen("CallerEnqueued", call_id=call_id)[0]
    assert offered.received_at - entered.received_at == pytest.approx(30)


async def test_after_60_s_any_agent_of_the_queue_will_do(rig: Rig) -> None:
    await ready(rig, "1002")  # no billing skill at all
    _caller, call_id = await enqueued(rig, "5000")
    await rig.advance(30)
    await rig.advance(29)
    assert not rig.seen("AgentOffered", call_id=call_id)
    await rig.advance(1)
    offered = await rig.first("AgentOffered", call_id=call_id)
    assert offered.agent_id == "1002"
    entered = rig.seen("CallerEnqueued", call_id=call_id)[0]
    assert offered.received_at - entered.received_at == pytest.approx(60)


async def test_an_agent_arriving_later_is_matched_against_the_relaxed_requirement(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.answers(after=1))
    _caller, call_id = await enqueued(rig, "5000")
    await rig.advance(40)  # the requirement is now billing >= 50
    await rig.login("1001")  # billing 60
    offered = await rig.first("AgentOffered", call_id=call_id)
    assert offered.agent_id == "1001"


# --- cross-queue priority ------------------------------------------------------------------------------------
async def test_an_agent_of_several_queues_takes_the_highest_priority_then_the_longest_waiting(rig: Rig) -> None:
    await rig.phone("2001", FarEnd.answers(after=1))
    callers: dict[str, Channel] = {}
    ids: dict[str, str] = {}
    for name, number in (("sales-early", "6000"), ("vip", "6001"), ("sales-urgent", "6002"), ("sales-late", "6000")):
        callers[name], ids[name] = await enqueued(rig, number)
        await rig.advance(1)  # arrivals a second apart, in this order
    expected = ["vip", "sales-urgent", "sales-early", "sales-late"]  # priority 5 first, then by waiting time
    by_id = {call_id: name for name, call_id in ids.items()}
    assert [by_id[c.call_id] for c in rig.acd.acd.waiting_calls()] == expected

    await rig.login("2001")
    taken = []
    for _ in expected:
        offered = await rig.until("AgentOffered", agent_id="2001")
        assert offered.call_id is not None
        taken.append(by_id[offered.call_id])
        await rig.first("AgentRinging", call_id=offered.call_id)
        await rig.advance(1)
        await rig.first("AgentConnected", call_id=offered.call_id)
        rig.world.caller_hangup(callers[by_id[offered.call_id]])
        await rig.first("CallCompleted", call_id=offered.call_id)  # no wrap-up: the agent is free at once
    assert taken == expected
