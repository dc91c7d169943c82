from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.skills import Relaxation, SkillRequirement, match_score, next_relaxation_at, relaxed
from engine.core.strategies import Candidate, Strategy, pick_agents
from engine.core.waiting import WaitingCall, next_call_for_agent, queue_order_key

AGENTS = [
    Candidate("a", idle_since=50.0, calls_today=9, match_score=60, member_index=0),
    Candidate("b", idle_since=10.0, calls_today=4, match_score=80, member_index=1),
    Candidate("c", idle_since=30.0, calls_today=2, match_score=80, member_index=2),
    Candidate("d", idle_since=40.0, calls_today=2, match_score=95, member_index=3),
]


@pytest.mark.parametrize(
    ("strategy", "cursor", "expected"),
    [
        (Strategy.LONGEST_IDLE, -1, ("b",)),
        (Strategy.LEAST_CALLS, -1, ("c",)),  # c and d have 2 calls; c idle longer
        (Strategy.SKILLS_BEST_MATCH, -1, ("d",)),
        (Strategy.ROUND_ROBIN, -1, ("a",)),
        (Strategy.ROUND_ROBIN, 1, ("c",)),
        (Strategy.ROUND_ROBIN, 3, ("a",)),  # wraps after the last member
        (Strategy.RING_ALL, -1, ("b", "c", "d", "a")),
    ],
)
def test_each_strategy(strategy: Strategy, cursor: int, expected: tuple[str, ...]) -> None:
    assert pick_agents(strategy, AGENTS, cursor) == expected


def test_round_robin_skips_members_who_cannot_take_the_call() -> None:
    present = [c for c in AGENTS if c.agent_id != "c"]
    assert pick_agents(Strategy.ROUND_ROBIN, present, 1) == ("d",)


@pytest.mark.parametrize("strategy", list(Strategy))
def test_no_candidates_no_pick(strategy: Strategy) -> None:
    assert pick_agents(strategy, []) == ()


@given(st.lists(st.tuples(st.floats(0, 1e6), st.integers(0, 50), st.integers(1, 100)), min_size=1, max_size=12),
       st.sampled_from(list(Strategy)))
def test_choice_does_not_depend_on_input_order(rows: list[tuple[float, int, int]], strategy: Strategy) -> None:
    candidates = [Candidate(f"x{n}", idle, calls, score, n) for n, (idle, calls, score) in enumerate(rows)]
    forward = pick_agents(strategy, candidates, 2)
    assert forward == pick_agents(strategy, list(reversed(candidates)), 2)
    assert set(forward) <= {c.agent_id for c in candidates}
    assert len(forward) == (len(candidates) if strategy is Strategy.RING_ALL else 1)


def test_match_score_is_the_weakest_required_skill() -> None:
    needs = [SkillRequirement("billing", 50), SkillRequirement("french", 30)]
    assert match_score({"billing": 90, "french": 40, "spanish": 100}, needs) == 40
    assert match_score({"billing": 90}, needs) is None
    assert match_score({"billing": 49, "french": 100}, needs) is None
    assert match_score({}, []) == 100


def test_requirements_relax_with_wait() -> None:
    needs = [SkillRequirement("billing", 80), SkillRequirement("french", 40)]
    rules = [Relaxation(60, None), Relaxation(30, 50)]
    assert relaxed(needs, rules, 29.9) == tuple(needs)
    assert relaxed(needs, rules, 30) == (SkillRequirement("billing", 50), SkillRequirement("french", 40))
    assert relaxed(needs, rules, 60) == ()
    assert next_relaxation_at(rules, enqueued_at=100, now=120) == 130
    assert next_relaxation_at(rules, enqueued_at=100, now=160) is None


def test_bad_proficiency_is_refused() -> None:
    with pytest.raises(ValueError, match="1-100"):
        SkillRequirement("x", 0)


def test_agent_takes_highest_priority_then_longest_waiting_across_queues() -> None:
    waiting = [
        WaitingCall("c1", "sales", priority=0, enqueued_at=10),
        WaitingCall("c2", "support", priority=5, enqueued_at=40),
        WaitingCall("c3", "support", priority=5, enqueued_at=20),
        WaitingCall("c4", "vip", priority=9, enqueued_at=50),
    ]
    both = frozenset({"sales", "support"})
    chosen = next_call_for_agent(waiting, both, lambda c: True)
    assert chosen is not None
    assert chosen.call_id == "c3"
    not_c3 = next_call_for_agent(waiting, both, lambda c: c.call_id != "c3")
    assert not_c3 is not None
    assert not_c3.call_id == "c2"
    assert next_call_for_agent(waiting, frozenset({"billing"}), lambda c: True) is None
    assert sorted(waiting, key=queue_order_key)[0].call_id == "c4"
