"""The roster, the one owner of agent state (engine/core/presence): reservations, release and busy-for-a-reason,
as the ACD, the dialer and supervision use them; every change recorded as a fact."""

from __future__ import annotations

import pytest

from engine.core import facts
from engine.core.acd import Acd, CallEnqueued, OriginateAgentLeg, QueueConfig
from engine.core.agent_fsm import AgentState, StateTrigger, StatusTrigger
from engine.core.ids import AgentId, CallId, LegId, QueueName
from engine.core.presence import AgentConfig, AgentNotFree, ContactObserved, Roster

SUPPORT = QueueName("support")


def roster(*ids: str) -> Roster:
    team = [AgentConfig(AgentId(i), f"Agent {i}", f"PJSIP/{i}", {}, (SUPPORT,)) for i in ids]
    return Roster(team, [SUPPORT])


def free(team: Roster, agent_id: str, out: list[facts.Fact]) -> None:
    team.contact(ContactObserved(f"PJSIP/{agent_id}", reachable=True), out)
    team.set_status(team.agent(agent_id), StatusTrigger.LOGIN, 0.0, out)


def test_a_reservation_keeps_the_agent_for_the_call_and_a_release_gives_them_back() -> None:
    team, out = roster("1001"), list[facts.Fact]()
    free(team, "1001", out)
    agent = team.agent("1001")
    assert AgentId("1001") in team.free
    team.reserve(agent, CallId("c1"), LegId("c1-a1"), 5.0, out)
    assert (agent.presence.state, agent.call_id, agent.leg_id) == (AgentState.RESERVED, "c1", "c1-a1")
    assert AgentId("1001") not in team.free
    assert out[-1] == facts.AgentStateChanged(AgentId("1001"), CallId("c1"), AgentState.RESERVED)
    with pytest.raises(AgentNotFree, match="1001"):
        team.reserve(agent, CallId("c2"), None, 6.0, out)  # one call at a time
    team.release(agent, StateTrigger.RELEASE, 7.0, out)
    assert (agent.presence.state, agent.call_id, agent.leg_id) == (AgentState.IDLE, None, None)
    assert AgentId("1001") in team.free


def test_a_miss_counts_towards_the_no_answer_break_and_a_release_does_not() -> None:
    team, out = roster("1001"), list[facts.Fact]()
    free(team, "1001", out)
    agent = team.agent("1001")
    team.reserve(agent, CallId("c1"), LegId("c1-a1"), 1.0, out)
    team.release(agent, StateTrigger.NO_ANSWER, 2.0, out)
    team.reserve(agent, CallId("c2"), LegId("c2-a1"), 3.0, out)
    team.release(agent, StateTrigger.RELEASE, 4.0, out)
    assert agent.presence.missed_in_a_row == 1


def test_busy_for_a_reason_keeps_the_agent_out_of_routing_until_given_back() -> None:
    team, out = roster("1001"), list[facts.Fact]()
    free(team, "1001", out)
    agent = team.agent("1001")
    team.busy_for(agent, "supervisor session", out)
    assert AgentId("1001") not in team.free
    assert out[-1:] == [facts.AgentMadeBusy(AgentId("1001"), "supervisor session")]
    made = len(out)
    team.busy_for(agent, "supervisor session", out)  # the same again: nothing new
    assert len(out) == made
    team.busy_for(agent, None, out)
    assert out[-1:] == [facts.AgentBusyEnded(AgentId("1001"), "supervisor session")]
    assert AgentId("1001") in team.free


def test_the_acd_offers_no_call_to_an_agent_kept_busy_and_does_once_they_are_given_back() -> None:
    acd = Acd([QueueConfig(SUPPORT)], [AgentConfig(AgentId("1001"), "A", "PJSIP/1001", {}, (SUPPORT,))])
    out: list[facts.Fact] = []
    free(acd.roster, "1001", out)
    acd.roster.busy_for(acd.roster.agent("1001"), "dialer preview", out)
    commands = acd.handle(CallEnqueued(CallId("c1"), LegId("c1-caller"), SUPPORT), 10.0)
    assert not [c for c in commands if isinstance(c, OriginateAgentLeg)]
    acd.roster.busy_for(acd.roster.agent("1001"), None, out)
    commands = acd.handle(ContactObserved("PJSIP/1001", reachable=True), 11.0)  # any event: dispatch runs
    assert [c.agent_id for c in commands if isinstance(c, OriginateAgentLeg)] == ["1001"]
