"""The read model against the ACD over random traffic: callers, agents' requests, phones, offers answered or
missed, holds, transfers, callbacks, time passing (timers firing) and restarts, in any order. After every step
the read model's views equal the ACD's (tests/read_model_mirror.py checks it, and that each fact's `Changed`
names every row it changed)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core.acd import (
    AgentConfig,
    AgentRequested,
    AnnouncementEnded,
    Announcements,
    Callbacks,
    CallerPressed,
    CallPhase,
    DeviceState,
    DeviceStateObserved,
    LegFailure,
    LegHeld,
    OverflowRule,
    OverflowTarget,
    OverflowWhen,
    QueueConfig,
    TransferRequested,
)
from engine.core.agent_fsm import StatusTrigger
from engine.core.ids import AgentId, QueueName
from engine.core.strategies import Strategy
from tests.read_model_mirror import Mirror

QUEUES = [
    QueueConfig(QueueName("support"), wrapup_s=8, max_wait_s=90, no_answer_break_after=2,
                overflow=(OverflowRule(OverflowWhen.MAX_WAIT, OverflowTarget.QUEUE, "backup"),),
                announcements=Announcements(first_after_s=10, every_s=30, offer_callback=True),
                callbacks=Callbacks(ring_timeout_s=20, attempts=2, retry_after_s=40)),
    QueueConfig(QueueName("backup"), strategy=Strategy.LEAST_CALLS, max_length=2, max_wait_s=60,
                overflow=(OverflowRule(OverflowWhen.NO_AGENTS, OverflowTarget.VOICEMAIL, "100@default"),
                          OverflowRule(OverflowWhen.MAX_WAIT, OverflowTarget.VOICEMAIL, "100@default"))),
    QueueConfig(QueueName("sales"), strategy=Strategy.RING_ALL, wrapup_s=0, max_length=2,
                overflow=(OverflowRule(OverflowWhen.ESTIMATED_WAIT, OverflowTarget.CALLBACK, "", threshold_s=100),),
                default_handle_s=150),
]
AGENTS = [
    AgentConfig(AgentId(agent_id), f"Agent {agent_id}", f"PJSIP/{agent_id}", {},
                tuple(QueueName(q) for q in queues))
    for agent_id, queues in (("1001", ("support", "backup")), ("1002", ("support",)),
                             ("1003", ("sales", "support")), ("2001", ("backup", "sales")))
]
WAITS = (0.5, 3.0, 9.0, 21.0, 41.0, 95.0)
# Each kind of step, as often as it is listed: traffic mostly, a restart now and then.
KINDS = ("call",) * 3 + ("status",) * 2 + ("phone", "device", "ring") + ("answer",) * 3 + ("fail",) * 2 \
    + ("caller_hangs_up",) * 2 + ("agent_hangs_up", "hold") + ("press",) * 3 \
    + ("announcement_ended", "transfer", "gone") + ("wait",) * 4 + ("restart",)
step = st.tuples(st.sampled_from(KINDS), st.integers(0, 1000), st.integers(0, 1000))


def play(m: Mirror, kind: str, a: int, b: int, calls: list[int]) -> None:
    pbx = m.pbx
    dialing = sorted(pbx.dialing)
    if kind == "call":
        calls[0] += 1
        m.call_in(f"c{calls[0]}", QUEUES[a % len(QUEUES)].name, priority=b % 3, caller=f"555{a % 10}",
                  caller_name=f"Caller {b % 5}")
    elif kind == "status":
        trigger = list(StatusTrigger)[b % 4]
        m.attempt(AgentRequested(AGENTS[a % len(AGENTS)].agent_id, trigger,
                                 "lunch" if trigger is StatusTrigger.BREAK else None))
    elif kind == "phone":
        m.phone(AGENTS[a % len(AGENTS)].agent_id, reachable=b % 3 != 0)
    elif kind == "device":
        m.handle(DeviceStateObserved(AGENTS[a % len(AGENTS)].endpoint, list(DeviceState)[b % len(DeviceState)]))
    elif kind == "ring" and dialing:
        m.ring(dialing[a % len(dialing)])
    elif kind == "answer" and dialing:
        m.answer(dialing[a % len(dialing)])
    elif kind == "fail" and dialing:
        m.fail(dialing[a % len(dialing)], list(LegFailure)[b % len(LegFailure)])
    elif kind == "caller_hangs_up" and (callers := pbx.on_the_line()):
        m.hang_up(callers[a % len(callers)])
    elif kind == "agent_hangs_up" and (agents := sorted(pbx.agents)):
        m.hang_up(agents[a % len(agents)])
    elif kind == "hold" and (parties := sorted(pbx.agents) + pbx.on_the_line()):
        m.handle(LegHeld(parties[a % len(parties)], held=b % 2 == 0))
    elif kind == "press" and (callers := pbx.on_the_line()):
        m.handle(CallerPressed(callers[a % len(callers)], "1" if b % 4 else "2"))
    elif kind == "announcement_ended" and (callers := pbx.on_the_line()):
        m.handle(AnnouncementEnded(callers[a % len(callers)]))
    elif kind == "transfer" and (connected := sorted(
            c.call_id for c in m.acd.calls.values() if c.phase is CallPhase.CONNECTED)):
        call_id = connected[a % len(connected)]
        if b % 2:
            m.attempt(TransferRequested(call_id, to_queue=QUEUES[b // 2 % len(QUEUES)].name))
        else:
            m.attempt(TransferRequested(call_id, to_agent=AGENTS[b // 2 % len(AGENTS)].agent_id))
    elif kind == "gone" and pbx.hung_up:
        m.hang_up(pbx.hung_up[a % len(pbx.hung_up)])
    elif kind == "wait":
        m.advance(WAITS[a % len(WAITS)])
    elif kind == "restart":
        m.restart(clean=b % 2 == 0, gap_s=float(1 + a % 30))


@settings(max_examples=300, deadline=None)
@given(st.lists(step, max_size=80))
def test_the_read_model_shows_what_the_acd_holds_after_every_step(steps: list[tuple[str, int, int]]) -> None:
    m = Mirror(QUEUES, AGENTS)
    m.login("1001", "1002", "1003", "2001")
    calls = [0]
    for kind, a, b in steps:
        play(m, kind, a, b, calls)
    assert json.dumps(m.replayed_views()) == json.dumps(m.model_views())  # fed at once, as a rebuild is
    for leg in m.pbx.on_the_line():  # everybody hangs up; every timer still due fires
        m.hang_up(leg)
    m.advance(600)
