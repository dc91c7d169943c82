"""Agents end to end: wrap-up (its time, ended early by `ready`), ring-no-answer (the call back at the head of
the line, the break "no answer" after N misses), abandon, and a phone busy with a call the engine did not
cause, over real sockets (engine + pbxsim + PostgreSQL)."""

from __future__ import annotations

import pytest

from pbxsim.model import Channel, FarEnd
from pbxsim.model.dialing import originate
from tests.acd_rig import APP, Rig, support_center

CENTER = support_center("{wrapup_s: 30, ring_timeout_s: 15, no_answer_break_after: 2}")


async def call_id_of(rig: Rig, caller: Channel) -> str:
    started = await rig.first("CallStarted", leg_id=caller.id)
    assert started.call_id is not None
    return started.call_id


async def connected_call(rig: Rig, agent_id: str, caller_number: str = "5551000") -> tuple[Channel, str]:
    """A caller put through to `agent_id`, whose phone answers after 1 s."""
    caller = rig.call_in("5000", caller=caller_number)
    call_id = await call_id_of(rig, caller)
    await rig.first("AgentRinging", call_id=call_id, agent_id=agent_id)
    await rig.advance(1)
    await rig.first("AgentConnected", call_id=call_id, agent_id=agent_id)
    return caller, call_id


# --- wrap-up -------------------------------------------------------------------------------------------------
async def test_wrap_up_keeps_the_agent_from_calls_for_the_queue_wrap_up_time(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.answers(after=1))
    await rig.login("1001")
    first, first_id = await connected_call(rig, "1001")
    second = rig.call_in("5000", caller="5552000")
    second_id = await call_id_of(rig, second)
    await rig.advance(20)
    rig.world.caller_hangup(first)
    completed = await rig.first("CallCompleted", call_id=first_id)
    assert rig.agent_state("1001") == "wrap_up"

    await rig.advance(29)
    assert rig.agent_state("1001") == "wrap_up"
    assert not rig.seen("AgentOffered", call_id=second_id)
    await rig.advance(1)
    offered = await rig.first("AgentOffered", call_id=second_id, agent_id="1001")
    assert offered.received_at - completed.received_at == pytest.approx(30)


async def test_ready_ends_wrap_up_early_and_the_wrap_up_timer_then_changes_nothing(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.answers(after=1))
    await rig.login("1001")
    first, first_id = await connected_call(rig, "1001")
    second = rig.call_in("5000", caller="5552000")
    second_id = await call_id_of(rig, second)
    rig.world.caller_hangup(first)
    await rig.first("CallCompleted", call_id=first_id)
    await rig.pbx_until(lambda: first.id not in rig.model.channels)
    await rig.advance(5)
    assert rig.agent_state("1001") == "wrap_up"

    view = await rig.act("1001", "ready")  # `callhive agent ready 1001`
    assert view["status"] == "available"
    offered = await rig.first("AgentOffered", call_id=second_id, agent_id="1001")
    assert offered.received_at - rig.seen("CallCompleted", call_id=first_id)[0].received_at == pytest.approx(5)
    await rig.first("AgentRinging", call_id=second_id)
    await rig.advance(1)
    await rig.first("AgentConnected", call_id=second_id)
    await rig.advance(30)  # past the end of the first call's wrap-up: the agent stays on the second call
    assert rig.agent_state("1001") == "on_call"


# --- ring-no-answer ------------------------------------------------------------------------------------------
async def test_a_missed_call_goes_back_to_the_head_of_the_line_and_n_misses_mean_a_break(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.no_answer())
    await rig.login("1001")
    first = rig.call_in("5000", caller="5551001")
    first_id = await call_id_of(rig, first)
    await rig.first("AgentRinging", call_id=first_id)  # pbxsim has the leg: only now may time pass
    await rig.advance(1)  # arrivals a second apart: an equal enqueue time would be decided by the call ids
    second = rig.call_in("5000", caller="5551002")
    second_id = await call_id_of(rig, second)

    for miss in (1, 2):
        offer = await rig.nth(miss, "AgentOffered", call_id=first_id)  # the first caller again: still the head
        assert not rig.seen("AgentOffered", call_id=second_id)
        await rig.first("AgentRinging", leg_id=offer.leg_id)
        await rig.advance(offer.received_at + 15 - rig.clock.now())  # the ring timeout
        missed = await rig.first("AgentMissed", leg_id=offer.leg_id)
        assert missed.body["failure"] == "no_answer"

    on_break = await rig.first("AgentStatusChanged", agent_id="1001", body={"status": "on_break",
                                                                              "reason": "no answer"})
    assert on_break.seq > missed.seq
    view = rig.acd.agent_view("1001")
    assert (view["status"], view["break_reason"]) == ("on_break", "no answer")
    assert [c.call_id for c in rig.acd.acd.waiting_calls()] == [first_id, second_id]
    await rig.pbx_until(lambda: not [c for c in rig.model.channels.values() if c.endpoint == "PJSIP/1001"])

    rig.world.endpoints["PJSIP/1001"].far_end = FarEnd.answers(after=1)  # the agent is back at the desk
    await rig.act("1001", "ready")
    assert rig.acd.acd.roster.agent("1001").presence.missed_in_a_row == 0
    offer = await rig.nth(3, "AgentOffered", call_id=first_id)
    await rig.first("AgentRinging", leg_id=offer.leg_id)
    await rig.advance(1)
    await rig.first("AgentConnected", call_id=first_id, agent_id="1001")


async def test_a_rejected_call_is_a_miss_and_goes_to_the_next_agent(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.busy(after=2))  # the agent presses "reject" after 2 s
    await rig.phone("1002", FarEnd.answers(after=1))
    await rig.login("1001")
    await rig.advance(1)
    await rig.login("1002")
    caller = rig.call_in("5000")
    call_id = await call_id_of(rig, caller)
    await rig.first("AgentRinging", call_id=call_id, agent_id="1001")
    await rig.advance(2)
    missed = await rig.first("AgentMissed", call_id=call_id, agent_id="1001")
    assert missed.body["failure"] == "busy"
    assert rig.acd.acd.roster.agent("1001").presence.missed_in_a_row == 1
    await rig.first("AgentRinging", call_id=call_id, agent_id="1002")
    await rig.advance(1)
    await rig.first("AgentConnected", call_id=call_id, agent_id="1002")


# --- abandon -------------------------------------------------------------------------------------------------
async def test_a_caller_who_gives_up_is_abandoned_and_the_next_caller_moves_up(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.answers(after=1))
    first = rig.call_in("5000", caller="5551001")
    first_id = await call_id_of(rig, first)
    second = rig.call_in("5000", caller="5551002")
    second_id = await call_id_of(rig, second)
    await rig.first("CallerEnqueued", call_id=second_id)
    await rig.advance(12)
    rig.world.caller_hangup(first)
    abandoned = await rig.first("CallerAbandoned", call_id=first_id)
    assert abandoned.queue == "support"
    assert abandoned.body["wait_s"] == pytest.approx(12)
    assert [c.call_id for c in rig.acd.acd.waiting_calls()] == [second_id]
    assert (await rig.queues())["support"]["today"]["abandoned"] == 1

    await rig.login("1001")
    offered = await rig.first("AgentOffered", agent_id="1001")
    assert offered.call_id == second_id
    rows = [row for row in await rig.stored() if row["call_id"] == first_id]
    assert [row["type"] for row in rows if row["type"] in ("CallerAbandoned", "CallCompleted")] == ["CallerAbandoned"]
    assert not [row for row in rows if row["type"] == "AgentOffered"]


# --- device state --------------------------------------------------------------------------------------------
async def test_a_phone_busy_with_a_call_the_engine_did_not_make_is_not_offered(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.answers(after=1))
    await rig.phone("1002", FarEnd.answers(after=1))
    await rig.login("1001")  # idle longest: would be first
    await rig.advance(1)
    await rig.login("1002")
    # A direct call to Alice's extension, not through the engine (another PBX user dials 1001).
    direct = originate(rig.model, "PJSIP/1001", None, [])
    await rig.advance(1)
    busy = await rig.first("AgentDeviceBusy", agent_id="1001")
    assert busy.body["device_state"] in ("RINGING", "INUSE")

    _first, first_id = await connected_call(rig, "1002")
    assert [r.agent_id for r in rig.seen("AgentOffered", call_id=first_id)] == ["1002"]
    # The engine's own call makes 1002's phone busy too, and that never counts against 1002.
    assert not rig.seen("AgentDeviceBusy", agent_id="1002")

    second = rig.call_in("5000", caller="5552000")
    second_id = await call_id_of(rig, second)
    await rig.first("CallerEnqueued", call_id=second_id)
    assert not rig.seen("AgentOffered", call_id=second_id)  # 1001 is on the direct call, 1002 on ours
    rig.model.hangup(direct)
    await rig.first("AgentDeviceFree", agent_id="1001")
    offered = await rig.first("AgentOffered", call_id=second_id)
    assert offered.agent_id == "1001"


async def test_a_phone_that_stops_answering_qualify_is_not_offered_until_it_is_back(rig: Rig) -> None:
    await rig.phone("1001", FarEnd.answers(after=1))
    await rig.phone("1002", FarEnd.answers(after=1))
    await rig.login("1001")  # idle longest: would be first
    await rig.advance(1)
    await rig.login("1002")
    rig.model.devices.set_reachable("1001", False)  # its OPTIONS went unanswered
    await rig.first("AgentUnreachable", agent_id="1001")

    _first, first_id = await connected_call(rig, "1002")
    assert [r.agent_id for r in rig.seen("AgentOffered", call_id=first_id)] == ["1002"]
    second = rig.call_in("5000", caller="5552000")
    second_id = await call_id_of(rig, second)
    await rig.first("CallerEnqueued", call_id=second_id)
    assert not rig.seen("AgentOffered", call_id=second_id)

    rig.model.devices.set_reachable("1001", True)
    await rig.nth(2, "AgentReachable", agent_id="1001")
    offered = await rig.first("AgentOffered", call_id=second_id)
    assert offered.agent_id == "1001"


async def test_feature_codes_change_the_status_and_stray_channels_are_hung_up(rig: Rig) -> None:
    """*92 / *91 / *93 from the softphone reach the engine as Stasis(app,feature,<code>,<endpoint>); a channel
    whose Stasis arguments name a call the engine does not have (a leg of a call that ended while the engine
    was away) is hung up."""
    await rig.phone("1001", FarEnd.answers(after=1))
    await rig.login("1001")
    for code, status in (("break", "on_break"), ("ready", "available"), ("logout", "logged_out")):
        dialled = rig.world.place_inbound(APP, ["feature", code, "1001"], exten=code, context="agents")
        await rig.acd_until(lambda status=status: rig.acd.agent_view("1001")["status"] == status)  # type: ignore[misc]
        await rig.pbx_until(lambda dialled=dialled: rig.channel(dialled.id) is None)  # type: ignore[misc]
    assert rig.acd.agent_view("1001")["break_reason"] is None
    stray = rig.world.place_inbound(APP, ["agent", "call-gone", "call-gone-a1", "1001"])
    await rig.pbx_until(lambda: rig.channel(stray.id) is None)
    assert rig.acd.acd.calls == {}
