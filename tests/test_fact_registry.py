"""The fact registry: every fact is stored under its class name and comes back the same; a row of an older
schema version is upgraded on the way in; a row that does not fit its type is refused by name; and no module
of the engine spells a fact's name as a string (the registry is the one place that knows them)."""

from __future__ import annotations

import ast
import json
import typing
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core import facts
from engine.core.event_record import EventRecord, EventSource
from engine.core.fact_registry import FactDecodeError, FactRegistry, decode, encode, fact, name_of, registered
from tests.conftest import REPO

ALL_FACTS = typing.get_args(facts.Fact)


def test_the_union_and_the_registry_hold_the_same_facts() -> None:
    assert {cls.__name__ for cls in ALL_FACTS} == set(registered())
    assert all(name_of(cls) == cls.__name__ for cls in ALL_FACTS)


def _values(hint: Any) -> st.SearchStrategy[Any]:
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, __import__("types").UnionType) \
        else (hint,)
    strategies: list[st.SearchStrategy[Any]] = []
    for option in options:
        if option is type(None):
            strategies.append(st.none())
        elif isinstance(option, type) and issubclass(option, Enum):
            strategies.append(st.sampled_from(list(option)))
        elif option is bool:
            strategies.append(st.booleans())
        elif option is int:
            strategies.append(st.integers(-10**6, 10**6))
        elif option is float:
            strategies.append(st.floats(-1e6, 1e6, allow_nan=False))
        elif typing.get_origin(option) is tuple:
            strategies.append(st.lists(st.text(max_size=8), max_size=3).map(lambda items: tuple(items)))
        else:  # str and the NewType ids
            strategies.append(st.text(max_size=12))
    return st.one_of(*strategies)


@st.composite
def any_fact(draw: st.DrawFn) -> object:
    cls = draw(st.sampled_from(ALL_FACTS))
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: draw(_values(hints[f.name])) for f in fields(cls)})


@given(any_fact())
def test_every_fact_comes_back_from_its_stored_row_as_it_was(value: object) -> None:
    stored = encode(value)
    body = json.loads(json.dumps(stored.body))  # through JSON, as the events table keeps it
    record = EventRecord(1, 0.0, EventSource.ENGINE, stored.name, None, stored.call_id, stored.leg_id,
                         stored.agent_id, stored.queue, body, stored.version)
    assert facts.fact_of(record) == value


def test_a_row_of_an_older_version_is_upgraded_and_one_without_an_upgrade_is_refused() -> None:
    registry = FactRegistry()

    @fact(version=2, upgrades={1: lambda body: {"seconds": body["minutes"] * 60.0}}, registry=registry)
    @dataclass(frozen=True, slots=True)
    class ProbeWaited:
        call_id: str
        seconds: float

    assert registry.decode("ProbeWaited", 1, {"call_id": "c1"}, {"minutes": 2}) == ProbeWaited("c1", 120.0)
    assert registry.decode("ProbeWaited", 2, {"call_id": "c1"}, {"seconds": 5}) == ProbeWaited("c1", 5.0)
    assert registry.encode(ProbeWaited("c1", 5.0)).version == 2

    @fact(version=3, registry=registry)
    @dataclass(frozen=True, slots=True)
    class ProbeNoUpgrade:
        call_id: str

    with pytest.raises(FactDecodeError, match="no upgrade from schema version 1"):
        registry.decode("ProbeNoUpgrade", 1, {"call_id": "c1"}, {})
    assert "ProbeWaited" not in registered()  # the engine's registry is untouched


def test_a_row_that_does_not_fit_its_fact_is_refused_by_name() -> None:
    with pytest.raises(FactDecodeError, match="AgentMissed"):
        decode("AgentMissed", 1, {"call_id": "c1", "agent_id": "1001", "queue": "q", "leg_id": "l"},
               {"failure": "no_answer"})  # ring_s missing
    with pytest.raises(FactDecodeError, match=r"AgentMissed\.failure"):
        decode("AgentMissed", 1, {"call_id": "c1", "agent_id": "1001", "queue": "q", "leg_id": "l"},
               {"failure": "asleep", "ring_s": 1.0})
    assert decode("AriResynced", 1, {}, {}) is None  # a wire event is not a fact


def test_a_name_registered_twice_is_refused() -> None:
    registry = FactRegistry()
    registry.register(facts.CallStarted)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(facts.CallStarted)


def string_constants(tree: ast.AST) -> set[str]:
    """String literals that are not docstrings."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings}


def test_no_fact_name_is_written_as_a_string_in_the_engine() -> None:
    names = set(registered())
    for path in sorted((REPO / "engine").rglob("*.py")):
        spelled = string_constants(ast.parse(path.read_text())) & names
        assert not spelled, f"{path.relative_to(REPO)} spells {sorted(spelled)}: ask the registry (name_of)"
