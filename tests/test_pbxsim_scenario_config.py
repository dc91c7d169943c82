"""pbxsim scenarios: the YAML format and its errors (file:line:field), number patterns, distributions, and
`python -m pbxsim --scenario` refusing a bad file before binding anything."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from pbxsim.scenario import Amd, Dial, ScenarioError, load_scenario, parse_scenario
from pbxsim.scenario.distributions import Distribution, Exponential, Fixed, Normal, Uniform, stream_rng
from pbxsim.scenario.patterns import NumberPattern
from tests.conftest import REPO

GOOD = """\
seed: 7
agents:
  "1001-1003": {register_at: 5, answer_after: {min: 2, max: 6}, talk: {mean: 180, sd: 60}, no_answer: 0.1,
                hangs_up: {agent: 0.25}}
  "2001": {talk: {exponential: 30}, hangs_up: other, qualify: false}
inbound:
  - {number: "5000", rate: 120/h, window: {start: 10, end: 3600}, caller: "06XXXXXXXX",
     patience: {exponential: 90}, dtmf: [{after: 4, digits: "1#", probability: 0.5}],
     hangup_early: {probability: 0.05, after: {min: 1, max: 3}}}
  - {number: "5001", rate: 0.25}
outbound:
  trunk: carrier
  destinations:
    - {pattern: "_555XXXX", ring: 4, talk: {min: 30, max: 60},
       outcomes: {answer: 0.5, busy: 0.2, no_answer: 0.1, congestion: 0.1, unreachable: 0.1},
       answered_by: {human: 0.6, machine: 0.3, hangup: 0.1}}
"""


def test_a_good_scenario_loads_into_frozen_values() -> None:
    scenario = parse_scenario(GOOD, "good.yaml")
    assert scenario.seed == 7
    assert [a.endpoint for a in scenario.agents] == ["1001", "1002", "1003", "2001"]
    first, last = scenario.agents[0], scenario.agents[-1]
    assert (first.register_at, first.answer_after, first.talk) == (Fixed(5.0), Uniform(2.0, 6.0), Normal(180, 60))
    assert (first.no_answer, first.agent_hangs_up, first.qualify) == (0.1, 0.25, True)
    assert (last.talk, last.agent_hangs_up, last.qualify, last.register_at) == (Exponential(30), 0.0, False, Fixed(0))
    support, sales = scenario.inbound
    assert support.rate == pytest.approx(120 / 3600)
    assert (support.start, support.end, support.patience) == (10.0, 3600.0, Exponential(90))
    assert support.dtmf[0].digits == "1#" and support.dtmf[0].probability == 0.5
    assert (sales.rate, sales.end, sales.patience, sales.early_hangup) == (0.25, None, None, 0.0)
    dest = scenario.outbound.destinations[0]
    assert scenario.outbound.trunk == "carrier" and scenario.outbound.contexts == ("outbound",)
    assert dict(dest.outcomes)[Dial.UNREACHABLE] == 0.1 and dict(dest.answered_by)[Amd.HANGUP] == 0.1
    with pytest.raises(AttributeError):
        first.talk = Fixed(1)  # type: ignore[misc]


def test_the_shipped_demo_scenario_loads_and_covers_center_yaml() -> None:
    scenario = load_scenario(REPO / "scenarios" / "demo.yaml")
    endpoints = {agent.endpoint for agent in scenario.agents}
    assert {"1001", "1002", "1003", "1004"} <= endpoints and len(endpoints) >= 20
    assert {stream.number for stream in scenario.inbound} == {"5000", "5001"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('seed: 1\nagents:\n  "1001": {talk: {mean: 3}}\n', "bad.yaml:3: agents.1001.talk: expected {min, max}"),
        ('agents:\n  "1001":\n    talk: {mean: 3, sd: -1}\n', "bad.yaml:3: agents.1001.talk.sd: must be at least 0"),
        ('agents:\n  "1001": {no_answer: 1.5}\n', "bad.yaml:2: agents.1001.no_answer: a probability is between"),
        ('agents:\n  "1001": {tlak: 3}\n', "bad.yaml:2: agents.1001.tlak: unknown field"),
        ('agents:\n  "1020-1001": {}\n', "bad.yaml:2: agents.1020-1001: a range runs from low to high"),
        ('agents:\n  "1001-1003": {}\n  "1002": {}\n', "bad.yaml:3: agents.1002: endpoint 1002 is already"),
        ('agents:\n  "1001": {hangs_up: nobody}\n', "bad.yaml:2: agents.1001.hangs_up: expected agent, other"),
        ('inbound:\n  - {number: "5000"}\n', "bad.yaml:2: inbound[0].rate: expected a rate like 120/h"),
        ('inbound:\n  - number: "5000"\n    rate: 3/fortnight\n', "bad.yaml:3: inbound[0].rate: expected a rate"),
        ("inbound:\n  - {rate: 1}\n", "bad.yaml:2: inbound[0].number: missing"),
        (
            'inbound:\n  - number: "5000"\n    rate: 1\n    window: {start: 50, end: 10}\n',
            "bad.yaml:4: inbound[0].window.end: must be after start (50)",
        ),
        ('inbound:\n  - {number: "5000", rate: 1, caller: "06X."}\n', "bad.yaml:2: inbound[0].caller: '06X.' has"),
        (
            'inbound:\n  - number: "5000"\n    rate: 1\n    dtmf:\n      - {after: 1, digits: "1x"}\n',
            "bad.yaml:5: inbound[0].dtmf[0].digits: expected keys",
        ),
        (
            'outbound:\n  destinations:\n    - pattern: "_5XX"\n      outcomes: {answer: 0.5, busy: 0.4}\n',
            "bad.yaml:4: outbound.destinations[0].outcomes: probabilities must add up to 1, they add up to 0.9",
        ),
        (
            'outbound:\n  destinations:\n    - pattern: "_5XX"\n      outcomes: {answer: 0.5, fax: 0.5}\n',
            "bad.yaml:4: outbound.destinations[0].outcomes.fax: unknown field",
        ),
        ("outbound:\n  destinations:\n    - {ring: 3}\n", "bad.yaml:3: outbound.destinations[0].pattern: missing"),
        (
            'outbound:\n  destinations:\n    - {pattern: "_5[9-1]"}\n',
            "bad.yaml:3: outbound.destinations[0].pattern: bad range 9-1",
        ),
        ("seed: 1\ncolour: blue\n", "bad.yaml:2: colour: unknown field"),
        ("- just\n- a list\n", "bad.yaml:1: expected a mapping"),
        ('agents: {"1001": [\n', "bad.yaml:2: not valid YAML"),
    ],
)
def test_errors_name_file_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "bad.yaml")
    assert str(caught.value).startswith(expected), str(caught.value)


def test_a_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nowhere\.yaml: cannot read"):
        load_scenario(tmp_path / "nowhere.yaml")


def test_patterns_generate_and_match_like_asterisk_extensions() -> None:
    rng = random.Random(1)
    pattern = NumberPattern("_0[67]NXXXXXXX")
    numbers = [pattern.generate(rng) for _ in range(200)]
    assert all(len(n) == 10 and n[0] == "0" and n[1] in "67" and n[2] in "23456789" for n in numbers)
    assert len(set(numbers)) == 200
    assert all(pattern.matches(n) for n in numbers)
    assert NumberPattern("_555XXXX").matches("5551234") and not NumberPattern("_555XXXX").matches("55512345")
    assert NumberPattern("_X.").matches("12") and not NumberPattern("_X.").matches("1")  # "." is one or more
    assert NumberPattern("_+33!").matches("+33") and NumberPattern("5000").matches("5000")
    assert not NumberPattern("_X.").can_generate


def test_distributions_have_their_means_and_streams_are_independent_and_stable() -> None:
    rng = random.Random(5)
    cases: list[tuple[Distribution, float]] = [
        (Uniform(2, 6), 4),
        (Normal(180, 60), 180),
        (Exponential(90), 90),
        (Fixed(3), 3),
    ]
    for dist, mean in cases:
        draws = [dist.sample(rng) for _ in range(20_000)]
        assert min(draws) >= 0
        assert statistics.fmean(draws) == pytest.approx(mean, rel=0.03)
    # The same name gives the same stream in any process (SHA-512 of the string, not hash()).
    assert stream_rng(3, "agent", "1001").random() == stream_rng(3, "agent", "1001").random()
    assert stream_rng(3, "agent", "1001").random() != stream_rng(3, "agent", "1002").random()
    assert stream_rng(3, "agent", "1001").random() == pytest.approx(0.81867, abs=1e-5)


def test_cli_refuses_a_bad_scenario_before_binding(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('seed: 1\ninbound:\n  - {number: "5000", rate: fast}\n')
    result = subprocess.run(
        [sys.executable, "-m", "pbxsim", "--scenario", str(bad), "--ami-port", "0", "--ari-port", "0"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""  # no ready line: nothing was bound
    assert f"{bad}:3: inbound[0].rate: expected a rate like 120/h" in result.stderr
