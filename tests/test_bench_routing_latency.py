"""The routing bench's own bookkeeping: the worlds it generates load, and callers' fates are counted right
(the bench's "no call lost" rests on them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.pbxsim_stamped import Stamps
from bench.routing_latency import Plan, center_yaml, latency_plan, rates_plan, scenario_yaml
from engine.center_config import load_center_config
from pbxsim.model.objects import Bridge, Channel
from pbxsim.scenario import load_scenario
from pbxsim.scenario.stats import ScenarioStats


@pytest.mark.parametrize("plan", [latency_plan(), rates_plan([20, 40])], ids=["latency", "rates"])
def test_generated_world_and_center_load(plan: Plan, tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(scenario_yaml(plan, 50))
    (tmp_path / "center.yaml").write_text(center_yaml(50))
    scenario = load_scenario(tmp_path / "scenario.yaml")
    center = load_center_config(tmp_path / "center.yaml")
    assert [(s.rate, s.start, s.end) for s in scenario.inbound] == [(s.rate, s.start, s.end) for s in plan.streams]
    assert [s.early_hangup for s in scenario.inbound] == [0.0 if s.hold is None else 1.0 for s in plan.streams]
    assert len(scenario.agents) == len(center.agents) == 50
    # Every agent meets the number's requirement: each caller can find a matching agent.
    (requirement,) = center.numbers["5000"].skills
    assert all(a.skills[requirement.skill] >= requirement.min_proficiency for a in center.agents)
    assert all(w.start < w.end <= plan.end for w in plan.windows)


def frame(kind: str, channel: str, *args: str) -> str:
    event = {"type": kind, "timestamp": "2026-01-01T00:00:00.000+0000", "channel": {"id": channel}}
    if kind == "StasisStart":
        event["args"] = list(args)
    return json.dumps(event, separators=(",", ":"))


def test_callers_in_stasis_are_counted_at_each_arrival() -> None:
    stamps = Stamps()
    stamps.frame_sent(frame("StasisStart", "c1", "inbound", "5000"), 1.0)
    stamps.frame_sent(frame("StasisStart", "c1-a1", "agent", "c1", "c1-a1", "a1"), 1.1)  # an agent leg
    stamps.frame_sent(frame("StasisStart", "c2", "inbound", "5000"), 2.0)
    stamps.frame_sent(frame("StasisEnd", "c1"), 3.0)
    stamps.frame_sent(frame("StasisStart", "c3", "inbound", "5000"), 4.0)
    stamps.frame_sent(frame("ChannelStateChange", "c3"), 5.0)
    assert stamps.caller_stasis == {"c1": 1.0, "c2": 2.0, "c3": 4.0}
    assert stamps.live_at_arrival == {"c1": 1, "c2": 2, "c3": 2}


def channel(channel_id: str) -> Channel:
    return Channel(channel_id, f"Local/{channel_id}", "Local", 0.0)


def test_fates_connected_waiting_or_lost() -> None:
    stamps = Stamps()
    for n, caller in enumerate(["talked", "hung-up-waiting", "talking", "waiting", "vanished"]):
        stamps.frame_sent(frame("StasisStart", caller, "inbound", "5000"), float(n))
    stamps.left = {"talked": True, "hung-up-waiting": False}
    talking, agent, waiting = channel("talking"), channel("agent"), channel("waiting")
    bridge = Bridge("b", "b", "mixing", 0.0, channels={"talking": talking, "agent": agent})
    talking.bridge = agent.bridge = bridge
    stamps.settle({"talking": talking, "agent": agent, "waiting": waiting}, ScenarioStats(arrivals=5))
    assert stamps.fates == {"talked": "connected", "hung-up-waiting": "lost", "talking": "connected",
                            "waiting": "waiting", "vanished": "lost"}  # fmt: skip
    assert stamps.summary["arrivals"] == 5
