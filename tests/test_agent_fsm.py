from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.agent_fsm import (
    STATE_TRANSITIONS,
    STATUS_TRANSITIONS,
    AgentPresence,
    AgentState,
    AgentStatus,
    IllegalTransition,
    StateTrigger,
    StatusTrigger,
)


def test_a_normal_call_cycle() -> None:
    agent = AgentPresence("1001").with_status(StatusTrigger.LOGIN, 10.0)
    assert agent.offerable
    agent = agent.with_state(StateTrigger.RESERVE, 20.0).with_state(StateTrigger.RING, 20.1)
    assert (agent.state, agent.state_since, agent.offerable) == (AgentState.RINGING, 20.1, False)
    agent = agent.with_state(StateTrigger.ANSWER, 25.0).with_state(StateTrigger.HANG_UP, 90.0)
    assert agent.state is AgentState.WRAP_UP
    agent = agent.with_state(StateTrigger.WRAP_UP_END, 120.0)
    assert (agent.state, agent.state_since, agent.offerable) == (AgentState.IDLE, 120.0, True)
    assert agent.status_since == 10.0


def test_break_during_a_call_stops_offers_but_not_the_call() -> None:
    agent = AgentPresence("1001").with_status(StatusTrigger.LOGIN, 0).with_state(StateTrigger.RESERVE, 1)
    agent = agent.with_state(StateTrigger.ANSWER, 2).with_status(StatusTrigger.BREAK, 3, "lunch")
    assert (agent.status, agent.break_reason, agent.state) == (AgentStatus.ON_BREAK, "lunch", AgentState.ON_CALL)
    agent = agent.with_state(StateTrigger.HANG_UP, 4).with_state(StateTrigger.WRAP_UP_END, 5)
    assert not agent.offerable
    assert agent.with_status(StatusTrigger.READY, 6).offerable


def test_missed_calls_count_until_answer_or_ready() -> None:
    agent = AgentPresence("1001").with_status(StatusTrigger.LOGIN, 0)
    for n in range(1, 4):
        agent = agent.with_state(StateTrigger.RESERVE, n).with_state(StateTrigger.NO_ANSWER, n + 0.5)
        assert agent.missed_in_a_row == n
    released = agent.with_state(StateTrigger.RESERVE, 9).with_state(StateTrigger.RELEASE, 9.5)
    assert released.missed_in_a_row == 3  # the caller hanging up is not the agent's miss
    rested = agent.with_status(StatusTrigger.BREAK, 10, "no answer").with_status(StatusTrigger.READY, 11)
    assert rested.missed_in_a_row == 0
    answered = agent.with_state(StateTrigger.RESERVE, 12).with_state(StateTrigger.ANSWER, 13)
    assert answered.missed_in_a_row == 0


def test_break_needs_a_reason_and_changing_reason_restarts_the_clock() -> None:
    agent = AgentPresence("1001").with_status(StatusTrigger.LOGIN, 0)
    with pytest.raises(ValueError, match="needs a reason"):
        agent.with_status(StatusTrigger.BREAK, 1)
    on_break = agent.with_status(StatusTrigger.BREAK, 1, "lunch")
    assert on_break.with_status(StatusTrigger.BREAK, 5, "lunch").status_since == 1
    assert on_break.with_status(StatusTrigger.BREAK, 5, "training").status_since == 5


@pytest.mark.parametrize(("status", "trigger"), [
    pair for pair in itertools.product(AgentStatus, StatusTrigger) if pair not in STATUS_TRANSITIONS
])
def test_every_status_pair_outside_the_table_is_refused(status: AgentStatus, trigger: StatusTrigger) -> None:
    with pytest.raises(IllegalTransition, match=f"status '{status}' does not accept '{trigger}'"):
        AgentPresence("7", status=status).with_status(trigger, 1.0, "r")


@pytest.mark.parametrize(("state", "trigger"), [
    pair for pair in itertools.product(AgentState, StateTrigger) if pair not in STATE_TRANSITIONS
])
def test_every_state_pair_outside_the_table_is_refused(state: AgentState, trigger: StateTrigger) -> None:
    with pytest.raises(IllegalTransition, match=f"agent 7: state '{state}' does not accept '{trigger}'"):
        AgentPresence("7", state=state).with_state(trigger, 1.0)


@given(st.lists(st.one_of(st.sampled_from(StateTrigger), st.sampled_from(StatusTrigger)), max_size=40))
def test_any_sequence_keeps_the_invariants(triggers: list[StateTrigger | StatusTrigger]) -> None:
    agent = AgentPresence("1001")
    for step, trigger in enumerate(triggers, start=1):
        before = agent
        try:
            if isinstance(trigger, StateTrigger):
                agent = agent.with_state(trigger, float(step))
            else:
                agent = agent.with_status(trigger, float(step), "reason")
        except IllegalTransition:
            if isinstance(trigger, StateTrigger):
                assert (before.state, trigger) not in STATE_TRANSITIONS
            else:
                assert (before.status, trigger) not in STATUS_TRANSITIONS
            continue
        assert (agent.break_reason is not None) == (agent.status is AgentStatus.ON_BREAK)
        assert agent.offerable == (agent.status is AgentStatus.AVAILABLE and agent.state is AgentState.IDLE)
        if agent.state is not before.state:
            assert agent.state_since == step
        else:
            assert agent.state_since == before.state_since
