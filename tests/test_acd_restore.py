"""A restarted engine rebuilds its calls from the channels its ARI app holds (pure planning), and the ACD
takes them back: waiting callers at their old place, connected calls with their agent."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.core.acd import (
    Acd,
    AgentStatusRestored,
    CallFound,
    CallPhase,
    ContactObserved,
    LegHungUp,
    OriginateAgentLeg,
    QueueConfig,
    StartMusic,
    TearDownBridge,
    TimerFired,
)
from engine.core.agent_fsm import AgentState, AgentStatus
from engine.edge.restore_plan import needs_variables, plan_restore
from engine.pbx.ari_models import Bridge, BridgeType, CallerID, Channel, ChannelState, DialplanCEP
from tests.test_acd_machine import agents, enqueue, facts, of

APP = "callhive"
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def channel(channel_id: str, app_data: str, number: str = "") -> Channel:
    return Channel(id=channel_id, name=f"PJSIP/x-{channel_id}", state=ChannelState.UP, protocol_id="",
                   caller=CallerID(name="", number=number), connected=CallerID(name="", number=""),
                   accountcode="", dialplan=DialplanCEP(context="inbound", exten="5000", priority=1,
                                                        app_name="Stasis", app_data=app_data),
                   creationtime=NOW, language="en")


def bridge(bridge_id: str, *channels: str) -> Bridge:
    return Bridge(id=bridge_id, technology="simple_bridge", bridge_type=BridgeType.MIXING, bridge_class="stasis",
                  creator="Stasis", name="", channels=channels, creationtime=NOW)


def call_vars(call: str, queue: str, priority: int, enqueued: float) -> dict[str, str]:
    return {"CALLHIVE_CALL": call, "CALLHIVE_QUEUE": queue, "CALLHIVE_PRIORITY": str(priority),
            "CALLHIVE_ENQUEUED": f"{enqueued:.3f}"}


def test_plan_pairs_bridged_legs_requeues_waiting_callers_in_order_and_clears_the_rest() -> None:
    channels = (
        channel("ch-late", f"{APP},inbound,5000", "555"),  # waiting, enqueued later
        channel("ch-early", f"{APP},inbound,5000", "556"),  # waiting, enqueued first
        channel("ch-talk", f"{APP},inbound,5001", "557"),  # connected to 1001
        channel("call-3-a2", f"{APP},agent,call-3,call-3-a2,1001"),
        channel("call-9-a1", f"{APP},agent,call-9,call-9-a1,1002"),  # its caller is gone
        channel("ch-new", f"{APP},inbound,5000", "558"),  # arrived before its variables were set
        channel("ch-known", f"{APP},inbound,5000"),  # the engine already follows it
        channel("ch-other", "otherapp,x"),
    )
    variables = {"ch-late": call_vars("call-1", "support", 0, 50.0),
                 "ch-early": call_vars("call-2", "support", 0, 40.0),
                 "ch-talk": call_vars("call-3", "sales", 1, 10.0)}
    bridges = (bridge("call-3-bridge", "ch-talk", "call-3-a2"), bridge("call-7-bridge"))
    plan = plan_restore(APP, channels, bridges, variables, known={"ch-known"})
    assert [(c.call_id, c.agent_leg, c.agent_id) for c in plan.restored] == [
        ("call-3", "call-3-a2", "1001"), ("call-2", None, None), ("call-1", None, None)]
    assert plan.restored[1].caller_number == "556" and plan.restored[1].enqueued_at == 40.0
    assert [c.bridge_id for c in plan.restored] == ["call-3-bridge", None, None]  # the bridge it was found in
    assert [(c.channel_id, c.number) for c in plan.new_callers] == [("ch-new", "5000")]
    assert sorted(plan.hang_up) == ["call-9-a1", "ch-other"]
    assert plan.destroy_bridges == ["call-7-bridge"]
    assert needs_variables(channels[0], APP) and not needs_variables(channels[3], APP)


def test_restored_waiting_callers_keep_their_place_and_connected_calls_finish_normally() -> None:
    acd = Acd([QueueConfig("support", wrapup_s=30)], agents("1001", "1002"))
    acd.handle(ContactObserved("PJSIP/1001", reachable=True), 100.0)  # the AMI resync says so
    acd.handle(AgentStatusRestored("1001", "available", None, 5.0), 100.0)
    acd.handle(AgentStatusRestored("1002", "on_break", "lunch", 6.0), 100.0)
    assert acd.roster.agent("1002").presence.status is AgentStatus.ON_BREAK
    out = acd.handle(CallFound("call-3", "ch-talk", "support", 0, 10.0, "557", "", "call-3-a2", "1001",
                               "bridge-of-the-run-before"), 100.0)
    assert facts(out).count("CallRestored") == 1
    assert acd.call("call-3").phase is CallPhase.CONNECTED
    assert acd.roster.agent("1001").presence.state is AgentState.ON_CALL
    enqueue(acd, "c-new", 101.0)  # a caller after the restart waits behind the restored ones
    out = acd.handle(CallFound("call-2", "ch-early", "support", 0, 40.0, "556"), 100.5)
    assert StartMusic("ch-early", "default") in out and "CallerEnqueued" not in facts(out)
    assert [w.call_id for w in acd.waiting_calls("support")] == ["call-2", "c-new"]

    out = acd.handle(LegHungUp("ch-talk"), 160.0)  # the restored call ends as any other
    assert "CallCompleted" in facts(out)
    # ...and its bridge, found on the PBX, goes with it (not one the restarted engine would name anew).
    assert of(out, TearDownBridge) == [TearDownBridge("call-3", "bridge-of-the-run-before")]
    out = acd.handle(LegHungUp("call-3-a2"), 160.1)
    assert out == []
    [offer] = of(acd.handle(TimerFired(("wrapup", "1001")), 190.0), OriginateAgentLeg)
    assert offer.call_id == "call-2"  # the restored caller first, before the one who came after the restart
    assert offer.leg_id == "call-2-a1"  # minted by the book (in production a random id: never one used before)
