from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core.skills import Relaxation, SkillRequirement, match_score, next_relaxation_at, relaxed
from engine.core.strategies import Candidate, FreeAgents, Strategy, pick_agents, rank_key
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


LEVELS = st.sampled_from([10, 40, 70, 100])  # coarse, so that agents often qualify, and on equal scores
SKILL_LEVELS = st.dictionaries(st.sampled_from("xy"), LEVELS)
AGENT_ROWS = st.lists(st.tuples(st.integers(0, 5).map(float), st.integers(0, 3), SKILL_LEVELS), max_size=15)
NEEDS = st.lists(st.tuples(st.sampled_from("xy"), LEVELS), max_size=2)


@settings(max_examples=500)
@given(AGENT_ROWS, NEEDS, st.sampled_from(list(Strategy)), st.integers(-1, 15), st.randoms(use_true_random=False))
def test_free_agents_pick_as_the_strategies_do(
    rows: list[tuple[float, int, dict[str, int]]], needs: list[tuple[str, int]], strategy: Strategy, cursor: int,
    rng: random.Random,
) -> None:  # fmt: skip
    """Same answer as `pick_agents` over the qualifying agents, whatever order the agents were placed in, after
    some were moved (presence changed while free) and some removed (no longer free); few distinct idle times
    and call counts, so the tie-breaks are exercised."""
    requirements = [SkillRequirement(skill, level) for skill, level in needs]
    line = FreeAgents(strategy)
    free: dict[str, Candidate] = {}
    skills: dict[str, dict[str, int]] = {}
    order = list(enumerate(rows))
    rng.shuffle(order)
    for index, (idle, calls, agent_skills) in order:
        agent_id = f"a{index:02d}"
        skills[agent_id] = agent_skills
        if rng.random() < 0.3:  # placed earlier with another idle time, then moved
            line.place(agent_id, rank_key(strategy, agent_id, idle + 7, calls, index))
        line.place(agent_id, rank_key(strategy, agent_id, idle, calls, index))
        free[agent_id] = Candidate(agent_id, idle, calls, 0, index)
        if rng.random() < 0.2:
            line.remove(agent_id)
            del free[agent_id]
    assert len(line) == len(free)
    assert all(agent_id in line for agent_id in free)

    def score_of(agent_id: str) -> int | None:
        return match_score(skills[agent_id], requirements)

    qualifying = [replace(c, match_score=score) for c in free.values() if (score := score_of(c.agent_id)) is not None]
    assert line.pick(score_of, cursor) == pick_agents(strategy, qualifying, cursor)
    # A new day: every count of calls back to 0 at once, all keys rebuilt.
    line.rekey(lambda agent_id: rank_key(strategy, agent_id, free[agent_id].idle_since, 0, free[agent_id].member_index))
    qualifying = [replace(c, calls_today=0) for c in qualifying]
    assert line.pick(score_of, cursor) == pick_agents(strategy, qualifying, cursor)


def test_free_agents_in_each_strategys_order() -> None:
    """The same four agents as AGENTS, placed in a scrambled order, picked as `test_each_strategy` expects;
    scores come from skills here, so the best match must look past the first qualifying agent."""
    skills = {"a": {"x": 60}, "b": {"x": 80}, "c": {"x": 80}, "d": {"x": 95}}
    needs = [SkillRequirement("x", 50)]
    expected = {Strategy.LONGEST_IDLE: ("b",), Strategy.LEAST_CALLS: ("c",), Strategy.SKILLS_BEST_MATCH: ("d",),
                Strategy.ROUND_ROBIN: ("a",), Strategy.RING_ALL: ("b", "c", "d", "a")}  # fmt: skip
    for strategy, agents in expected.items():
        line = FreeAgents(strategy)
        for c in sorted(AGENTS, key=lambda c: c.agent_id, reverse=True):
            line.place(c.agent_id, rank_key(strategy, c.agent_id, c.idle_since, c.calls_today, c.member_index))
        assert line.pick(lambda agent_id: match_score(skills[agent_id], needs)) == agents, strategy
        if strategy is Strategy.SKILLS_BEST_MATCH:  # equal scores: the longer idle of b (10) and c (30)
            assert line.pick(lambda agent_id: 80 if agent_id in ("c", "b") else None) == ("b",)
    round_robin = FreeAgents(Strategy.ROUND_ROBIN)
    for c in AGENTS:
        round_robin.place(c.agent_id, rank_key(Strategy.ROUND_ROBIN, c.agent_id, 0.0, 0, c.member_index))
    assert round_robin.pick(lambda agent_id: 100, cursor=1) == ("c",)
    assert round_robin.pick(lambda agent_id: 100 if agent_id != "d" else None, cursor=2) == ("a",)  # wraps
    assert round_robin.pick(lambda agent_id: None) == ()
