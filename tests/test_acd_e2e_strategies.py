"""Each routing strategy end to end: which agent's phone rings, over real sockets (engine + pbxsim + PostgreSQL).

Every scenario is built so that the strategy under test picks a different agent than longest-idle (the
default) would, so a strategy that silently fell back to another would fail.
"""

from __future__ import annotations

from pbxsim.model import FarEnd
from tests.acd_rig import Rig

AGENTS = ("1001", "1002", "1003")
CENTER = """
queues:
  idle_q: {strategy: longest_idle, ring_timeout_s: 30}
  least_q: {strategy: least_calls, ring_timeout_s: 30}
  rr_q: {strategy: round_robin, ring_timeout_s: 30}
  skills_q: {strategy: skills_best_match, ring_timeout_s: 30}
  all_q: {strategy: ring_all, ring_timeout_s: 30}
agents:
  "1001": {name: Alice, endpoint: PJSIP/1001, skills: {billing: 60}, queues: [idle_q, least_q, rr_q, skills_q, all_q]}
  "1002": {name: Bruno, endpoint: PJSIP/1002, skills: {billing: 90}, queues: [idle_q, least_q, rr_q, skills_q, all_q]}
  "1003": {name: Chloe, endpoint: PJSIP/1003, skills: {billing: 40}, queues: [idle_q, least_q, rr_q, skills_q, all_q]}
numbers:
  "5001": {queue: idle_q}
  "5002": {queue: least_q}
  "5003": {queue: rr_q}
  "5004": {queue: skills_q, skills: {billing: 50}}
  "5005": {queue: all_q}
"""


async def phones_answering(rig: Rig, *agent_ids: str) -> None:
    for agent_id in agent_ids:
        await rig.phone(agent_id, FarEnd.answers(after=1))


async def log_in_one_second_apart(rig: Rig, *agent_ids: str) -> None:
    """The first one named has been idle longest."""
    for agent_id in agent_ids:
        await rig.login(agent_id)
        await rig.advance(1)


async def answered_by(rig: Rig, number: str) -> str:
    """A caller dials `number`; the one agent rung answers, they talk, the caller hangs up. Who answered."""
    caller = rig.call_in(number)
    call_id = (await rig.first("CallStarted", leg_id=caller.id)).call_id
    offered = await rig.first("AgentOffered", call_id=call_id)
    await rig.first("AgentRinging", call_id=call_id)
    await rig.advance(1)
    connected = await rig.first("AgentConnected", call_id=call_id)
    assert connected.agent_id == offered.agent_id
    assert len(rig.seen("AgentOffered", call_id=call_id)) == 1
    await rig.advance(20)
    rig.world.caller_hangup(caller)
    await rig.first("CallCompleted", call_id=call_id)
    assert offered.agent_id is not None
    agent_id: str = offered.agent_id
    await rig.acd_until(lambda: rig.agent_state(agent_id) == "idle")  # no wrap-up in these queues
    return agent_id


async def test_longest_idle_rings_the_agent_idle_longest(rig: Rig) -> None:
    await phones_answering(rig, *AGENTS)
    await log_in_one_second_apart(rig, "1003", "1001", "1002")
    # Each call makes its agent the most recently idle, so the order goes round by idle time.
    assert [await answered_by(rig, "5001") for _ in range(4)] == ["1003", "1001", "1002", "1003"]


async def test_least_calls_rings_the_agent_with_fewest_calls_today(rig: Rig) -> None:
    await phones_answering(rig, *AGENTS)
    await log_in_one_second_apart(rig, *AGENTS)
    assert await answered_by(rig, "5002") == "1001"  # nobody has a call yet: the longest idle
    for agent_id in ("1002", "1003"):  # back from a break: idle for less time than 1001, and no calls
        await rig.act(agent_id, "break", "coffee")
        await rig.act(agent_id, "ready")
        await rig.advance(1)
    assert rig.acd.acd.roster.agent("1001").calls_today == 1
    # Longest idle would pick 1001 each time; fewest calls picks the other two first.
    assert [await answered_by(rig, "5002") for _ in range(3)] == ["1002", "1003", "1001"]


async def test_round_robin_goes_round_the_members_in_order(rig: Rig) -> None:
    await phones_answering(rig, *AGENTS)
    await log_in_one_second_apart(rig, "1003", "1002", "1001")  # longest idle would start with 1003
    assert [await answered_by(rig, "5003") for _ in range(4)] == ["1001", "1002", "1003", "1001"]


async def test_round_robin_skips_a_member_who_is_not_free(rig: Rig) -> None:
    await phones_answering(rig, *AGENTS)
    await log_in_one_second_apart(rig, *AGENTS)
    assert await answered_by(rig, "5003") == "1001"
    await rig.act("1002", "break", "meeting")
    assert await answered_by(rig, "5003") == "1003"
    await rig.act("1002", "ready")
    assert await answered_by(rig, "5003") == "1001"  # wrapped round past the end of the list


async def test_skills_best_match_rings_the_most_proficient_qualified_agent(rig: Rig) -> None:
    await phones_answering(rig, *AGENTS)
    await log_in_one_second_apart(rig, *AGENTS)  # 1001 (billing 60) idle longest; 1003 (40) is under 50
    assert await answered_by(rig, "5004") == "1002"  # billing 90
    await rig.act("1002", "break", "training")
    assert await answered_by(rig, "5004") == "1001"
    await rig.act("1001", "break", "training")

    # Only 1003 is free, and 1003 does not qualify: the caller waits for a qualified agent.
    caller = rig.call_in("5004")
    call_id = (await rig.first("CallerEnqueued", leg_id=caller.id)).call_id
    await rig.advance(60)
    assert not rig.seen("AgentOffered", call_id=call_id)
    assert [call.call_id for call in rig.acd.acd.waiting_calls("skills_q")] == [call_id]
    await rig.act("1001", "ready")
    offered = await rig.first("AgentOffered", call_id=call_id)
    assert offered.agent_id == "1001"


async def test_ring_all_first_answer_wins_and_the_other_phones_stop(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.answers(after=5))
    await rig.phone("1002", FarEnd.answers(after=2))
    await rig.phone("1003", FarEnd.no_answer())
    await log_in_one_second_apart(rig, *AGENTS)
    caller = rig.call_in("5005")
    call_id = (await rig.first("CallStarted", leg_id=caller.id)).call_id
    for agent_id in AGENTS:
        await rig.first("AgentRinging", call_id=call_id, agent_id=agent_id)
    offers = {record.agent_id: record.leg_id for record in rig.seen("AgentOffered", call_id=call_id)}
    assert set(offers) == set(AGENTS)

    await rig.advance(2)
    connected = await rig.first("AgentConnected", call_id=call_id)
    assert connected.agent_id == "1002"
    # The other phones stop ringing; their agents are free again, and not charged with a miss.
    await rig.pbx_until(lambda: offers["1001"] not in rig.model.channels and offers["1003"] not in rig.model.channels)
    await rig.acd_until(lambda: rig.agent_state("1001") == rig.agent_state("1003") == "idle")
    for agent_id in ("1001", "1003"):
        assert rig.acd.acd.roster.agent(agent_id).presence.missed_in_a_row == 0
    assert not rig.seen("AgentMissed", call_id=call_id)
    assert rig.agent_state("1002") == "on_call"

    await rig.advance(5)  # when 1001's phone would have answered: nothing is left to answer
    await rig.first("ChannelEnteredBridge", leg_id=offers["1002"])
    assert [c.id for c in rig.model.channels.values() if c.endpoint is not None] == [offers["1002"]]
    rig.world.caller_hangup(caller)
    completed = await rig.first("CallCompleted", call_id=call_id)
    assert completed.agent_id == "1002"
    await rig.pbx_until(lambda: not rig.model.channels and not rig.model.bridges)

    rows = await rig.stored()
    connects = [row["agent_id"] for row in rows if row["call_id"] == call_id and row["type"] == "AgentConnected"]
    assert connects == ["1002"]


async def test_least_calls_counts_only_the_calls_of_today(rig: Rig) -> None:
    await phones_answering(rig, "1001", "1002")
    await log_in_one_second_apart(rig, "1001", "1002")
    assert [await answered_by(rig, "5002") for _ in range(3)] == ["1001", "1002", "1001"]
    await rig.act("1002", "break", "coffee")  # back later than 1001: longest idle would now pick 1001
    await rig.act("1002", "ready")
    # The rig's clock starts at 11:16 UTC (the center's time zone); 13 hours on, it is the next day.
    await rig.advance(13 * 3600)
    # Yesterday 1001 took two calls and 1002 one; today neither has taken any, so the longest idle goes first.
    assert await answered_by(rig, "5002") == "1001"
