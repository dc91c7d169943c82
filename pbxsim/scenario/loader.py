"""`load_scenario(path)`: a YAML scenario file -> a validated, frozen `Scenario` (format: scenarios/README.md).

    seed: 42
    agents:
      "1001-1004": {register_at: {min: 0, max: 5}, answer_after: {min: 2, max: 6}, no_answer: 0.05,
                    talk: {mean: 180, sd: 60}, hangs_up: {agent: 0.6}}
    inbound:
      - {number: "5000", rate: 120/h, window: {start: 5, end: 28800}, caller: "06XXXXXXXX",
         patience: {exponential: 90}, dtmf: [{after: 4, digits: "1"}],
         hangup_early: {probability: 0.03, after: {min: 2, max: 10}}}
    outbound:
      trunk: trunk
      destinations:
        - {pattern: "_555XXXX", ring: {min: 3, max: 12}, talk: {mean: 90, sd: 30},
           outcomes: {answer: 0.7, busy: 0.1, no_answer: 0.1, congestion: 0.05, unreachable: 0.05},
           answered_by: {human: 0.7, machine: 0.25, hangup: 0.05}}

Nothing is half-loaded: the first error raises `ScenarioError` naming file, line and field path.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from pbxsim.scenario.distributions import Fixed, Uniform
from pbxsim.scenario.patterns import NumberPattern
from pbxsim.scenario.reader import Reader, ScenarioError
from pbxsim.scenario.spec import (
    AgentSpec,
    Amd,
    DestinationSpec,
    Dial,
    DtmfSpec,
    InboundSpec,
    OutboundSpec,
    Scenario,
)

E = TypeVar("E", bound=enum.StrEnum)

_RANGE = re.compile(r"^(\d+)-(\d+)$")
_NAME = re.compile(r"^[A-Za-z0-9_.+]+$")
_MAX_RANGE = 20_000  # endpoints in one range: a typo like 1001-100100 should not hang the loader
_AGENT_KEYS = {"register_at", "answer_after", "no_answer", "talk", "hangs_up", "expires", "qualify"}
_INBOUND_KEYS = {"number", "rate", "window", "caller", "caller_name", "patience", "dtmf", "hangup_early"}
_DEST_KEYS = {"pattern", "ring", "outcomes", "answered_by", "talk"}


def load_scenario(path: Path | str) -> Scenario:
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"{source}: cannot read: {error.strerror or error}") from None
    return parse_scenario(text, source)


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    try:
        document = YAML(typ="rt").load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ScenarioError(f"{source}{line}: not valid YAML: {getattr(error, 'problem', None) or error}") from None
    reader = Reader(source)
    if not isinstance(document, Mapping):
        raise reader.error(document, None, "", "expected a mapping with seed, agents, inbound, outbound")
    reader.only(document, "", {"seed", "agents", "inbound", "outbound"})
    seed = reader.integer(document, "seed", "seed", 0)
    agents = _agents(reader, document)
    streams = reader.sequence(document, "inbound", "inbound")
    inbound = tuple(_inbound(reader, streams, index) for index in range(len(streams)))
    return Scenario(source, seed, agents, inbound, _outbound(reader, document))


# --------------------------------------------------------------------------- agents


def _endpoints(reader: Reader, node: Mapping[Any, Any], key: Any) -> list[str]:
    text = str(key)
    path = f"agents.{text}"
    match = _RANGE.match(text)
    if match:
        first, last = match.groups()
        if int(last) < int(first) or len(first) != len(last):
            raise reader.error(node, key, path, "a range runs from low to high with equal widths, e.g. 1001-1020")
        if int(last) - int(first) >= _MAX_RANGE:
            raise reader.error(node, key, path, f"a range holds at most {_MAX_RANGE} endpoints")
        return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]
    if not _NAME.match(text):
        raise reader.error(node, key, path, "expected an endpoint (1001) or a range (1001-1020)")
    return [text]


def _agents(reader: Reader, document: Mapping[Any, Any]) -> tuple[AgentSpec, ...]:
    groups = document.get("agents")
    if groups is None:
        return ()
    if not isinstance(groups, Mapping):
        raise reader.error(document, "agents", "agents", "expected a mapping of endpoint or range -> settings")
    seen: dict[str, str] = {}
    specs: list[AgentSpec] = []
    for key in groups:
        path = f"agents.{key}"
        settings = reader.mapping(groups, key, path, _AGENT_KEYS, optional=True)
        agent_hangs_up = _hangs_up(reader, settings, f"{path}.hangs_up")
        common: dict[str, Any] = dict(
            register_at=reader.distribution(settings, "register_at", f"{path}.register_at", Fixed(0.0)),
            answer_after=reader.distribution(settings, "answer_after", f"{path}.answer_after", Uniform(2.0, 6.0)),
            no_answer=reader.probability(settings, "no_answer", f"{path}.no_answer"),
            talk=reader.distribution(settings, "talk", f"{path}.talk", Fixed(180.0)),
            agent_hangs_up=agent_hangs_up,
            expires=reader.integer(settings, "expires", f"{path}.expires", 60),
            qualify=reader.boolean(settings, "qualify", f"{path}.qualify", True),
        )
        for endpoint in _endpoints(reader, groups, key):
            if endpoint in seen:
                raise reader.error(
                    groups, key, path, f"endpoint {endpoint} is already defined by agents.{seen[endpoint]}"
                )
            seen[endpoint] = str(key)
            specs.append(AgentSpec(endpoint=endpoint, **common))
    return tuple(specs)


def _hangs_up(reader: Reader, settings: Mapping[Any, Any], path: str) -> float:
    """Probability that the agent ends the conversation: `agent`, `other` (alias `caller`) or {agent: p}."""
    value = settings.get("hangs_up", "agent")
    if value == "agent":
        return 1.0
    if value in ("other", "caller"):
        return 0.0
    if isinstance(value, Mapping):
        reader.only(value, path, {"agent"})
        return reader.probability(value, "agent", f"{path}.agent")
    raise reader.error(settings, "hangs_up", path, f"expected agent, other or {{agent: <probability>}}, got {value!r}")


# --------------------------------------------------------------------------- inbound


def _inbound(reader: Reader, items: list[Any], index: int) -> InboundSpec:
    path = f"inbound[{index}]"
    if not isinstance(items[index], Mapping):
        raise reader.error(items, index, path, "expected a mapping with number, rate, ...")
    node = reader.mapping(items, index, path, _INBOUND_KEYS)
    number = reader.text(node, "number", f"{path}.number")
    if not re.fullmatch(r"\+?[0-9*#]+", number):
        raise reader.error(node, "number", f"{path}.number", f"expected a dialled number, got {number!r}")
    window = reader.mapping(node, "window", f"{path}.window", {"start", "end"}, optional=True)
    start = reader.number(window, "start", f"{path}.window.start", 0.0)
    end = window.get("end")
    if end is not None:
        end = reader.number(window, "end", f"{path}.window.end")
        if end <= start:
            raise reader.error(window, "end", f"{path}.window.end", f"must be after start ({start:g}), got {end:g}")
    caller = _pattern(reader, node, "caller", f"{path}.caller", "0XXXXXXXXX", generate=True)
    early = reader.mapping(node, "hangup_early", f"{path}.hangup_early", {"probability", "after"}, optional=True)
    return InboundSpec(
        name=f"inbound[{index}]:{number}",
        number=number,
        rate=reader.rate(node, "rate", f"{path}.rate"),
        start=start,
        end=end,
        caller=caller,
        caller_name=reader.text(node, "caller_name", f"{path}.caller_name", ""),
        patience=reader.distribution(node, "patience", f"{path}.patience")
        if node.get("patience") is not None
        else None,
        dtmf=tuple(_dtmf(reader, node, f"{path}.dtmf")),
        early_hangup=reader.probability(early, "probability", f"{path}.hangup_early.probability"),
        early_after=reader.distribution(early, "after", f"{path}.hangup_early.after", Uniform(1.0, 10.0)),
    )


def _dtmf(reader: Reader, node: Mapping[Any, Any], path: str) -> list[DtmfSpec]:
    presses = []
    items = reader.sequence(node, "dtmf", path)
    for index in range(len(items)):
        where = f"{path}[{index}]"
        if not isinstance(items[index], Mapping):
            raise reader.error(items, index, where, "expected {after: <seconds>, digits: <keys>}")
        press = reader.mapping(items, index, where, {"after", "digits", "probability"})
        digits = reader.text(press, "digits", f"{where}.digits")
        if not re.fullmatch(r"[0-9A-D*#]+", digits):
            raise reader.error(press, "digits", f"{where}.digits", f"expected keys 0-9 A-D * #, got {digits!r}")
        after = reader.number(press, "after", f"{where}.after")
        presses.append(DtmfSpec(after, digits, reader.probability(press, "probability", f"{where}.probability", 1.0)))
    return presses


def _pattern(
    reader: Reader, node: Mapping[Any, Any], key: str, path: str, default: str, generate: bool
) -> NumberPattern:
    text = reader.text(node, key, path, default)
    try:
        pattern = NumberPattern(text)
    except ValueError as error:
        raise reader.error(node, key, path, str(error)) from None
    if generate and not pattern.can_generate:
        raise reader.error(node, key, path, f"{text!r} has '.' or '!': a caller number needs a fixed length")
    return pattern


# --------------------------------------------------------------------------- outbound


def _outbound(reader: Reader, document: Mapping[Any, Any]) -> OutboundSpec:
    node = reader.mapping(document, "outbound", "outbound", {"trunk", "contexts", "destinations"}, optional=True)
    trunk = reader.text(node, "trunk", "outbound.trunk", "") or None
    contexts = tuple(str(c) for c in reader.sequence(node, "contexts", "outbound.contexts")) or ("outbound",)
    items = reader.sequence(node, "destinations", "outbound.destinations")
    destinations = []
    for index in range(len(items)):
        path = f"outbound.destinations[{index}]"
        if not isinstance(items[index], Mapping):
            raise reader.error(items, index, path, "expected a mapping with pattern, outcomes, ...")
        dest = reader.mapping(items, index, path, _DEST_KEYS)
        if dest.get("pattern") is None:
            raise reader.error(dest, None, f"{path}.pattern", "missing (a number pattern such as _555XXXX)")
        destinations.append(
            DestinationSpec(
                name=path,
                pattern=_pattern(reader, dest, "pattern", f"{path}.pattern", "", generate=False),
                ring=reader.distribution(dest, "ring", f"{path}.ring", Uniform(2.0, 8.0)),
                outcomes=_choices(reader, dest, "outcomes", f"{path}.outcomes", Dial, {Dial.ANSWER: 1.0}),
                answered_by=_choices(reader, dest, "answered_by", f"{path}.answered_by", Amd, {Amd.HUMAN: 1.0}),
                talk=reader.distribution(dest, "talk", f"{path}.talk") if dest.get("talk") is not None else None,
            )
        )
    if destinations and trunk is None and not node.get("contexts"):
        trunk = "trunk"
    return OutboundSpec(trunk, contexts, tuple(destinations))


def _choices(
    reader: Reader, node: Mapping[Any, Any], key: str, path: str, kind: type[E], default: dict[E, float]
) -> tuple[tuple[E, float], ...]:
    """A probability per outcome, adding up to 1 (outcomes not named have probability 0)."""
    if node.get(key) is None:
        return tuple(default.items())
    allowed = {member.value for member in kind}
    table = reader.mapping(node, key, path, allowed)
    chosen = tuple((kind(str(name)), reader.probability(table, name, f"{path}.{name}")) for name in table)
    total = sum(p for _, p in chosen)
    if abs(total - 1.0) > 1e-6:
        raise reader.error(node, key, path, f"probabilities must add up to 1, they add up to {total:g}")
    return chosen
