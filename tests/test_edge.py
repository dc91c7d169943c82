"""The wire at the edge (engine/edge): the Stasis-argument registry a new kind of leg registers with, and the
translation reading the call book: a PBX event means something only for a leg the engine follows."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from engine.core.acd import AgentLegAnswered, AgentLegFailed, AgentLegRinging, LegFailure, LegHungUp
from engine.core.calls import CallBook, LegRole, LegStage, ReadableIds
from engine.core.ids import CallId, LegId
from engine.edge import stasis
from engine.edge.translate import Arrival, NewCaller, PbxTranslator, StrayChannel, inbound_kinds
from engine.pbx import ari_events as ari
from engine.pbx.ari_models import Channel, ChannelState
from tests.test_acd_restore import APP, NOW, channel


def stasis_start(chan: Channel, *args: str) -> ari.StasisStart:
    return ari.StasisStart(application=APP, timestamp=NOW, args=args, channel=chan)


def test_each_kind_of_leg_is_told_by_its_arguments_and_an_unknown_one_is_a_stray() -> None:
    translator = PbxTranslator(CallBook(ReadableIds()), inbound_kinds())
    assert set(inbound_kinds().kinds()) == {"inbound", "agent", "callback", "feature"}
    caller = channel("ch-1", f"{APP},inbound,5000", "555")
    assert translator.from_ari(stasis_start(caller, "inbound", "5000")) == [NewCaller(LegId("ch-1"), "5000", "555", "")]
    leg = channel("call-1-a1", "")
    assert translator.from_ari(stasis_start(leg, "agent", "call-1", "call-1-a1", "1001")) == [
        AgentLegAnswered(LegId("call-1-a1"))]
    assert translator.from_ari(stasis_start(leg, "agent", "call-1", "another-leg", "1001")) == [
        StrayChannel("call-1-a1", ("agent", "call-1", "another-leg", "1001"))]  # arguments that do not fit
    assert translator.from_ari(stasis_start(leg, "amd", "HUMAN")) == [StrayChannel("call-1-a1", ("amd", "HUMAN"))]


@dataclass(frozen=True)
class Detected:
    channel_id: str
    result: str


def test_a_new_kind_registers_instead_of_being_hung_up_as_a_stray() -> None:
    kinds: stasis.StasisRegistry[Arrival | Detected] = stasis.StasisRegistry()
    for name in ("inbound", "agent"):
        kinds.register(name, lambda chan, args: None)
    kinds.register("amd", lambda chan, args: Detected(chan.id, args[1]) if len(args) == 2 else None)
    leg = channel("out-1", "")
    assert kinds.meaning(leg, ("amd", "MACHINE")) == Detected("out-1", "MACHINE")
    assert kinds.meaning(leg, ("amd",)) is None
    with pytest.raises(ValueError, match="registered twice"):
        kinds.register("amd", lambda chan, args: None)


def test_the_translation_follows_the_book() -> None:
    book = CallBook(ReadableIds())
    translator = PbxTranslator(book, inbound_kinds())
    call = CallId("call-1")
    offered = book.add_leg(call, LegRole.AGENT, LegStage.DIALING).leg_id
    ringing = replace(channel(offered, ""), state=ChannelState.RINGING)
    change = ari.ChannelStateChange(application=APP, timestamp=NOW, channel=ringing)
    assert translator.from_ari(change) == [AgentLegRinging(offered)]
    destroyed = ari.ChannelDestroyed(application=APP, timestamp=NOW, channel=ringing,
                                     cause=17, cause_txt="User busy", tech_cause=486)
    assert translator.from_ari(destroyed) == [AgentLegFailed(offered, LegFailure.BUSY)]
    book.answered(offered)
    assert translator.from_ari(change) == []  # ringing means nothing once it has answered
    ended = ari.StasisEnd(application=APP, timestamp=NOW, channel=ringing)
    assert translator.from_ari(ended) == [LegHungUp(offered)]
    book.drop_leg(offered)
    assert translator.from_ari(ended) == []  # a leg no longer followed: nothing
