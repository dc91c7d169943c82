"""Reading YAML values with their file, line and field path, for errors that say where and what.

The loader walks ruamel.yaml's round-trip tree (`CommentedMap`/`CommentedSeq`), whose `lc` attribute keeps
the line of every key and item. Each reader takes the *parent* container and the key, so a missing field
can name the parent's line and a bad one its own: `scenarios/demo.yaml:14: agents.1001-1004.talk.sd: ...`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from pbxsim.scenario.distributions import Distribution, Exponential, Fixed, Normal, Uniform

_RATE_UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "min": 60.0, "minute": 60.0, "h": 3600.0, "hour": 3600.0}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names file, line and field."""


def _line(container: Any, key: Any) -> int | None:
    lc = getattr(container, "lc", None)
    if lc is None:
        return None
    try:
        if isinstance(container, CommentedSeq) and isinstance(key, int):
            return int(lc.item(key)[0]) + 1
        if key is not None and isinstance(container, CommentedMap) and key in container:
            return int(lc.value(key)[0]) + 1
    except (KeyError, IndexError, TypeError):
        pass
    return int(lc.line) + 1


class Reader:
    """Typed access to one YAML document; every failure raises `ScenarioError`."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, container: Any, key: Any, path: str, message: str) -> ScenarioError:
        line = _line(container, key)
        where = f"{self.source}:{line}" if line is not None else self.source
        return ScenarioError(f"{where}: {path}: {message}" if path else f"{where}: {message}")

    # ----------------------------------------------------------------------- containers

    def mapping(self, parent: Any, key: Any, path: str, allowed: set[str], optional: bool = False) -> Mapping[Any, Any]:
        """The mapping at parent[key] with no keys outside `allowed` (an empty or absent optional one is {})."""
        value = parent[key] if isinstance(parent, list) else parent.get(key) if isinstance(parent, Mapping) else None
        if value is None and (optional or (isinstance(parent, Mapping) and key in parent)):
            return {}
        if value is None:
            raise self.error(parent, key, path, "missing (a mapping is required)")
        if not isinstance(value, Mapping):
            raise self.error(parent, key, path, f"expected a mapping, got {_kind(value)}")
        self.only(value, path, allowed)
        return value

    def only(self, node: Mapping[Any, Any], path: str, allowed: set[str]) -> None:
        for name in node:
            if str(name) not in allowed:
                expected = ", ".join(sorted(allowed))
                raise self.error(node, name, _join(path, name), f"unknown field (expected one of: {expected})")

    def sequence(self, parent: Mapping[Any, Any], key: str, path: str) -> list[Any]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(parent, key, path, f"expected a list, got {_kind(value)}")
        return value

    # ----------------------------------------------------------------------- scalars

    def number(
        self, parent: Mapping[Any, Any], key: str, path: str, default: float | None = None, minimum: float = 0.0
    ) -> float:
        value = parent.get(key)
        if value is None:
            if default is None:
                raise self.error(parent, key, path, "missing (a number is required)")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.error(parent, key, path, f"expected a number, got {_kind(value)}")
        if value < minimum:
            raise self.error(parent, key, path, f"must be at least {minimum:g}, got {value}")
        return float(value)

    def integer(self, parent: Mapping[Any, Any], key: str, path: str, default: int) -> int:
        value = parent.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(parent, key, path, f"expected an integer, got {_kind(value)}")
        return value

    def boolean(self, parent: Mapping[Any, Any], key: str, path: str, default: bool) -> bool:
        value = parent.get(key, default)
        if not isinstance(value, bool):
            raise self.error(parent, key, path, f"expected true or false, got {_kind(value)}")
        return value

    def probability(self, parent: Mapping[Any, Any], key: str, path: str, default: float = 0.0) -> float:
        value = self.number(parent, key, path, default)
        if value > 1:
            raise self.error(parent, key, path, f"a probability is between 0 and 1, got {value:g}")
        return value

    def text(self, parent: Mapping[Any, Any], key: Any, path: str, default: str | None = None) -> str:
        value = parent.get(key)
        if value is None:
            if default is None:
                raise self.error(parent, key, path, "missing (a string is required)")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.error(parent, key, path, f"expected a string, got {_kind(value)}")
        return str(value)

    def rate(self, parent: Mapping[Any, Any], key: str, path: str) -> float:
        """Arrivals per second from `0.5`, `"0.5/s"`, `"3/min"` or `"120/h"`."""
        value = parent.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            per_second = float(value)
        elif isinstance(value, str) and value.count("/") == 1:
            amount, unit = (part.strip() for part in value.split("/"))
            try:
                per_second = float(amount) / _RATE_UNITS[unit.lower()]
            except (ValueError, KeyError):
                raise self.error(
                    parent, key, path, f"expected a rate like 120/h, 3/min or 0.5/s, got {value!r}"
                ) from None
        else:
            shown = "nothing" if value is None else repr(value)
            raise self.error(parent, key, path, f"expected a rate like 120/h, 3/min or 0.5/s, got {shown}")
        if not (math.isfinite(per_second) and per_second > 0):
            raise self.error(parent, key, path, f"the rate must be above 0, got {value!r}")
        return per_second

    def distribution(
        self, parent: Mapping[Any, Any], key: str, path: str, default: Distribution | None = None
    ) -> Distribution:
        """A duration in seconds: a number, {min, max}, {mean, sd} or {exponential: mean}."""
        value = parent.get(key)
        if value is None:
            if default is None:
                raise self.error(parent, key, path, "missing (seconds, {min, max}, {mean, sd} or {exponential})")
            return default
        if not isinstance(value, Mapping):
            return Fixed(self.number(parent, key, path))
        names = {str(name) for name in value}
        if names == {"min", "max"}:
            low, high = self.number(value, "min", f"{path}.min"), self.number(value, "max", f"{path}.max")
            if high < low:
                raise self.error(value, "max", f"{path}.max", f"must not be below min ({low:g}), got {high:g}")
            return Uniform(low, high)
        if names == {"mean", "sd"}:
            return Normal(self.number(value, "mean", f"{path}.mean"), self.number(value, "sd", f"{path}.sd"))
        if names == {"exponential"}:
            return Exponential(self.number(value, "exponential", f"{path}.exponential"))
        raise self.error(
            parent, key, path, f"expected {{min, max}}, {{mean, sd}} or {{exponential}}, got keys {sorted(names)}"
        )


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"
