"""The ACD state machine, driven synchronously event by event."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from tests.fact_helpers import fact_kinds, views


def agents(
    *ids: str, queues: tuple[str, ...] = ("support",), skills: dict[str, int] | None = None
) -> list[AgentConfig]:
    return [AgentConfig(i, f"Agent {i}", f"PJSIP/{i}", skills or {}, queues) for i in ids]


def ready(acd: Acd, *ids: str, now: float = 0.0) -> None:
    for agent_id in ids:
        acd.handle(ContactObserved(f"PJSIP/{agent_id}", reachable=True), now)
        acd.handle(AgentRequested(agent_id, StatusTrigger.LOGIN), now)


def state_of(acd: Acd, agent_id: str) -> AgentState:
    return acd.roster.agent(agent_id).presence.state


def of(commands: list[AcdCommand], kind: type) -> list:  # type: ignore[type-arg]
    return [c for c in commands if isinstance(c, kind)]


def facts(commands: list[AcdCommand]) -> list[str]:
    return fact_kinds(commands)


def enqueue(acd: Acd, call: str, now: float, queue: str = "support", **kwargs: object) -> list[AcdCommand]:
    return acd.handle(CallEnqueued(call, f"{call}-caller", queue, **kwargs), now)


def test_call_reaches_longest_idle_agent_and_is_bridged_on_answer() -> None:
    acd = Acd([QueueConfig("support", wrapup_s=30)], agents("1001", "1002"))
    ready(acd, "1002", now=1.0)
    ready(acd, "1001", now=2.0)
    out = enqueue(acd, "c1", 10.0, caller_number="555")
    assert of(out, StartMusic) == [StartMusic("c1-caller", "default")]
    [offer] = of(out, OriginateAgentLeg)
    assert (offer.agent_id, offer.endpoint, offer.leg_id, offer.caller_number) == ("1002", "PJSIP/1002", "c1-a1", "555")
    assert acd.roster.agent("1002").presence.state is AgentState.RESERVED
    acd.handle(AgentLegRinging("c1-a1"), 10.2)
    out = acd.handle(AgentLegAnswered("c1-a1"), 14.0)
    assert of(out, BridgeLegs) == [BridgeLegs("c1", "c1-bridge", "c1-caller", "c1-a1")]
    connected = views(out, "AgentConnected")
    assert connected[0].data["wait_s"] == 4.0
    out = acd.handle(LegHungUp("c1-caller"), 74.0)
    assert HangUpLeg("c1-a1", "caller hung up") in out
    assert StartTimer(("wrapup", "1002"), 104.0) in out
    assert state_of(acd, "1002") is AgentState.WRAP_UP
    acd.handle(TimerFired(("wrapup", "1002")), 104.0)
    assert state_of(acd, "1002") is AgentState.IDLE
    assert acd.roster.agent("1002").calls_today == 1
    assert acd.calls == {}


def test_ring_no_answer_requeues_at_head_and_breaks_after_n_misses() -> None:
    acd = Acd([QueueConfig("support", no_answer_break_after=2)], agents("1001", "1002"))
    ready(acd, "1001", now=0.0)
    enqueue(acd, "c1", 10.0)
    enqueue(acd, "c2", 11.0)
    assert acd.call("c1").phase is CallPhase.OFFERING
    out = acd.handle(AgentLegFailed("c1-a1", LegFailure.NO_ANSWER), 25.0)
    # back in line ahead of c2 and offered again to the only free agent
    assert [o.call_id for o in of(out, OriginateAgentLeg)] == ["c1"]
    out = acd.handle(AgentLegFailed("c1-a2", LegFailure.BUSY), 40.0)
    assert acd.roster.agent("1001").presence.status is AgentStatus.ON_BREAK
    assert acd.roster.agent("1001").presence.break_reason == "no answer"
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
    first = acd.roster.agent("1001")
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
    agent = acd.roster.agent("1001")
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
    assert acd.roster.agent("1002").presence.state is AgentState.ON_CALL
    assert all(acd.roster.agent(a).presence.state is AgentState.IDLE for a in ("1001", "1003"))
    assert acd.roster.agent("1001").presence.missed_in_a_row == 0


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
    assert acd.call("c1").queue == "backup" and acd.call("c1").enqueued_at == 0.0
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
    assert acd.roster.agent("1001").device_busy is False
    acd.handle(AgentLegAnswered("c1-a1"), 4.0)
    assert acd.roster.agent("1001").presence.state is AgentState.ON_CALL


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
    assert [leg.leg_id for leg in acd.book if acd.call_with_leg(leg.leg_id) is not None] == []
    agent = acd.roster.agent("1001")
    assert agent.leg_id is None and agent.presence.state is AgentState.IDLE


SKILL_NAMES = ["billing", "tech"]
event_choice = st.tuples(st.integers(0, 6), st.integers(0, 50), st.integers(0, 100))


@settings(max_examples=150, deadline=None)
@given(st.lists(event_choice, max_size=60))
def test_no_waiting_call_is_left_with_a_free_qualifying_agent(steps: list[tuple[int, int, int]]) -> None:
    """The incremental dispatch against a brute-force check, over random traffic: after every event,
    every waiting call has no free agent of its queue who qualifies, and agents are consistent."""
    queues = [QueueConfig("q0", strategy=Strategy.RING_ALL), QueueConfig("q1"), QueueConfig("q2")]
    configs = [
        AgentConfig(
            f"a{n}", f"A{n}", f"PJSIP/a{n}", {SKILL_NAMES[n % 2]: 30 + 10 * n}, (f"q{n % 3}", f"q{(n + 1) % 3}")
        )
        for n in range(6)
    ]
    acd = Acd(queues, configs)
    now = 0.0
    calls = 0
    for kind, pick, level in steps:
        now += 1.0
        agent_id = f"a{pick % 6}"
        if kind == 0:
            calls += 1
            needs = (SkillRequirement(SKILL_NAMES[pick % 2], 1 + level % 100),) if level % 3 else ()
            acd.handle(CallEnqueued(f"c{calls}", f"c{calls}-in", f"q{pick % 3}", level % 3, needs), now)
        elif kind == 1:
            trigger = [StatusTrigger.LOGIN, StatusTrigger.READY, StatusTrigger.BREAK, StatusTrigger.LOGOUT][level % 4]
            logged_out = acd.roster.agent(agent_id).presence.status is AgentStatus.LOGGED_OUT
            if trigger in (StatusTrigger.READY, StatusTrigger.BREAK) and logged_out:
                continue
            acd.handle(AgentRequested(agent_id, trigger, "r"), now)
        elif kind == 2:
            acd.handle(ContactObserved(f"PJSIP/{agent_id}", reachable=level % 4 != 0), now)
        elif kind in (3, 4, 5):
            offers = [(leg, call) for call in acd.calls.values() for leg in call.offers]
            connected = [call for call in acd.calls.values() if call.agent_leg is not None]
            if kind == 3 and offers:
                acd.handle(AgentLegAnswered(offers[pick % len(offers)][0]), now)
            elif kind == 4 and offers:
                acd.handle(AgentLegFailed(offers[pick % len(offers)][0], list(LegFailure)[level % 5]), now)
            elif kind == 5 and connected:
                call = connected[pick % len(connected)]
                acd.handle(LegHungUp(str(call.caller_leg) if level % 2 else str(call.agent_leg)), now)
        elif acd.calls:
            call = list(acd.calls.values())[pick % len(acd.calls)]
            acd.handle(LegHungUp(str(call.caller_leg)), now)
        check_dispatch_invariant(acd)


def check_dispatch_invariant(acd: Acd) -> None:
    from engine.core.skills import match_score

    busy_agents = {agent for call in acd.calls.values() for agent in call.offers.values()}
    busy_agents |= {call.agent_id for call in acd.calls.values() if call.agent_id}
    for agent_id, agent in acd.agents.items():
        free = agent.presence.offerable and agent.reachable and not agent.device_busy
        assert free == (agent_id in acd.roster.free)
        assert (agent.leg_id is not None) == (agent_id in busy_agents)
        if agent.leg_id is None:
            assert agent.presence.state in (AgentState.IDLE, AgentState.WRAP_UP)
    for waiting in acd.waiting_calls():
        call = acd.call(waiting.call_id)
        assert call.phase is CallPhase.WAITING and not call.offers
        for agent_id in acd.roster.members[call.queue]:
            agent = acd.roster.agent(agent_id)
            if agent_id in acd.roster.free:
                assert match_score(agent.config.skills, call.skills) is None, (waiting, agent_id)


def test_every_agent_freed_at_once_takes_a_waiting_call() -> None:
    """A ring-all caller hangs up: all the agents it rang are free together, and each takes a waiting call."""
    queues = [QueueConfig("all", strategy=Strategy.RING_ALL), QueueConfig("support")]
    acd = Acd(queues, agents("1001", "1002", queues=("all", "support")))
    ready(acd, "1001", "1002")
    enqueue(acd, "ring", 1.0, queue="all")
    enqueue(acd, "w1", 2.0)
    enqueue(acd, "w2", 3.0)
    out = acd.handle(LegHungUp("ring-caller"), 4.0)
    assert sorted(o.call_id for o in of(out, OriginateAgentLeg)) == ["w1", "w2"]
    assert acd.waiting_calls() == []
