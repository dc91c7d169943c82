"""The demo's simulated team takes breaks: seeded, a fifth of the team at most, each back after its length."""

from __future__ import annotations

from engine.core.agent_fsm import StatusTrigger
from engine.demo_team import REASONS, BreakPlanner, BreakStep, idle_available


def day(seed: int) -> list[tuple[float, BreakStep]]:
    planner = BreakPlanner(seed, mean_gap_s=60, length_s=(100, 200), share=0.2)
    team = [f"10{i:02d}" for i in range(10)]
    on_break: set[str] = set()
    log: list[tuple[float, BreakStep]] = []
    for tick in range(0, 3600, 15):
        for step in planner.steps(float(tick), [a for a in team if a not in on_break], len(team)):
            log.append((float(tick), step))
            (on_break.add if step.trigger is StatusTrigger.BREAK else on_break.discard)(step.agent_id)
        assert len(on_break) <= 2  # a fifth of ten
    return log


def test_breaks_are_seeded_bounded_and_each_ends() -> None:
    log = day(7)
    assert log == day(7) and log != day(8)
    breaks = [(t, s) for t, s in log if s.trigger is StatusTrigger.BREAK]
    assert len(breaks) >= 10 and all(s.reason in REASONS for _t, s in breaks)
    for started, step in breaks:
        if started > 3600 - 215:
            continue  # may still be on break when the hour ends
        back = [t for t, s in log if s.agent_id == step.agent_id and s.trigger is StatusTrigger.READY and t > started]
        assert back, f"{step.agent_id} never came back from the break at {started}"
        assert 100 <= back[0] - started <= 200 + 15  # checked every 15 s


def test_only_available_idle_agents_are_sent_on_break() -> None:
    assert idle_available({"1": ("available", "idle"), "2": ("available", "on_call"), "3": ("on_break", "idle"),
                           "0": ("available", "idle")}) == ["0", "1"]
