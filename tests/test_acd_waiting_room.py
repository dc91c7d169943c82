"""The ACD's waiting room, driven synchronously: announcements and wait estimates, the callback that keeps
the caller's place, overflow on the estimated wait, transfers, and the facts the records are built from."""

from __future__ import annotations

import pytest

from engine.core.acd import (
    Acd,
    AgentLegAnswered,
    AgentLegFailed,
    AgentRequested,
    Announce,
    AnnouncementEnded,
    Announcements,
    BridgeLegs,
    CallbackLegAnswered,
    CallbackLegFailed,
    Callbacks,
    CallerPressed,
    CallPhase,
    DialCallback,
    HangUpLeg,
    LegFailure,
    LegHeld,
    LegHungUp,
    OriginateAgentLeg,
    OverflowRule,
    OverflowTarget,
    OverflowWhen,
    QueueConfig,
    StartMusic,
    StartTimer,
    StopMusic,
    TearDownBridge,
    TimerFired,
    TransferRefused,
    TransferRequested,
)
from engine.core.acd.commands import AcdCommand
from engine.core.agent_fsm import AgentState, StatusTrigger
from engine.core.estimate import HandleTimes, estimated_wait_s
from engine.core.strategies import Strategy
from engine.routing.announcements import CALLBACK_PROMPT, announcement_media
from tests.fact_helpers import FactView, views
from tests.test_acd_machine import agents, enqueue, facts, of, ready, state_of

ANNOUNCED = QueueConfig("support", wrapup_s=10, default_handle_s=120,
                        announcements=Announcements(first_after_s=20, every_s=45, offer_callback=True),
                        callbacks=Callbacks(ring_timeout_s=30, attempts=2, retry_after_s=60))


def fact(commands: list[AcdCommand], kind: str) -> FactView:
    [found] = views(commands, kind)
    return found


def fire(acd: Acd, out: list[AcdCommand], kind: str) -> list[AcdCommand]:
    [timer] = [c for c in of(out, StartTimer) if c.key[0] == kind]
    return acd.handle(TimerFired(timer.key), timer.due)


def busy_center() -> Acd:
    """One agent, on a call: new callers wait."""
    acd = Acd([ANNOUNCED], agents("1001", "1002"))
    ready(acd, "1001", "1002")
    enqueue(acd, "c0", 1.0, caller_number="100")
    enqueue(acd, "cx", 1.5, caller_number="101")
    acd.handle(AgentLegAnswered("c0-a1"), 2.0)
    acd.handle(AgentLegAnswered("cx-a2"), 2.0)
    return acd


def test_wait_estimate_uses_recent_handle_times_and_staffed_agents() -> None:
    times = HandleTimes(window=3)
    assert times.average("q", default_s=180) == 180
    for handle in (100, 200, 300, 400):
        times.add("q", handle)
    assert times.average("q", default_s=180) == 300  # the last three
    assert estimated_wait_s(4, 300, staffed=2) == 600
    assert estimated_wait_s(1, 300, staffed=0) is None


def test_waiting_caller_is_announced_position_and_estimate_then_music_again() -> None:
    acd = busy_center()
    out = enqueue(acd, "c1", 10.0, caller_number="555")
    assert fact(out, "CallerEnqueued").data["estimated_wait_s"] == 60.0  # 1 * 120 s / 2 staffed
    out = fire(acd, out, "announce")
    [announce] = of(out, Announce)
    assert (announce.leg_id, announce.position, announce.estimated_wait_s, announce.offer_callback) == (
        "c1-caller", 1, 60.0, True)
    assert [t.due for t in of(out, StartTimer) if t.key[0] == "announce"] == [75.0]  # every 45 s
    assert of(acd.handle(AnnouncementEnded("c1-caller"), 35.0), StartMusic) == [StartMusic("c1-caller", "default")]


def test_estimate_follows_handle_times_once_calls_are_handled() -> None:
    acd = busy_center()
    acd.handle(LegHungUp("c0-caller"), 302.0)  # 300 s talk
    out = acd.handle(AgentRequested("1001", StatusTrigger.BREAK, "lunch"), 306.0)  # 4 s wrap-up, ended by a break?
    assert "AgentWrapUpEnded" not in facts(out)  # a break does not end wrap-up: the timer does
    out = acd.handle(TimerFired(("wrapup", "1001")), 312.0)
    assert fact(out, "AgentWrapUpEnded").data == {"wrapup_s": 10.0}
    out = enqueue(acd, "c1", 320.0, caller_number="555")
    # one handled call of 310 s; 1001 is on break, so 1 staffed agent; position 1
    assert fact(out, "CallerEnqueued").data["estimated_wait_s"] == 310.0


def test_announcement_is_postponed_while_an_agent_rings_and_stopped_when_connected() -> None:
    acd = Acd([ANNOUNCED], agents("1001"))
    ready(acd, "1001")
    out = enqueue(acd, "c1", 0.0, caller_number="555")
    later = fire(acd, out, "announce")
    assert of(later, Announce) == []
    assert [t.due for t in of(later, StartTimer)] == [65.0]
    acd.handle(AgentLegAnswered("c1-a1"), 25.0)
    assert of(acd.handle(AnnouncementEnded("c1-caller"), 26.0), StartMusic) == []  # connected: no music


def test_media_of_an_announcement() -> None:
    assert announcement_media(1, None, False) == ("sound:queue-youarenext",)
    assert announcement_media(4, 150.0, True) == (
        "sound:queue-thereare", "number:4", "sound:queue-callswaiting",
        "sound:queue-holdtime", "number:3", "sound:queue-minutes", CALLBACK_PROMPT)


def test_press_1_turns_the_call_into_a_callback_that_keeps_its_place() -> None:
    acd = busy_center()
    out = enqueue(acd, "c1", 10.0, caller_number="555", caller_name="Ann")
    enqueue(acd, "c2", 11.0, caller_number="556")
    fire(acd, out, "announce")
    out = acd.handle(CallerPressed("c1-caller", "1"), 31.0)
    assert fact(out, "CallbackRequested").data == {"number": "555", "position": 1, "wait_s": 21.0}
    assert HangUpLeg("c1-caller", "callback requested") in out
    assert acd.call("c1").phase is CallPhase.CALLBACK
    assert [w.call_id for w in acd.waiting_calls("support")] == ["c1", "c2"]
    assert acd.handle(LegHungUp("c1-caller"), 31.2) == []  # the hang-up it asked for is not an abandon

    # 1001 frees up: the callback's turn. 1001 is reserved, the caller dialled back.
    acd.handle(LegHungUp("c0-caller"), 100.0)
    out = acd.handle(TimerFired(("wrapup", "1001")), 110.0)
    [dial] = of(out, DialCallback)
    assert (dial.number, dial.caller_name, dial.timeout_s) == ("555", "Ann", 30.0)
    assert state_of(acd, "1001") is AgentState.RESERVED
    assert [w.call_id for w in acd.waiting_calls("support")] == ["c2"]

    out = acd.handle(CallbackLegAnswered(dial.leg_id), 118.0)
    assert StartMusic(dial.leg_id, "default") in out
    [offer] = of(out, OriginateAgentLeg)
    assert offer.agent_id == "1001"
    out = acd.handle(AgentLegAnswered(offer.leg_id), 121.0)
    [bridge] = of(out, BridgeLegs)
    assert (bridge.caller_leg, bridge.agent_leg) == (dial.leg_id, offer.leg_id)


def test_callback_not_reached_is_retried_keeping_its_place_then_given_up() -> None:
    acd = busy_center()
    out = enqueue(acd, "c1", 10.0, caller_number="555")
    fire(acd, out, "announce")
    acd.handle(CallerPressed("c1-caller", "1"), 31.0)
    acd.handle(LegHungUp("c0-caller"), 100.0)
    [dial] = of(acd.handle(TimerFired(("wrapup", "1001")), 110.0), DialCallback)
    enqueue(acd, "c2", 120.0, caller_number="556")  # waits: 1001 is kept for the callback
    out = acd.handle(CallbackLegFailed(dial.leg_id, LegFailure.NO_ANSWER), 140.0)
    assert fact(out, "CallbackNotReached").data == {"failure": "no_answer", "attempt": 1, "given_up": False}
    assert of(out, OriginateAgentLeg)[0].call_id == "c2"  # 1001 released, takes the next caller
    acd.handle(LegHungUp("c2-caller"), 150.0)
    acd.handle(TimerFired(("wrapup", "1001")), 160.0)
    out = acd.handle(TimerFired(("callback_retry", "c1")), 200.0)
    [again] = of(out, DialCallback)
    out = acd.handle(CallbackLegFailed(again.leg_id, LegFailure.BUSY), 210.0)
    assert fact(out, "CallbackGivenUp").data == {"attempts": 2}
    assert "c1" not in acd.calls and state_of(acd, "1001") is AgentState.IDLE


def test_press_1_is_ignored_where_no_callback_is_offered() -> None:
    acd = Acd([QueueConfig("support")], agents("1001"))
    enqueue(acd, "c1", 0.0, caller_number="555")
    assert acd.handle(CallerPressed("c1-caller", "1"), 5.0) == []
    assert acd.call("c1").phase is CallPhase.WAITING


def test_estimated_wait_over_threshold_overflows_or_offers_the_callback() -> None:
    rules = (OverflowRule(OverflowWhen.ESTIMATED_WAIT, OverflowTarget.QUEUE, "backup", threshold_s=100),)
    acd = Acd([QueueConfig("support", default_handle_s=120, overflow=rules), QueueConfig("backup")],
              agents("1001"))
    ready(acd, "1001")
    enqueue(acd, "c0", 0.0)  # 1001 is offered c0: estimate for the next is 1 * 120 / 1 > 100
    out = enqueue(acd, "c1", 1.0)
    assert fact(out, "CallOverflowed").data["why"] == "estimated wait"
    assert acd.call("c1").queue == "backup"

    offer = (OverflowRule(OverflowWhen.ESTIMATED_WAIT, OverflowTarget.CALLBACK, "", threshold_s=100),)
    acd = Acd([QueueConfig("support", default_handle_s=120, overflow=offer)], agents("1001"))
    ready(acd, "1001")
    enqueue(acd, "c0", 0.0)
    out = enqueue(acd, "c1", 1.0, caller_number="555")
    [announce] = of(out, Announce)
    assert announce.offer_callback is True
    acd.handle(CallerPressed("c1-caller", "1"), 5.0)
    assert acd.call("c1").phase is CallPhase.CALLBACK


def test_transfer_to_a_queue_makes_a_new_queue_visit_and_wraps_the_agent_up() -> None:
    acd = Acd([QueueConfig("support", wrapup_s=10), QueueConfig("sales")],
              agents("1001") + agents("2001", queues=("sales",)))
    ready(acd, "1001")
    enqueue(acd, "c1", 0.0)
    acd.handle(AgentLegAnswered("c1-a1"), 2.0)
    out = acd.handle(TransferRequested("c1", to_queue="sales"), 62.0)
    assert fact(out, "CallTransferred").data == {"to_queue": "sales", "to_agent": None, "talk_s": 60.0}
    assert HangUpLeg("c1-a1", "transferred") in out and TearDownBridge("c1", "c1-bridge") in out
    assert fact(out, "CallerEnqueued").queue == "sales"
    assert StartMusic("c1-caller", "default") in out
    assert state_of(acd, "1001") is AgentState.WRAP_UP
    assert acd.handle(LegHungUp("c1-a1"), 62.1) == []  # the transferring leg's end is expected
    ready(acd, "2001", now=63.0)
    assert acd.call("c1").offers == {"c1-a2": "2001"}  # leg ids never repeat within a call


def test_transfer_to_a_free_agent_rings_them_and_falls_back_to_the_queue() -> None:
    acd = Acd([QueueConfig("support", wrapup_s=30, no_answer_break_after=1)], agents("1001", "1002", "1003"))
    ready(acd, "1001")
    enqueue(acd, "c1", 0.0)
    acd.handle(AgentLegAnswered("c1-a1"), 2.0)
    with pytest.raises(TransferRefused, match="agent 1002 is not available"):
        acd.handle(TransferRequested("c1", to_agent="1002"), 10.0)
    ready(acd, "1002", now=11.0)
    out = acd.handle(TransferRequested("c1", to_agent="1002"), 12.0)
    [offer] = of(out, OriginateAgentLeg)
    assert offer.agent_id == "1002"
    acd.handle(AgentLegFailed(offer.leg_id, LegFailure.NO_ANSWER), 27.0)
    # back in its queue: 1001 is in wrap-up, 1002 on break "no answer"
    assert acd.call("c1").phase is CallPhase.WAITING
    with pytest.raises(TransferRefused, match="not connected"):
        acd.handle(TransferRequested("c1", to_queue="support"), 28.0)


def test_facts_carry_ring_time_position_and_cancelled_offers() -> None:
    acd = Acd([QueueConfig("support", strategy=Strategy.RING_ALL)], agents("1001", "1002"))
    ready(acd, "1001", "1002")
    enqueue(acd, "c0", 1.0)  # rings both
    enqueue(acd, "c1", 2.0)
    out = acd.handle(AgentLegAnswered("c0-a1"), 5.0)
    assert fact(out, "AgentConnected").data == {"wait_s": 4.0, "ring_s": 4.0, "position": 1}
    assert fact(out, "AgentOfferCancelled").data == {"why": "answered elsewhere", "ring_s": 4.0}
    assert of(out, OriginateAgentLeg)[0].call_id == "c1"  # 1002, released, takes the next caller
    out = acd.handle(LegHungUp("c1-caller"), 20.0)
    assert fact(out, "AgentOfferCancelled").data == {"why": "caller hung up", "ring_s": 15.0}
    assert fact(out, "CallerAbandoned").data == {"wait_s": 18.0, "position": 1}


def test_press_1_before_the_offer_was_heard_is_not_a_callback_request() -> None:
    acd = busy_center()
    out = enqueue(acd, "c1", 10.0, caller_number="555")
    assert acd.handle(CallerPressed("c1-caller", "1"), 13.0) == []  # an early key press, offer not yet made
    assert acd.call("c1").phase is CallPhase.WAITING
    fire(acd, out, "announce")
    assert "CallbackRequested" in facts(acd.handle(CallerPressed("c1-caller", "1"), 31.0))


def test_hold_gives_the_other_party_music_and_is_recorded_on_the_agent_leg() -> None:
    acd = Acd([QueueConfig("support", moh_class="jazz")], agents("1001"))
    ready(acd, "1001")
    enqueue(acd, "c1", 0.0)
    acd.handle(AgentLegAnswered("c1-a1"), 2.0)
    out = acd.handle(LegHeld("c1-a1", held=True), 10.0)
    assert StartMusic("c1-caller", "jazz") in out
    assert (fact(out, "CallHeld").leg_id, fact(out, "CallHeld").data) == ("c1-a1", {"by": "agent"})
    assert acd.handle(LegHeld("c1-a1", held=True), 11.0) == []  # already on hold
    out = acd.handle(LegHeld("c1-a1", held=False), 40.0)
    assert StopMusic("c1-caller") in out and "CallUnheld" in facts(out)
    assert acd.handle(LegHeld("nobody", held=True), 41.0) == []
