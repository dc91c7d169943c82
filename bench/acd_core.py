"""The pure ACD: decisions per second with 1,000 agents and 500 waiting calls across 20 queues.

Sets up 20 queues (mixed strategies, skills with relaxation), 1,000 agents each serving 2 queues with
skills, every agent on a call and 500 callers waiting. Then repeats the busiest cycle of a call center:
an agent's call ends (dispatch runs and offers them the best waiting call), the offered leg answers
(bridge), and a new caller arrives (enqueue + dispatch), keeping 500 waiting. Prints events handled per
second and the per-event p50/p99.

Then the other side of routing, the decision bench.routing_latency times on the wire: a new caller who
finds idle matching agents. One longest-idle queue of 1,300 agents whose skills all meet the call's, of
whom 300 or 1,200 are free (about the free agents at 1,000 and at 100 calls held in that bench); each
cycle enqueues a caller (timed: `Acd.handle(CallEnqueued)`, which picks and reserves the agent), then
answers and ends the call so that the agent is free again and the count of free agents stays put.

Run: .venv/bin/python -m bench.acd_core [--cycles N] [--idle-cycles N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from engine.core.acd import (
    Acd,
    AgentConfig,
    AgentLegAnswered,
    AgentRequested,
    CallEnqueued,
    ContactObserved,
    LegHungUp,
    OriginateAgentLeg,
    QueueConfig,
)
from engine.core.agent_fsm import StatusTrigger
from engine.core.ids import AgentId, LegId
from engine.core.skills import Relaxation, SkillRequirement
from engine.core.strategies import Strategy

SKILLS = ["billing", "tech", "sales", "french", "spanish"]
RELAX = (Relaxation(30, 40), Relaxation(60, None))


def build(rng: random.Random, agents: int, queues: int) -> Acd:
    strategies = list(Strategy)
    queue_configs = [
        QueueConfig(f"q{n}", strategy=strategies[n % len(strategies)], relaxations=RELAX) for n in range(queues)
    ]
    agent_configs = [
        AgentConfig(
            f"a{n}", f"Agent {n}", f"PJSIP/a{n}",
            {skill: rng.randint(20, 100) for skill in rng.sample(SKILLS, 3)},
            (f"q{n % queues}", f"q{(n * 7 + 3) % queues}"),
        )
        for n in range(agents)
    ]
    return Acd(queue_configs, agent_configs)


def idle_agents_case(free: int, agents: int, cycles: int) -> list[float]:
    """Seconds per `Acd.handle(CallEnqueued)` for a caller who finds `free` idle matching agents."""
    acd = Acd([QueueConfig("support")], [
        AgentConfig(f"a{n}", f"Agent {n}", f"PJSIP/a{n}", {"billing": 40 + n % 61}, ("support",))
        for n in range(agents)])  # fmt: skip
    need = (SkillRequirement("billing", 40),)
    now = 0.0
    for agent_id in acd.agents:
        acd.handle(ContactObserved(f"PJSIP/{agent_id}", True), now)
        acd.handle(AgentRequested(agent_id, StatusTrigger.LOGIN), now)
    for n in range(agents - free):  # calls held by the others
        for command in acd.handle(CallEnqueued(f"held{n}", f"held{n}-in", "support", 0, need), now):
            if isinstance(command, OriginateAgentLeg):
                acd.handle(AgentLegAnswered(command.leg_id), now)
    timings: list[float] = []
    for n in range(cycles):
        now += 0.01
        t0 = time.perf_counter()
        out = acd.handle(CallEnqueued(f"c{n}", f"c{n}-in", "support", 0, need), now)
        timings.append(time.perf_counter() - t0)
        (leg,) = [c.leg_id for c in out if isinstance(c, OriginateAgentLeg)]
        acd.handle(AgentLegAnswered(leg), now)
        acd.handle(LegHungUp(f"c{n}-in"), now)  # no wrap-up: the agent is free again at once
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--waiting", type=int, default=500)
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--cycles", type=int, default=20000)
    parser.add_argument("--idle-cycles", type=int, default=3000)
    args = parser.parse_args()
    rng = random.Random(7)
    acd = build(rng, args.agents, args.queues)
    now = 0.0
    calls = 0
    agent_legs: dict[AgentId, LegId] = {}  # agent -> answered leg

    def enqueue() -> list[object]:
        nonlocal calls
        calls += 1
        skill = SkillRequirement(rng.choice(SKILLS), rng.randint(30, 90))
        return list(acd.handle(CallEnqueued(f"c{calls}", f"c{calls}-in", f"q{rng.randrange(args.queues)}",
                                            rng.randint(0, 3), (skill,)), now))

    def answer_offers(commands: list[object]) -> None:
        for command in commands:
            if isinstance(command, OriginateAgentLeg):
                acd.handle(AgentLegAnswered(command.leg_id), now)
                agent_legs[command.agent_id] = command.leg_id

    # Everybody logged in and busy, then 500 waiting.
    for agent_id in acd.agents:
        acd.handle(ContactObserved(f"PJSIP/{agent_id}", True), now)
        answer_offers(enqueue())
        answer_offers(list(acd.handle(AgentRequested(agent_id, StatusTrigger.LOGIN), now)))
    while len(acd.waiting_calls()) < args.waiting:
        answer_offers(enqueue())
    timings: list[float] = []
    handled = 0
    started = time.perf_counter()
    for _ in range(args.cycles):
        now += 0.05
        agent_id = rng.choice(list(agent_legs))
        leg = agent_legs.pop(agent_id)
        t0 = time.perf_counter()
        out = list(acd.handle(LegHungUp(leg), now))
        timings.append(time.perf_counter() - t0)
        handled += 1
        for command in out:
            if isinstance(command, OriginateAgentLeg):
                t0 = time.perf_counter()
                acd.handle(AgentLegAnswered(command.leg_id), now)
                timings.append(time.perf_counter() - t0)
                handled += 1
                agent_legs[command.agent_id] = command.leg_id
        t0 = time.perf_counter()
        answer_offers(enqueue())
        timings.append(time.perf_counter() - t0)
        handled += 1
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(timings, n=100)
    print(f"agents {args.agents}, queues {args.queues}, waiting kept at ~{len(acd.waiting_calls())}")
    print(f"events handled: {handled} in {elapsed:.2f} s = {handled / elapsed:,.0f} decisions/s")
    print(f"per event: p50 {q[49] * 1e6:.0f} us, p99 {q[98] * 1e6:.0f} us")
    for free in (300, 1200):
        timings = idle_agents_case(free, 1300, args.idle_cycles)
        q = statistics.quantiles(timings, n=100)
        print(f"new caller, {free} of 1,300 agents idle and matching: {len(timings) / sum(timings):,.0f} "
              f"decisions/s, Acd.handle(CallEnqueued) p50 {q[49] * 1e6:.0f} us, p99 {q[98] * 1e6:.0f} us")


if __name__ == "__main__":
    main()
