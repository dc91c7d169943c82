"""The effects executor: facts to the recorder, each command to the one handler its feature registered."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from engine.core import facts
from engine.core.ids import AgentId
from engine.routing.effects import Effects, UnhandledCommand


@dataclass(frozen=True)
class Ping:
    n: int


def test_facts_are_recorded_and_commands_reach_their_handler() -> None:
    recorded: list[facts.Fact] = []
    pinged: list[int] = []
    effects = Effects(recorded.append)
    effects.register(Ping, lambda command: pinged.append(command.n))
    effects.carry_out(Ping(1))
    effects.carry_out(facts.AgentReachable(AgentId("1001")))
    assert (pinged, recorded) == ([1], [facts.AgentReachable(AgentId("1001"))])


def test_a_command_with_no_handler_or_two_handlers_is_refused() -> None:
    effects = Effects(lambda fact: None)
    with pytest.raises(UnhandledCommand, match="Ping"):
        effects.carry_out(Ping(1))
    effects.register(Ping, lambda command: None)
    with pytest.raises(ValueError, match="Ping already has a handler"):
        effects.register(Ping, lambda command: None)
