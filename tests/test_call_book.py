"""The call book (engine/core/calls.py): ids minted, never derived; and it holds only what is on the PBX now."""

from __future__ import annotations

from engine.core.calls import CallBook, LegRole, LegStage, RandomIds, ReadableIds
from engine.core.ids import CallId, LegId


def test_a_call_leaves_the_book_with_its_last_leg_and_comes_back_with_a_new_one() -> None:
    book = CallBook(ReadableIds())
    call = book.open_call(1.0)
    caller = book.add_leg(call, LegRole.CALLER, LegStage.UP, leg_id=LegId("ch-1")).leg_id
    agent = book.add_leg(call, LegRole.AGENT, LegStage.DIALING).leg_id
    bridge = book.bridge(call)
    assert book.bridge(call) == bridge  # one bridge per call, minted once
    book.drop_leg(caller)
    assert book.call_of(agent) == call and book.bridge(call) == bridge
    book.drop_leg(agent)
    assert list(book) == [] and book.call_of(agent) is None
    assert book.calls_held == 0  # nothing kept of a call the PBX no longer has
    again = book.add_leg(call, LegRole.CALLBACK, LegStage.DIALING).leg_id  # a callback dialled later
    assert again not in (caller, agent) and book.call_of(again) == call


def test_production_ids_are_distinct_and_calls_sort_by_arrival() -> None:
    ids = RandomIds()
    calls = [ids.call_id(1_795_000_000.0 + t) for t in (0.0, 0.0, 0.001, 5.0)]
    assert calls == sorted(calls) and len(set(calls)) == 4
    legs = {ids.leg_id(CallId("c"), LegRole.AGENT) for _ in range(1000)}
    assert len(legs) == 1000
    assert RandomIds().leg_id(CallId("c"), LegRole.AGENT) not in legs  # another run draws another mark
