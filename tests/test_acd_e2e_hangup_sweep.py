"""The hang-up sweep: a caller hangs up at each moment of an inbound call, and nothing is left behind.

At every moment (just after StasisStart before the engine answers, answered before the music, waiting with
music, right after the agent leg is originated, while the agent rings, a millisecond before the agent
answers, right after the agent answers, between the bridge's creation and the legs entering it, bridged)
the test checks:
- the call ends once in the events and is closed in the call records (abandoned before the engine knew of
  an answer, completed after);
- the agent is not stuck: idle at once, or in wrap-up and idle when it ends, never counted a miss, never
  taken for busy on a call the engine did not make, and takes the next call;
- pbxsim holds no channel and no bridge of the call, and the ACD holds no call, place in line or leg.
The agent hanging up while bridged, and the caller leaving while a ring-all rings several phones, follow.

Each moment is reached exactly: pbxsim's model is watched on its event bus (the hang-up runs before the
engine can answer what it saw), or the hang-up is a pbxsim timer at a chosen model time. A witness taken at
the hang-up proves the moment was the one named.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pytest

from pbxsim.model import Channel, ChannelState, FarEnd, Heard, ModelEvent
from pbxsim.model.events import BridgeCreated, ChannelCreated, ChannelStateChanged, StasisStarted
from tests.acd_rig import Rig

RING_S = 3.0
WRAPUP_S = 10.0
CENTER = f"""
queues:
  support: {{strategy: longest_idle, wrapup_s: {WRAPUP_S}, ring_timeout_s: 60}}
  everyone: {{strategy: ring_all, wrapup_s: {WRAPUP_S}, ring_timeout_s: 60}}
agents:
  "1001": {{name: Alice, endpoint: PJSIP/1001, queues: [support, everyone]}}
  "1002": {{name: Bruno, endpoint: PJSIP/1002, queues: [everyone]}}
  "1003": {{name: Chloe, endpoint: PJSIP/1003, queues: [everyone]}}
numbers:
  "5000": {{queue: support}}
  "5005": {{queue: everyone}}
"""


class Moment(StrEnum):
    BEFORE_ANSWER = "before_answer"
    ANSWERED_BEFORE_MUSIC = "answered_before_music"
    WAITING_WITH_MUSIC = "waiting_with_music"
    AGENT_LEG_ORIGINATED = "agent_leg_originated"
    AGENT_RINGING = "agent_ringing"
    AS_AGENT_ANSWERS = "as_agent_answers"
    AGENT_ANSWERED = "agent_answered"
    BRIDGE_CREATED = "bridge_created"
    BRIDGED = "bridged"


# From these moments on the engine has heard the agent answer before the caller left.
ANSWERED = {Moment.AGENT_ANSWERED, Moment.BRIDGE_CREATED, Moment.BRIDGED}


@dataclass
class HungUp:
    caller: Channel
    witness: dict[str, Any]  # what the PBX looked like at the hang-up


def is_inbound_stasis_start(event: ModelEvent) -> bool:
    return isinstance(event, StasisStarted) and event.args[:1] == ("inbound",)


def agent_leg(rig: Rig) -> Channel:
    [leg] = [c for c in rig.model.channels.values() if c.endpoint == "PJSIP/1001"]
    return leg


async def before_answer(rig: Rig) -> HungUp:
    witness: dict[str, Any] = {}

    def hang_up(event: StasisStarted) -> None:
        witness["caller_state"] = event.channel.state
        rig.world.caller_hangup(event.channel)

    done = rig.when_pbx(is_inbound_stasis_start, hang_up)
    caller = rig.call_in("5000")
    await done
    assert witness == {"caller_state": ChannelState.RING}
    return HungUp(caller, witness)


async def answered_before_music(rig: Rig) -> HungUp:
    witness: dict[str, Any] = {}
    caller = rig.call_in("5000")

    def hang_up(_event: ChannelStateChanged) -> None:
        witness["hearing"] = rig.world.hearing(caller.id)[-1].what
        rig.world.caller_hangup(caller)

    await rig.when_pbx(lambda e: isinstance(e, ChannelStateChanged) and e.channel is caller
                       and e.channel.state is ChannelState.UP, hang_up)
    assert witness == {"hearing": Heard.SILENCE}
    return HungUp(caller, witness)


async def waiting_with_music(rig: Rig) -> HungUp:
    caller = rig.call_in("5000")  # the agent is not logged in: the caller waits
    await rig.until("CallerEnqueued")
    await rig.pbx_until(lambda: rig.world.hearing(caller.id)[-1].what is Heard.MOH)
    await rig.advance(20)
    rig.world.caller_hangup(caller)
    return HungUp(caller, {})


async def agent_leg_originated(rig: Rig) -> HungUp:
    witness: dict[str, Any] = {}
    caller = rig.call_in("5000")

    def hang_up(event: ChannelCreated) -> None:
        witness["leg_state"] = event.channel.state
        rig.world.caller_hangup(caller)

    await rig.when_pbx(lambda e: isinstance(e, ChannelCreated) and e.channel.endpoint == "PJSIP/1001", hang_up)
    assert witness == {"leg_state": ChannelState.DOWN}  # not even dialled yet
    return HungUp(caller, witness)


async def agent_ringing(rig: Rig) -> HungUp:
    caller = rig.call_in("5000")
    await rig.until("AgentRinging", agent_id="1001")
    await rig.advance(1)
    witness = {"leg_state": agent_leg(rig).state}
    rig.world.caller_hangup(caller)
    assert witness == {"leg_state": ChannelState.RINGING}
    return HungUp(caller, witness)


async def around_the_answer(rig: Rig, offset: float) -> HungUp:
    """The caller hangs up as a pbxsim timer `offset` from the agent's answer: both happen within one advance
    of the clock, before the engine hears of either. A timer set now for the answer's own deadline runs after
    the answer (set earlier, at the originate)."""
    caller = rig.call_in("5000")
    await rig.until("AgentRinging", agent_id="1001")
    leg = agent_leg(rig)
    witness: dict[str, Any] = {}

    def hang_up() -> None:
        witness.update(leg_state=leg.state, leg_in_stasis=leg.stasis_app is not None, bridges=len(rig.model.bridges))
        rig.world.caller_hangup(caller)

    rig.model.scheduler.call_at(rig.clock.now() + RING_S + offset, hang_up)
    await rig.advance(RING_S)
    return HungUp(caller, witness)


async def as_agent_answers(rig: Rig) -> HungUp:
    hung_up = await around_the_answer(rig, -0.001)
    assert hung_up.witness == {"leg_state": ChannelState.RINGING, "leg_in_stasis": False, "bridges": 0}
    return hung_up


async def agent_answered(rig: Rig) -> HungUp:
    hung_up = await around_the_answer(rig, 0.0)
    assert hung_up.witness == {"leg_state": ChannelState.UP, "leg_in_stasis": True, "bridges": 0}
    return hung_up


async def bridge_created(rig: Rig) -> HungUp:
    witness: dict[str, Any] = {}
    caller = rig.call_in("5000")

    def hang_up(event: BridgeCreated) -> None:
        witness["members"] = len(event.bridge.channels)
        rig.world.caller_hangup(caller)

    done = rig.when_pbx(lambda e: isinstance(e, BridgeCreated), hang_up)
    await rig.until("AgentRinging", agent_id="1001")
    await rig.advance(RING_S)
    await done
    assert witness == {"members": 0}
    return HungUp(caller, witness)


async def bridged(rig: Rig) -> HungUp:
    caller = rig.call_in("5000")
    await rig.until("AgentRinging", agent_id="1001")
    await rig.advance(RING_S)
    await rig.until("ChannelEnteredBridge")
    await rig.until("ChannelEnteredBridge")
    await rig.advance(30)
    [bridge] = rig.model.bridges.values()
    witness = {"members": len(bridge.channels)}
    rig.world.caller_hangup(caller)
    assert witness == {"members": 2}
    return HungUp(caller, witness)


HANG_UP_AT: dict[Moment, Callable[[Rig], Awaitable[HungUp]]] = {
    Moment.BEFORE_ANSWER: before_answer,
    Moment.ANSWERED_BEFORE_MUSIC: answered_before_music,
    Moment.WAITING_WITH_MUSIC: waiting_with_music,
    Moment.AGENT_LEG_ORIGINATED: agent_leg_originated,
    Moment.AGENT_RINGING: agent_ringing,
    Moment.AS_AGENT_ANSWERS: as_agent_answers,
    Moment.AGENT_ANSWERED: agent_answered,
    Moment.BRIDGE_CREATED: bridge_created,
    Moment.BRIDGED: bridged,
}


def pbx_is_empty(rig: Rig) -> Callable[[], bool]:
    return lambda: not rig.model.channels and not rig.model.bridges


def assert_forgotten(rig: Rig) -> None:
    """The ACD holds no call, no place in line and no leg."""
    acd = rig.acd.acd
    assert acd.calls == {}
    assert acd.waiting_calls() == []
    assert [leg.leg_id for leg in acd.book if acd.call_with_leg(leg.leg_id) is not None] == []


def assert_agent_free(rig: Rig) -> None:
    presence = rig.acd.acd.roster.agent("1001").presence
    assert (presence.status.value, presence.state.value, presence.missed_in_a_row) == ("available", "idle", 0)


async def assert_takes_the_next_call(rig: Rig, previous_call: str) -> None:
    """The agent is not stuck: a new caller is offered to them, talks and hangs up, and nothing remains."""
    caller = rig.call_in("5000", caller="5552000")
    call_id = (await rig.first("CallStarted", leg_id=caller.id)).call_id
    assert call_id != previous_call
    await rig.first("AgentOffered", call_id=call_id, agent_id="1001")
    await rig.first("AgentRinging", call_id=call_id)
    await rig.advance(RING_S)
    await rig.first("AgentConnected", call_id=call_id)
    await rig.advance(5)
    rig.world.caller_hangup(caller)
    await rig.first("CallCompleted", call_id=call_id)
    await rig.advance(WRAPUP_S)
    await rig.pbx_until(pbx_is_empty(rig))
    assert_forgotten(rig)


@pytest.mark.parametrize("moment", list(Moment))
async def test_a_caller_hanging_up_leaves_no_stuck_agent_no_orphan_and_no_call(rig: Rig, moment: Moment) -> None:
    await rig.phone("1001", FarEnd.answers(after=RING_S))
    if moment is not Moment.WAITING_WITH_MUSIC:
        await rig.login("1001")

    hung_up = await HANG_UP_AT[moment](rig)

    call_id = (await rig.first("CallStarted", leg_id=hung_up.caller.id)).call_id
    assert call_id is not None
    if moment in ANSWERED:
        ended = await rig.first("CallCompleted", call_id=call_id)
        assert ended.body["by"] == "caller"
    else:
        ended = await rig.first("CallerAbandoned", call_id=call_id)
        assert not rig.seen("AgentConnected", call_id=call_id)
    await rig.pbx_until(pbx_is_empty(rig))
    assert_forgotten(rig)
    assert (await rig.queues())["support"]["waiting"] == 0
    if moment in ANSWERED:
        assert rig.agent_state("1001") == "wrap_up"
        await rig.advance(WRAPUP_S)
        await rig.acd_until(lambda: rig.agent_state("1001") == "idle")
    if moment is Moment.WAITING_WITH_MUSIC:
        await rig.login("1001")  # the forgotten caller is not offered to the agent who arrives
        assert not rig.seen("AgentOffered", call_id=call_id)
    assert_agent_free(rig)
    if moment is Moment.AS_AGENT_ANSWERS:  # the agent did answer, after the caller had gone: that leg is hung up
        [offer] = rig.seen("AgentOffered", call_id=call_id)
        await rig.first("StasisStart", leg_id=offer.leg_id)

    await assert_takes_the_next_call(rig, call_id)

    rows = [row for row in await rig.stored() if row["call_id"] == call_id]
    endings = [row["type"] for row in rows if row["type"] in ("CallerAbandoned", "CallCompleted", "CallRefused")]
    assert endings == [ended.type]
    [call] = await rig.fetch("SELECT ended_at, outcome FROM calls WHERE id = $1", call_id)
    assert call["ended_at"] is not None
    assert call["outcome"] == ("completed" if moment in ANSWERED else "abandoned")
    open_segments = await rig.fetch("SELECT kind FROM call_segments WHERE call_id = $1 AND left_at IS NULL", call_id)
    assert open_segments == []
    # Only the engine ever rang this phone: its device state never made the agent look busy to the engine.
    assert not rig.seen("AgentDeviceBusy", agent_id="1001")


async def test_an_agent_hanging_up_while_bridged_ends_the_call_and_starts_wrap_up(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.answers(after=RING_S))
    await rig.login("1001")
    caller = rig.call_in("5000")
    call_id = (await rig.first("CallStarted", leg_id=caller.id)).call_id
    assert call_id is not None
    await rig.first("AgentRinging", call_id=call_id)
    await rig.advance(RING_S)
    await rig.first("AgentConnected", call_id=call_id)
    await rig.nth(2, "ChannelEnteredBridge")
    await rig.advance(40)
    rig.world.caller_hangup(agent_leg(rig))  # the agent's softphone sends BYE

    completed = await rig.first("CallCompleted", call_id=call_id)
    assert (completed.body["by"], completed.agent_id) == ("agent", "1001")
    assert completed.body["talk_s"] == pytest.approx(40)
    await rig.pbx_until(pbx_is_empty(rig))  # the caller hung up by the engine, the bridge gone
    assert_forgotten(rig)
    assert rig.agent_state("1001") == "wrap_up"
    await rig.advance(WRAPUP_S)
    await rig.acd_until(lambda: rig.agent_state("1001") == "idle")
    await assert_takes_the_next_call(rig, call_id)


async def test_a_caller_hanging_up_while_several_phones_ring_stops_them_all(rig: Rig) -> None:
    agents = ("1001", "1002", "1003")
    for agent_id in agents:
        await rig.phone(agent_id, FarEnd.answers(after=RING_S))
        await rig.login(agent_id)
    caller = rig.call_in("5005")
    call_id = (await rig.first("CallStarted", leg_id=caller.id)).call_id
    for agent_id in agents:
        await rig.first("AgentRinging", call_id=call_id, agent_id=agent_id)
    await rig.advance(1)
    rig.world.caller_hangup(caller)

    await rig.first("CallerAbandoned", call_id=call_id)
    await rig.pbx_until(pbx_is_empty(rig))
    assert_forgotten(rig)
    for agent_id in agents:
        presence = rig.acd.acd.roster.agent(agent_id).presence
        assert (presence.state.value, presence.missed_in_a_row) == ("idle", 0)
    assert not rig.seen("AgentMissed", call_id=call_id)
    await rig.advance(RING_S)  # when the phones would have answered: nothing is left to answer
    assert not rig.seen("AgentConnected", call_id=call_id)
    assert not rig.model.channels
