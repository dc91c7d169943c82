from __future__ import annotations

from pathlib import Path

import pytest

from engine.center_config import load_center_config
from engine.core.acd import QueueConfig
from engine.core.acd.config import OverflowTarget, OverflowWhen
from engine.core.skills import Relaxation, SkillRequirement
from engine.core.strategies import Strategy
from engine.errors import ConfigError
from tests.conftest import REPO


def test_shipped_center_config_loads() -> None:
    center = load_center_config(REPO / "center.yaml")
    queues: dict[str, QueueConfig] = {q.name: q for q in center.queues}
    support = queues["support"]
    assert (support.strategy, support.wrapup_s, support.max_wait_s, support.max_length) == (
        Strategy.LONGEST_IDLE, 30.0, 300.0, 50)
    assert support.relaxations == (Relaxation(30.0, 50), Relaxation(60.0, None))
    assert support.overflow[0].target is OverflowTarget.QUEUE and support.overflow[0].destination == "overflow"
    assert support.overflow[1].when is OverflowWhen.NO_AGENTS
    assert queues["overflow"].strategy is Strategy.RING_ALL
    alice = next(a for a in center.agents if a.agent_id == "1001")
    assert (alice.endpoint, dict(alice.skills), alice.queues) == ("PJSIP/1001", {"billing": 90, "french": 70},
                                                                   ("support", "overflow"))
    assert center.numbers["5001"].skills == (SkillRequirement("sales", 60),)
    assert center.numbers["5001"].priority == 1
    assert support.announcements is not None and support.announcements.offer_callback is True
    assert (support.announcements.first_after_s, support.announcements.every_s) == (30.0, 60.0)
    assert (support.callbacks.attempts, support.callbacks.retry_after_s) == (3, 120.0)
    wait_rule = queues["sales"].overflow[1]
    assert (wait_rule.when, wait_rule.target, wait_rule.threshold_s) == (
        OverflowWhen.ESTIMATED_WAIT, OverflowTarget.CALLBACK, 600.0)
    assert center.callback_endpoint == "Local/{number}@outbound"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("queues:\n  q:\n    strategy: fastest\n", ":3: queues.q.strategy: expected one of longest_idle"),
        ("queues:\n  q:\n    wrapup: 3\n", ":3: queues.q.wrapup: unknown key"),
        ("queues:\n  q:\n    wrapup_s: -1\n", ":3: queues.q.wrapup_s: expected a number >= 0, got -1"),
        ("queues:\n  q:\n    overflow:\n      - {when: max_wait, to: 'queue:nope'}\n",
         ":4: queues.q.overflow[0].to: no queue named 'nope'"),
        ("queues:\n  q:\n    overflow:\n      - {when: later, to: 'queue:q'}\n",
         ":4: queues.q.overflow[0].when: expected one of"),
        ("queues:\n  q: {}\nagents:\n  '1': {endpoint: PJSIP/1, queues: [q, r]}\n",
         ":4: agents.1.queues[1]: no queue named 'r'"),
        ("queues:\n  q: {}\nagents:\n  '1': {endpoint: x, queues: [q]}\n",
         ":4: agents.1.endpoint: expected a device such as PJSIP/1001"),
        ("queues:\n  q: {}\nagents:\n  '1':\n    endpoint: PJSIP/1\n    skills: {billing: 101}\n",
         ":6: agents.1.skills.billing: expected a whole number from 1 to 100, got 101"),
        ("queues:\n  q: {}\nnumbers:\n  '5000': {queue: r}\n", ":4: numbers.5000.queue: expected the name of a queue"),
        ("queues:\n  q: [\n", "not valid YAML"),
        ("teams: {}\n", ":1: teams: unknown key"),
        ("queues:\n  q:\n    announce: {every_s: 2}\n", ":3: queues.q.announce.every_s: expected a number >= 5"),
        ("queues:\n  q:\n    announce: {callback: yes please}\n", "queues.q.announce.callback: expected true or false"),
        ("queues:\n  q:\n    overflow:\n      - {when: estimated_wait, to: callback}\n",
         ":4: queues.q.overflow[0].over_s: over_s (seconds) goes with, and only with, when: estimated_wait"),
        ("queues:\n  q:\n    overflow:\n      - {when: max_wait, to: 'phone:1'}\n",
         "expected 'queue:<name>', 'voicemail:<box>@<context>' or 'callback'"),
        ("queues:\n  q: {}\ncallback: {endpoint: PJSIP/trunk}\n", ":3: callback.endpoint: expected a dial string with"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "center.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_center_config(path)
    assert str(caught.value).startswith(str(path)), caught.value
    assert expected in str(caught.value)
