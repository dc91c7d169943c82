"""The Stasis arguments of each kind of channel that enters the app, as a registry.

Every channel the app sees arrives with `Stasis(<app>,<kind>,...)` (from the dialplan) or with the appArgs
the engine gave its originate. A feature registers its kind with a parser that turns the arguments into its
meaning; the translation asks the registry, so a new kind of leg (the dialer's `amd`, IVR, snoop) registers
itself instead of being hung up as a stray. Kinds today: `inbound,<number>` (a caller, from the dialplan),
`agent,<call>,<leg>,<agent>` and `callback,<call>,<leg>` (legs the engine originated), `feature,<code>,<endpoint>`
(an agent's feature code, from the dialplan).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from engine.pbx.ari_models import Channel

M = TypeVar("M")

INBOUND = "inbound"
AGENT = "agent"
CALLBACK = "callback"
FEATURE = "feature"


@dataclass(frozen=True, slots=True)
class StasisKind(Generic[M]):
    name: str
    # The channel's meaning from its arguments (the kind's own first); None when they do not fit the kind.
    parse: Callable[[Channel, tuple[str, ...]], M | None]


class StasisRegistry(Generic[M]):
    def __init__(self) -> None:
        self._kinds: dict[str, StasisKind[M]] = {}

    def register(self, name: str, parse: Callable[[Channel, tuple[str, ...]], M | None]) -> None:
        if name in self._kinds:
            raise ValueError(f"Stasis argument kind {name!r} is registered twice")
        self._kinds[name] = StasisKind(name, parse)

    def kinds(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def meaning(self, channel: Channel, args: tuple[str, ...]) -> M | None:
        """What the channel is, or None: no kind explains it (a stray, to hang up)."""
        kind = self._kinds.get(args[0]) if args else None
        return None if kind is None else kind.parse(channel, args)


def agent_leg_args(call_id: str, leg_id: str, agent_id: str) -> tuple[str, ...]:
    return (AGENT, call_id, leg_id, agent_id)


def callback_leg_args(call_id: str, leg_id: str) -> tuple[str, ...]:
    return (CALLBACK, call_id, leg_id)
