"""The ACD state machine, driven synchronously event by event."""

from __future__ import annotations

import pytest

from engine.core.acd import (
    Acd,
    AgentConfig,
    AgentLegAnswered,
    AgentLegFailed,
    AgentLegRinging,
    AgentRequested,
    BridgeLegs,
    CallEnqueued,
    CallPhase,
    ContactObserved,
    DeviceState,
    DeviceStateObserved,
    Fact,
    HangUpLeg,
    LegFailure,
    LegHungUp,
    OriginateAgentLeg,
    OverflowRule,
    OverflowTarget,
    OverflowWhen,
    QueueConfig,
    SendToVoicemail,
    StartMusic,
    StartTimer,
    TimerFired,
)
from engine.core.acd.commands import AcdCommand
from engine.core.agent_fsm import AgentState, AgentStatus, StatusTrigger
from engine.core.skills import Relaxation, SkillRequirement
from engine.core.strategies import Strategy


def agents(
    *ids: str, queues: tuple[str, ...] = ("support",), skills: dict[str, int] | None = None
) -> list[AgentConfig]:
    return [AgentConfig(i, f"Agent {i}", f"PJSIP/{i}", skills or {}, queues) for i in ids]


def ready(acd: Acd, *ids: str, now: float = 0.0) -> None:
    for agent_id in ids:
        acd.handle(ContactObserved(f"PJSIP/{agent_id}", reachable=True), now)
        acd.handle(AgentRequested(agent_id, StatusTrigger.LOGIN), now)


def state_of(acd: Acd, agent_id: str) -> AgentState:
    return acd.agents[agent_id].presence.state


def of(commands: list[AcdCommand], kind: type) -> list:  # type: ignore[type-arg]
    return [c for c in commands if isinstance(c, kind)]


def facts(commands: list[AcdCommand]) -> list[str]:
    return [c.kind for c in commands if isinstance(c, Fact)]


def enqueue(acd: Acd, call: str, now: float, queue: str = "support", **kwargs: object) -> list[AcdCommand]:
    return acd.handle(CallEnqueued(call, f"{call}-caller", queue, **kwargs), now)  # type: ignore[arg-type]


def test_call_reaches_longest_idle_agent_and_is_bridged_on_answer() -> None:
    acd = Acd([QueueConfig("support", wrapup_s=30)], agents("1001", "1002"))
    ready(acd, "1002", now=1.0)
    ready(acd, "1001", now=2.0)
    out = enqueue(acd, "c1", 10.0, caller_number="555")
    assert of(out, StartMusic) == [StartMusic("c1-caller", "default")]
    [offer] = of(out, OriginateAgentLeg)
    assert (offer.agent_id, offer.endpoint, offer.leg_id, offer.caller_number) == ("1002", "PJSIP/1002", "c1-a1", "555")
    assert acd.agents["1002"].presence.state is AgentState.RESERVED
    acd.handle(AgentLegRinging("c1-a1"), 10.2)
    out = acd.handle(AgentLegAnswered("c1-a1"), 14.0)
    assert of(out, BridgeLegs) == [BridgeLegs("c1", "c1-bridge", "c1-caller", "c1-a1")]
    connected = [c for c in out if isinstance(c, Fact) and c.kind == "AgentConnected"]
    assert connected[0].data["wait_s"] == 4.0
    out = acd.handle(LegHungUp("c1-caller"), 74.0)
    assert HangUpLeg("c1-a1", "caller hung up") in out
    assert StartTimer(("wrapup", "1002"), 104.0) in out
    assert state_of(acd, "1002") is AgentState.WRAP_UP
    acd.handle(TimerFired(("wrapup", "1002")), 104.0)
    assert state_of(acd, "1002") is AgentState.IDLE
    assert acd.agents["1002"].calls_today == 1
    assert acd.calls == {}


def test_ring_no_answer_requeues_at_head_and_breaks_after_n_misses() -> None:
    acd = Acd([QueueConfig("support", no_answer_break_after=2)], agents("1001", "1002"))
    ready(acd, "1001", now=0.0)
    enqueue(acd, "c1", 10.0)
    enqueue(acd, "c2", 11.0)
    assert acd.calls["c1"].phase is CallPhase.OFFERING
    out = acd.handle(AgentLegFailed("c1-a1", LegFailure.NO_ANSWER), 25.0)
    # back in line ahead of c2 and offered again to the only free agent
    assert [o.call_id for o in of(out, OriginateAgentLeg)] == ["c1"]
    out = acd.handle(AgentLegFailed("c1-a2", LegFailure.BUSY), 40.0)
    assert acd.agents["1001"].presence.status is AgentStatus.ON_BREAK
    assert acd.agents["1001"].presence.break_reason == "no answer"
    assert of(out, OriginateAgentLeg) == []
    assert [w.call_id for w in acd.waiting_calls()] == ["c1", "c2"]
    out = ready_after_break(acd, "1001", 50.0)
    assert [o.call_id for o in of(out, OriginateAgentLeg)] == ["c1"]


def ready_after_break(acd: Acd, agent_id: str, now: float) -> list[AcdCommand]:
    return acd.handle(AgentRequested(agent_id, StatusTrigger.READY), now)


def test_no_contact_makes_the_agent_unreachable_not_a_miss() -> None:
    acd = Acd([QueueConfig("support", no_answer_break_after=1)], agents("1001", "1002"))
    ready(acd, "1001", "1002")
    enqueue(acd, "c1", 5.0)
    out = acd.handle(AgentLegFailed("c1-a1", LegFailure.NO_CONTACT), 5.1)
    first = acd.agents["1001"]
    assert (first.reachable, first.presence.status, first.presence.missed_in_a_row) == (False, AgentStatus.AVAILABLE, 0)
    assert [o.agent_id for o in of(out, OriginateAgentLeg)] == ["1002"]


def test_caller_hangs_up_while_ringing_releases_the_agent() -> None:
    acd = Acd([QueueConfig("support")], agents("1001"))
    ready(acd, "1001")
    enqueue(acd, "c1", 1.0)
    acd.handle(AgentLegRinging("c1-a1"), 1.1)
    out = acd.handle(LegHungUp("c1-caller"), 3.0)
    assert HangUpLeg("c1-a1", "caller hung up") in out
    assert "CallerAbandoned" in facts(out)
    agent = acd.agents["1001"]
    assert (agent.presence.state, agent.presence.missed_in_a_row, agent.leg_id) == (AgentState.IDLE, 0, None)
    # the leg's late events are ignored; a late answer is hung up
    assert acd.handle(AgentLegFailed("c1-a1", LegFailure.NO_ANSWER), 3.1) == []
    assert acd.handle(AgentLegAnswered("c1-a1"), 3.2) == [HangUpLeg("c1-a1", "call already gone")]


def test_ring_all_first_answer_wins() -> None:
    acd = Acd([QueueConfig("support", strategy=Strategy.RING_ALL)], agents("1001", "1002", "1003"))
    ready(acd, "1001", "1002", "1003")
    out = enqueue(acd, "c1", 1.0)
    assert sorted(o.agent_id for o in of(out, OriginateAgentLeg)) == ["1001", "1002", "1003"]
    legs = {o.agent_id: o.leg_id for o in of(out, OriginateAgentLeg)}
    out = acd.handle(AgentLegAnswered(legs["1002"]), 4.0)
    assert sorted(h.leg_id for h in of(out, HangUpLeg)) == sorted([legs["1001"], legs["1003"]])
    assert acd.agents["1002"].presence.state is AgentState.ON_CALL
    assert all(acd.agents[a].presence.state is AgentState.IDLE for a in ("1001", "1003"))
    assert acd.agents["1001"].presence.missed_in_a_row == 0


def test_skills_relax_with_wait() -> None:
    acd = Acd(
        [QueueConfig("support", relaxations=(Relaxation(30, 50), Relaxation(60, None)))],
        agents("novice", skills={"billing": 40}) + agents("mid", skills={"billing": 55}),
    )
    ready(acd, "novice", "mid")
    acd.handle(AgentRequested("mid", StatusTrigger.BREAK, "lunch"), 0.0)
    out = enqueue(acd, "c1", 0.0, skills=(SkillRequirement("billing", 80),))
    assert of(out, OriginateAgentLeg) == []
    assert StartTimer(("relax", "c1"), 30.0) in out
    acd.handle(AgentRequested("mid", StatusTrigger.READY), 10.0)
    out = acd.handle(TimerFired(("relax", "c1")), 30.0)
    assert [o.agent_id for o in of(out, OriginateAgentLeg)] == ["mid"]


def test_cross_queue_priority_then_wait() -> None:
    queues = [QueueConfig("sales"), QueueConfig("vip")]
    acd = Acd(queues, agents("1001", queues=("sales", "vip")))
    enqueue(acd, "old-sales", 1.0, queue="sales")
    enqueue(acd, "new-vip", 5.0, queue="vip", priority=5)
    enqueue(acd, "older-vip", 3.0, queue="vip", priority=5)
    out = ready_from_scratch(acd, "1001", 10.0)
    assert [o.call_id for o in of(out, OriginateAgentLeg)] == ["older-vip"]


def ready_from_scratch(acd: Acd, agent_id: str, now: float) -> list[AcdCommand]:
    acd.handle(ContactObserved(f"PJSIP/{agent_id}", reachable=True), now)
    return acd.handle(AgentRequested(agent_id, StatusTrigger.LOGIN), now)


def test_max_wait_overflows_to_another_queue_keeping_place() -> None:
    queues = [
        QueueConfig(
            "support", max_wait_s=60, overflow=(OverflowRule(OverflowWhen.MAX_WAIT, OverflowTarget.QUEUE, "backup"),)
        ),
        QueueConfig("backup"),
    ]
    acd = Acd(queues, agents("1001", queues=("support",)) + agents("2001", queues=("backup",)))
    acd.handle(AgentRequested("1001", StatusTrigger.LOGIN), 0.0)  # logged in, phone unreachable
    enqueue(acd, "c1", 0.0)
    out = acd.handle(TimerFired(("max_wait", "c1")), 60.0)
    assert "CallOverflowed" in facts(out) and "CallerEnqueued" in facts(out)
    assert acd.calls["c1"].queue == "backup" and acd.calls["c1"].enqueued_at == 0.0
    out = ready_from_scratch(acd, "2001", 61.0)
    assert [o.call_id for o in of(out, OriginateAgentLeg)] == ["c1"]


def test_no_agents_logged_in_goes_to_voicemail() -> None:
    rule = OverflowRule(OverflowWhen.NO_AGENTS, OverflowTarget.VOICEMAIL, "9000@callhive")
    acd = Acd([QueueConfig("support", overflow=(rule,))], agents("1001"))
    out = enqueue(acd, "c1", 0.0)
    assert of(out, SendToVoicemail) == [SendToVoicemail("c1", "c1-caller", "9000@callhive")]
    assert acd.calls == {}


def test_device_in_use_outside_the_engine_blocks_offers_but_never_overrides_engine_legs() -> None:
    acd = Acd([QueueConfig("support")], agents("1001"))
    ready(acd, "1001")
    acd.handle(DeviceStateObserved("PJSIP/1001", DeviceState.INUSE), 1.0)
    assert of(enqueue(acd, "c1", 2.0), OriginateAgentLeg) == []
    out = acd.handle(DeviceStateObserved("PJSIP/1001", DeviceState.NOT_INUSE), 3.0)
    assert [o.call_id for o in of(out, OriginateAgentLeg)] == ["c1"]
    acd.handle(DeviceStateObserved("PJSIP/1001", DeviceState.RINGING), 3.1)  # our own offer ringing
    assert acd.agents["1001"].device_busy is False
    acd.handle(AgentLegAnswered("c1-a1"), 4.0)
    assert acd.agents["1001"].presence.state is AgentState.ON_CALL


def test_ready_ends_wrap_up_early() -> None:
    acd = Acd([QueueConfig("support", wrapup_s=120)], agents("1001"))
    ready(acd, "1001")
    enqueue(acd, "c1", 0.0)
    acd.handle(AgentLegAnswered("c1-a1"), 1.0)
    acd.handle(LegHungUp("c1-a1"), 20.0)
    enqueue(acd, "c2", 21.0)
    out = acd.handle(AgentRequested("1001", StatusTrigger.READY), 30.0)
    assert [o.call_id for o in of(out, OriginateAgentLeg)] == ["c2"]


@pytest.mark.parametrize("hang_up_at", ["waiting", "reserved", "ringing", "connected", "wrapup"])
def test_hang_up_sweep_leaves_no_stuck_agent(hang_up_at: str) -> None:
    acd = Acd([QueueConfig("support", wrapup_s=5)], agents("1001"))
    if hang_up_at != "waiting":
        ready(acd, "1001")
    enqueue(acd, "c1", 1.0)
    if hang_up_at in ("ringing", "connected", "wrapup"):
        acd.handle(AgentLegRinging("c1-a1"), 2.0)
    if hang_up_at in ("connected", "wrapup"):
        acd.handle(AgentLegAnswered("c1-a1"), 3.0)
    out = acd.handle(LegHungUp("c1-caller"), 4.0)
    for timer in of(out, StartTimer):
        acd.handle(TimerFired(timer.key), timer.due)
    assert acd.calls == {}
    assert acd._legs == {}
    agent = acd.agents["1001"]
    assert agent.leg_id is None and agent.presence.state is AgentState.IDLE
