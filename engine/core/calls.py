"""The one owner of calls, legs and bridges. Pure.

Every leg the engine follows belongs to one call and has a role; every id is minted here, from an injected
id source, and never derived from or parsed out of another id. The ACD (and each later feature) adds and
drops legs through the book; the translation of the wire (engine/edge/) and the effects executor only read it,
to know what a PBX event is about and which call's lane a request goes on.

A leg's stage: DIALING from the originate until the PBX says it answered (it entered Stasis), UP while it
is in the app and followed; a caller's leg is UP from its first StasisStart. A dropped leg is gone from the
book: later events about it are stale and are ignored by the translation. A call whose last leg is dropped
leaves the book too (a callback waiting for its turn has none until it is dialled: the book makes the call
again then), so the book holds what is on the PBX now, not every call of the day.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Protocol

from engine.core.ids import AgentId, BridgeId, CallId, LegId


class LegRole(StrEnum):
    CALLER = "caller"  # the inbound caller's channel
    AGENT = "agent"  # a leg to an agent's softphone
    CALLBACK = "callback"  # dialling a caller back


class LegStage(StrEnum):
    DIALING = "dialing"
    UP = "up"


class IdSource(Protocol):
    def call_id(self, now: float) -> CallId:
        """A new call id; ids sort in order of arrival."""
        ...

    def leg_id(self, call_id: CallId, role: LegRole) -> LegId: ...

    def bridge_id(self, call_id: CallId) -> BridgeId: ...

    def playback_id(self) -> str: ...


class RandomIds:
    """Production ids: unique across restarts (a counter, then a random mark drawn once per run) and, for calls,
    sortable by arrival (the time in ms first: callers who arrive in the same millisecond are ordered by id in
    line)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._run = secrets.token_hex(3)

    def _tail(self) -> str:
        return f"{next(self._counter):05x}{self._run}"

    def call_id(self, now: float) -> CallId:
        return CallId(f"call-{int(now * 1000):011x}-{self._tail()}")

    def leg_id(self, call_id: CallId, role: LegRole) -> LegId:
        return LegId(f"{role.value}-{self._tail()}")

    def bridge_id(self, call_id: CallId) -> BridgeId:
        return BridgeId(f"bridge-{self._tail()}")

    def playback_id(self) -> str:
        return f"play-{self._tail()}"


class ReadableIds:
    """Deterministic ids a person can follow in a test or a replay: call-1, its legs call-1-a1, call-1-b2,
    its bridge call-1-bridge. Nothing reads them back: they are names, like any other id."""

    _MARK: ClassVar[dict[LegRole, str]] = {LegRole.CALLER: "c", LegRole.AGENT: "a", LegRole.CALLBACK: "b"}

    def __init__(self) -> None:
        self._calls = itertools.count(1)
        self._legs: dict[CallId, int] = {}
        self._playbacks = itertools.count(1)

    def call_id(self, now: float) -> CallId:
        return CallId(f"call-{next(self._calls)}")

    def leg_id(self, call_id: CallId, role: LegRole) -> LegId:
        made = self._legs[call_id] = self._legs.get(call_id, 0) + 1
        return LegId(f"{call_id}-{self._MARK[role]}{made}")

    def bridge_id(self, call_id: CallId) -> BridgeId:
        return BridgeId(f"{call_id}-bridge")

    def playback_id(self) -> str:
        return f"play-{next(self._playbacks)}"


@dataclass(slots=True)
class Leg:
    leg_id: LegId
    call_id: CallId
    role: LegRole
    stage: LegStage
    agent_id: AgentId | None = None
    playback: str | None = None  # the announcement now playing to it, if any


@dataclass(slots=True)
class _Call:
    legs: list[LegId] = field(default_factory=list)
    bridge: BridgeId | None = None


class CallBook:
    def __init__(self, ids: IdSource) -> None:
        self._ids = ids
        # Keyed by the plain string: the PBX's channel ids come in as str, and a lookup costs no conversion.
        self._legs: dict[str, Leg] = {}
        self._calls: dict[str, _Call] = {}

    # -- reading ------------------------------------------------------------------------------------------
    def leg(self, leg_id: str) -> Leg | None:
        return self._legs.get(leg_id)

    def call_of(self, leg_id: str) -> CallId | None:
        leg = self._legs.get(leg_id)
        return None if leg is None else leg.call_id

    @property
    def calls_held(self) -> int:
        """Calls with a leg on the PBX (or just opened)."""
        return len(self._calls)

    def __iter__(self) -> Iterator[Leg]:
        return iter(list(self._legs.values()))

    def __contains__(self, leg_id: object) -> bool:
        return leg_id in self._legs

    # -- changing -----------------------------------------------------------------------------------------
    def open_call(self, now: float) -> CallId:
        call_id = self._ids.call_id(now)
        self._calls[call_id] = _Call()
        return call_id

    def add_leg(self, call_id: CallId, role: LegRole, stage: LegStage, *, leg_id: LegId | None = None,
                agent_id: AgentId | None = None) -> Leg:
        """A new leg of the call; `leg_id` for a channel the PBX named (a caller), else one is minted."""
        call = self._calls.get(call_id)
        if call is None:
            call = self._calls[call_id] = _Call()
        leg = Leg(leg_id if leg_id is not None else self._ids.leg_id(call_id, role), call_id, role, stage, agent_id)
        self._legs[leg.leg_id] = leg
        call.legs.append(leg.leg_id)
        return leg

    def answered(self, leg_id: LegId) -> None:
        leg = self._legs.get(leg_id)
        if leg is not None:
            leg.stage = LegStage.UP

    def bridge(self, call_id: CallId) -> BridgeId:
        """The call's bridge, minted the first time it is asked for."""
        call = self._calls.get(call_id)
        if call is None:
            call = self._calls[call_id] = _Call()
        if call.bridge is None:
            call.bridge = self._ids.bridge_id(call_id)
        return call.bridge

    def found_bridge(self, call_id: CallId, bridge_id: BridgeId) -> None:
        """The bridge a restarted engine found the call in (named by the run that made it): the call's now."""
        call = self._calls.get(call_id)
        if call is None:
            call = self._calls[call_id] = _Call()
        call.bridge = bridge_id

    def start_playback(self, leg_id: LegId) -> str:
        playback = self._ids.playback_id()
        leg = self._legs.get(leg_id)
        if leg is not None:
            leg.playback = playback
        return playback

    def playback_ended(self, leg_id: LegId) -> None:
        leg = self._legs.get(leg_id)
        if leg is not None:
            leg.playback = None

    def drop_leg(self, leg_id: LegId) -> None:
        leg = self._legs.pop(leg_id, None)
        if leg is not None and (call := self._calls.get(leg.call_id)) is not None and leg_id in call.legs:
            call.legs.remove(leg_id)
            if not call.legs:
                del self._calls[leg.call_id]
