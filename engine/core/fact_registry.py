"""The one registry of the engine's facts: each fact type's stored name and schema version, and how a fact
becomes an `events` row (and comes back from one).

A fact type registers itself with `@fact()` (engine/core/facts.py and the feature modules that add theirs);
its stored name is the class name, so no reader ever spells a kind as a string. The fields named like the
`events` table's id columns (`call_id`, `leg_id`, `agent_id`, `queue`) go to those columns, the others to the
JSON body under their own names. Rows written by an earlier schema version are upgraded on the way in by the
functions the type registered for that version (body -> body of the next version), so an existing database
keeps reading after an upgrade. Decoding converts JSON values back to the field's type (enums, tuples).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

COLUMNS = ("call_id", "leg_id", "agent_id", "queue")

T = TypeVar("T")
Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


class FactDecodeError(ValueError):
    """A stored row that does not make a fact of its type (a field missing, a value of the wrong kind)."""


@dataclass(frozen=True, slots=True)
class Encoded:
    """A fact as the `events` table stores it."""

    name: str
    version: int
    call_id: str | None
    leg_id: str | None
    agent_id: str | None
    queue: str | None
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FactSpec:
    cls: type[Any]
    name: str
    version: int
    columns: tuple[str, ...]  # the id columns this type has
    body_fields: tuple[str, ...]
    converters: Mapping[str, Callable[[Any], Any]]
    upgrades: Mapping[int, Upgrade]  # from version n to n + 1
    # Every field in the dataclass's order: its name, whether it is an id column, and its converter (None when
    # the JSON value is already the field's): the fast path of decoding a row of the current version.
    order: tuple[tuple[str, bool, Callable[[Any], Any] | None], ...] = ()


class FactRegistry:
    """Fact types by stored name and by class. The engine's facts are in `REGISTRY`; a test may make its own."""

    def __init__(self) -> None:
        self._by_name: dict[str, FactSpec] = {}
        self._by_type: dict[type[Any], FactSpec] = {}

    def register(self, cls: type[Any], version: int = 1, upgrades: Mapping[int, Upgrade] | None = None) -> None:
        name = cls.__name__
        if name in self._by_name:
            raise ValueError(f"fact {name} is registered twice")
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        spec = FactSpec(
            cls, name, version,
            columns=tuple(n for n in names if n in COLUMNS),
            body_fields=tuple(n for n in names if n not in COLUMNS),
            converters={n: _converter(hints[n]) for n in names if n not in COLUMNS},
            upgrades=dict(upgrades or {}),
            order=tuple((n, n in COLUMNS, None if n in COLUMNS or _converter(hints[n]) is _same
                         else _converter(hints[n])) for n in names),
        )
        self._by_name[name] = spec
        self._by_type[cls] = spec

    def name_of(self, fact_type: type[Any]) -> str:
        return self._by_type[fact_type].name

    def is_fact(self, value: object) -> bool:
        return type(value) in self._by_type

    def registered(self) -> Mapping[str, FactSpec]:
        return dict(self._by_name)

    def encode(self, value: object) -> Encoded:
        spec = self._by_type[type(value)]
        get = value.__getattribute__
        ids = {column: get(column) for column in spec.columns}
        return Encoded(spec.name, spec.version, ids.get("call_id"), ids.get("leg_id"), ids.get("agent_id"),
                       ids.get("queue"), {name: _plain(get(name)) for name in spec.body_fields})

    def decode(self, name: str, version: int, columns: Mapping[str, str | None],
               body: Mapping[str, Any]) -> object | None:
        """The fact a stored row holds; None for a name that is not a fact (a wire event, an unknown kind).
        Raises FactDecodeError for a row of a known type that does not fit it."""
        spec = self._by_name.get(name)
        if spec is None:
            return None
        if version == spec.version:  # the common case, by position: a rebuild decodes a day of rows
            try:
                made_fast: object = spec.cls(*[
                    columns.get(field) if column else body[field] if convert is None else convert(body[field])
                    for field, column, convert in spec.order])
                return made_fast
            except (KeyError, TypeError, ValueError):
                pass  # a field missing or of the wrong kind: the slow path below says which
        data = dict(body)
        for step in range(version, spec.version):
            upgrade = spec.upgrades.get(step)
            if upgrade is None:
                raise FactDecodeError(f"{name}: no upgrade from schema version {step}")
            data = upgrade(data)
        values: dict[str, Any] = {column: columns.get(column) for column in spec.columns}
        for field_name in spec.body_fields:
            if field_name in data:
                try:
                    values[field_name] = spec.converters[field_name](data[field_name])
                except (TypeError, ValueError) as exc:
                    raise FactDecodeError(f"{name}.{field_name}: {exc}") from None
        try:
            made: object = spec.cls(**values)
        except TypeError as exc:
            raise FactDecodeError(f"{name}: {exc}") from None
        return made


REGISTRY = FactRegistry()


def fact(version: int = 1, upgrades: Mapping[int, Upgrade] | None = None,
         registry: FactRegistry = REGISTRY) -> Callable[[type[T]], type[T]]:
    """Register a frozen dataclass as a fact stored under its class name at schema `version`."""

    def register(cls: type[T]) -> type[T]:
        registry.register(cls, version, upgrades)
        return cls

    return register


def _converter(hint: Any) -> Callable[[Any], Any]:
    """How a JSON value becomes the field's type again: enums from their value, tuples from lists."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union \
        else (hint,)
    for option in options:
        if isinstance(option, type) and issubclass(option, Enum):
            enum = option
            return lambda value: value if value is None else enum(value)
        if typing.get_origin(option) is tuple:
            return lambda value: value if value is None else tuple(value)
        if option is float:
            return lambda value: float(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return _same


def _same(value: Any) -> Any:
    return value


def name_of(fact_type: type[Any]) -> str:
    return REGISTRY.name_of(fact_type)


def is_fact(value: object) -> bool:
    return REGISTRY.is_fact(value)


def registered() -> Mapping[str, FactSpec]:
    return REGISTRY.registered()


def encode(value: object) -> Encoded:
    return REGISTRY.encode(value)


def _plain(value: Any) -> Any:
    """JSON's own types in the body: an enum by its value, a tuple as a list."""
    if isinstance(value, Enum):
        return value.value
    return list(value) if isinstance(value, tuple) else value


def decode(name: str, version: int, columns: Mapping[str, str | None], body: Mapping[str, Any]) -> object | None:
    return REGISTRY.decode(name, version, columns, body)
