"""The call center's own configuration: queues, agents and inbound numbers, from one YAML file.

    queues:
      support:
        strategy: longest_idle        # longest_idle | least_calls | round_robin | skills_best_match | ring_all
        service_level: {target_s: 20, goal: 0.8}
        wrapup_s: 30
        ring_timeout_s: 15
        max_wait_s: 300
        max_length: 50
        moh_class: default
        no_answer_break_after: 3
        relax:
          - {after_s: 30, min_proficiency: 50}
          - {after_s: 60}               # no minimum: any agent of the queue
        overflow:
          - {when: max_wait, to: "queue:backup"}
          - {when: no_agents, to: "voicemail:9000@callhive"}
    agents:
      "1001": {name: Alice, endpoint: PJSIP/1001, skills: {billing: 80}, queues: [support]}
    numbers:
      "5000": {queue: support, priority: 0, skills: {billing: 50}}

Every error names the file, the line and the path of the field (`queues.support.wrapup_s`), and says what
was expected; nothing is half-loaded: a file with an error is refused whole, so the engine keeps running
on what it had.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from engine.core.acd.config import (
    AgentConfig,
    Announcements,
    Callbacks,
    OverflowRule,
    OverflowTarget,
    OverflowWhen,
    QueueConfig,
)
from engine.core.ids import AgentId, QueueName
from engine.core.skills import Relaxation, SkillRequirement
from engine.core.strategies import Strategy
from engine.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NumberBinding:
    """What an inbound number (DID) leads to."""

    number: str
    queue: str
    priority: int = 0
    skills: tuple[SkillRequirement, ...] = ()


# How a caller is dialled back: through the dialplan's outbound context, like the dialer's calls.
DEFAULT_CALLBACK_ENDPOINT = "Local/{number}@outbound"


@dataclass(frozen=True, slots=True)
class CenterConfig:
    queues: tuple[QueueConfig, ...]
    agents: tuple[AgentConfig, ...]
    numbers: Mapping[str, NumberBinding]
    callback_endpoint: str = DEFAULT_CALLBACK_ENDPOINT


class _Reader:
    """Walks the YAML tree keeping the path and line of each value, for errors."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: Any, key: Any, field: str, expected: str) -> ConfigError:
        line = self._line(node, key)
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        return ConfigError(f"{where}: {field}: {expected}")

    @staticmethod
    def _line(node: Any, key: Any) -> int | None:
        lc = getattr(node, "lc", None)
        if lc is None:
            return None
        try:
            if isinstance(key, int):
                return int(lc.item(key)[0]) + 1
            if key is not None:
                return int(lc.value(key)[0]) + 1
        except (KeyError, IndexError, TypeError):
            pass
        return int(lc.line) + 1

    def mapping(self, node: Any, key: Any, field: str, allowed: set[str] | None = None) -> dict[str, Any]:
        value = node[key] if key is not None else node
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(node, key, field, "expected a mapping")
        if allowed is not None:
            for name in value:
                if name not in allowed:
                    path = f"{field}.{name}" if field else str(name)
                    raise self.fail(value, name, path, "unknown key; expected one of " + ", ".join(sorted(allowed)))
        return value

    def get(self, node: dict[str, Any], key: str, field: str, parse: Callable[[Any], T], default: T) -> T:
        if key not in node:
            return default
        try:
            return parse(node[key])
        except (TypeError, ValueError) as exc:
            raise self.fail(node, key, f"{field}.{key}", str(exc)) from None


def _bounded(what: str, kinds: type | tuple[type, ...], cast: Callable[[Any], T], low: float,
             high: float | None) -> Callable[[Any], T]:
    def parse(raw: Any) -> T:
        value: Any = raw  # typed by the check below, which mypy cannot follow through `kinds`
        if isinstance(raw, bool) or not isinstance(raw, kinds):
            raise ValueError(f"expected {what}, got {raw!r}")
        if value < low or (high is not None and value > high):
            span = f"from {low:g} to {high:g}" if high is not None else f">= {low:g}"
            raise ValueError(f"expected {what} {span}, got {raw!r}")
        return cast(value)

    return parse


def _number(low: float, high: float | None = None) -> Callable[[Any], float]:
    return _bounded("a number", (int, float), float, low, high)


def _integer(low: int, high: int | None = None) -> Callable[[Any], int]:
    return _bounded("a whole number", int, int, low, high)


def _text(raw: Any) -> str:
    if not isinstance(raw, str | int) or isinstance(raw, bool) or str(raw).strip() == "":
        raise ValueError(f"expected a non-empty string, got {raw!r}")
    return str(raw)


def _strategy(raw: Any) -> Strategy:
    try:
        return Strategy(raw)
    except ValueError:
        raise ValueError("expected one of " + ", ".join(s.value for s in Strategy) + f", got {raw!r}") from None


_QUEUE_KEYS = {
    "strategy",
    "service_level",
    "wrapup_s",
    "ring_timeout_s",
    "max_wait_s",
    "max_length",
    "moh_class",
    "no_answer_break_after",
    "relax",
    "overflow",
    "announce",
    "callbacks",
    "default_handle_s",
}
_ANNOUNCE_KEYS = {"first_after_s", "every_s", "position", "estimated_wait", "callback"}


def _flag(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"expected true or false, got {raw!r}")
    return raw


def _announcements(reader: _Reader, node: dict[str, Any], field: str) -> Announcements | None:
    if "announce" not in node:
        return None
    table = reader.mapping(node, "announce", f"{field}.announce", _ANNOUNCE_KEYS)
    where = f"{field}.announce"
    return Announcements(
        first_after_s=reader.get(table, "first_after_s", where, _number(0), 30.0),
        every_s=reader.get(table, "every_s", where, _number(5), 60.0),
        position=reader.get(table, "position", where, _flag, True),
        estimated_wait=reader.get(table, "estimated_wait", where, _flag, True),
        offer_callback=reader.get(table, "callback", where, _flag, False),
    )


def _callbacks(reader: _Reader, node: dict[str, Any], field: str) -> Callbacks:
    where = f"{field}.callbacks"
    table = reader.mapping(node, "callbacks", where, {"ring_timeout_s", "attempts", "retry_after_s"}) \
        if "callbacks" in node else {}
    return Callbacks(
        ring_timeout_s=reader.get(table, "ring_timeout_s", where, _number(5, 120), 30.0),
        attempts=reader.get(table, "attempts", where, _integer(1, 10), 3),
        retry_after_s=reader.get(table, "retry_after_s", where, _number(0), 120.0),
    )


def _skills(reader: _Reader, node: dict[str, Any], key: str, field: str) -> dict[str, int]:
    table = reader.mapping(node, key, f"{field}.{key}") if key in node else {}
    return {str(name): reader.get(table, name, f"{field}.{key}", _integer(1, 100), 0) for name in table}


def _queue(reader: _Reader, queues: dict[str, Any], name: str) -> QueueConfig:
    field = f"queues.{name}"
    node = reader.mapping(queues, name, field, _QUEUE_KEYS)
    level = (
        reader.mapping(node, "service_level", f"{field}.service_level", {"target_s", "goal"})
        if "service_level" in node
        else {}
    )
    relax = node.get("relax") or []
    if not isinstance(relax, list):
        raise reader.fail(node, "relax", f"{field}.relax", "expected a list of {after_s, min_proficiency}")
    relaxations = []
    for index in range(len(relax)):
        rule = reader.mapping(relax, index, f"{field}.relax[{index}]", {"after_s", "min_proficiency"})
        after = reader.get(rule, "after_s", f"{field}.relax[{index}]", _number(0), -1.0)
        if after < 0:
            raise reader.fail(relax, index, f"{field}.relax[{index}].after_s", "required")
        minimum = reader.get(rule, "min_proficiency", f"{field}.relax[{index}]", _integer(1, 100), 0)
        relaxations.append(Relaxation(after, minimum or None))
    overflow = node.get("overflow") or []
    if not isinstance(overflow, list):
        raise reader.fail(node, "overflow", f"{field}.overflow", "expected a list of {when, to}")
    rules = [_overflow(reader, overflow, index, f"{field}.overflow[{index}]") for index in range(len(overflow))]
    return QueueConfig(
        name=QueueName(name),
        strategy=reader.get(node, "strategy", field, _strategy, Strategy.LONGEST_IDLE),
        wrapup_s=reader.get(node, "wrapup_s", field, _number(0), 0.0),
        ring_timeout_s=reader.get(node, "ring_timeout_s", field, _number(1, 600), 15.0),
        max_wait_s=reader.get(node, "max_wait_s", field, _number(1), None),
        max_length=reader.get(node, "max_length", field, _integer(1), None),
        moh_class=reader.get(node, "moh_class", field, _text, "default"),
        no_answer_break_after=reader.get(node, "no_answer_break_after", field, _integer(0), 3),
        service_level_s=reader.get(level, "target_s", f"{field}.service_level", _number(1), 20.0),
        service_level_goal=reader.get(level, "goal", f"{field}.service_level", _number(0, 1), 0.8),
        relaxations=tuple(relaxations),
        overflow=tuple(rules),
        announcements=_announcements(reader, node, field),
        callbacks=_callbacks(reader, node, field),
        default_handle_s=reader.get(node, "default_handle_s", field, _number(1), 180.0),
    )


def _overflow(reader: _Reader, rules: list[Any], index: int, field: str) -> OverflowRule:
    rule = reader.mapping(rules, index, field, {"when", "to", "over_s"})
    try:
        when = OverflowWhen(str(rule.get("when")))
    except ValueError:
        raise reader.fail(
            rule, "when", f"{field}.when", "expected one of " + ", ".join(w.value for w in OverflowWhen)
        ) from None
    target, _, destination = str(rule.get("to", "")).partition(":")
    callback = target == OverflowTarget.CALLBACK.value and not destination
    if not callback and (target not in {t.value for t in OverflowTarget} or not destination):
        raise reader.fail(
            rule, "to", f"{field}.to", "expected 'queue:<name>', 'voicemail:<box>@<context>' or 'callback'"
        )
    threshold = reader.get(rule, "over_s", field, _number(1), None)
    if (when is OverflowWhen.ESTIMATED_WAIT) != (threshold is not None):
        raise reader.fail(rule, "over_s" if threshold is not None else "when", f"{field}.over_s",
                          "over_s (seconds) goes with, and only with, when: estimated_wait")
    return OverflowRule(when, OverflowTarget(target), destination, threshold)


def load_center_config(path: Path) -> CenterConfig:
    reader = _Reader(path)
    try:
        document = YAML(typ="rt").load(path.read_text())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if document is None:
        document = {}
    root = reader.mapping(document, None, "", {"queues", "agents", "numbers", "callback"})
    queue_nodes = reader.mapping(root, "queues", "queues") if "queues" in root else {}
    queues = tuple(_queue(reader, queue_nodes, str(name)) for name in queue_nodes)
    names = {q.name for q in queues}
    for queue in queues:
        for index, rule in enumerate(queue.overflow):
            if rule.target is OverflowTarget.QUEUE and rule.destination not in names:
                raise reader.fail(
                    queue_nodes[queue.name]["overflow"],
                    index,
                    f"queues.{queue.name}.overflow[{index}].to",
                    f"no queue named {rule.destination!r}",
                )
    agent_nodes = reader.mapping(root, "agents", "agents") if "agents" in root else {}
    agents = []
    for agent_id in agent_nodes:
        field = f"agents.{agent_id}"
        node = reader.mapping(agent_nodes, agent_id, field, {"name", "endpoint", "skills", "queues"})
        member_of = node.get("queues") or []
        if not isinstance(member_of, list):
            raise reader.fail(node, "queues", f"{field}.queues", "expected a list of queue names")
        for index, queue_name in enumerate(member_of):
            if queue_name not in names:
                raise reader.fail(member_of, index, f"{field}.queues[{index}]", f"no queue named {queue_name!r}")
        endpoint = reader.get(node, "endpoint", field, _text, "")
        if "/" not in endpoint:
            raise reader.fail(
                node,
                "endpoint" if "endpoint" in node else None,
                f"{field}.endpoint",
                "expected a device such as PJSIP/1001",
            )
        agents.append(
            AgentConfig(
                AgentId(str(agent_id)),
                reader.get(node, "name", field, _text, str(agent_id)),
                endpoint,
                _skills(reader, node, "skills", field),
                tuple(QueueName(str(q)) for q in member_of),
            )
        )
    number_nodes = reader.mapping(root, "numbers", "numbers") if "numbers" in root else {}
    numbers = {}
    for number in number_nodes:
        field = f"numbers.{number}"
        node = reader.mapping(number_nodes, number, field, {"queue", "priority", "skills"})
        queue_name = reader.get(node, "queue", field, _text, "")
        if queue_name not in names:
            raise reader.fail(
                node,
                "queue" if "queue" in node else None,
                f"{field}.queue",
                f"expected the name of a queue, got {queue_name!r}",
            )
        skills = _skills(reader, node, "skills", field)
        numbers[str(number)] = NumberBinding(
            str(number),
            queue_name,
            reader.get(node, "priority", field, _integer(0, 100), 0),
            tuple(SkillRequirement(name, level) for name, level in skills.items()),
        )
    callback = reader.mapping(root, "callback", "callback", {"endpoint"}) if "callback" in root else {}
    endpoint = reader.get(callback, "endpoint", "callback", _text, DEFAULT_CALLBACK_ENDPOINT)
    if "{number}" not in endpoint or "/" not in endpoint:
        raise reader.fail(callback, "endpoint", "callback.endpoint", "expected a dial string with {number}, "
                          "such as Local/{number}@outbound")
    return CenterConfig(queues, tuple(agents), numbers, endpoint)
