"""What a restarted (or reconnected) engine makes of the channels its ARI app holds. Pure.

After a restart no StasisStart comes again for channels already in the app, and events of the gap are
lost, so the engine rebuilds from the snapshot `GET /applications/<app>` gives (each channel and bridge):

- a channel's Stasis arguments are in its `dialplan.app_data` ("<app>,inbound,5000", "<app>,agent,<call>,
  <leg>,<agent>", as Asterisk 22 reports it): they say what each leg is;
- a caller's call id, queue, priority and enqueue time are channel variables the engine set
  (CALLHIVE_CALL, CALLHIVE_QUEUE, CALLHIVE_PRIORITY, CALLHIVE_ENQUEUED), read one by one over REST;
- a caller in the call's bridge with its agent leg is connected; a caller alone is waiting, and goes back
  in line at its old place (its enqueue time); callers are restored in that order;
- a caller that arrived too late to get its variables is a new caller; an agent leg or a callback leg
  whose caller is not there, and any other channel, is hung up; a bridge no restored call uses is destroyed.

Legs the engine followed that the snapshot no longer has hung up during the gap: the runtime applies that
at once, before any later event (LegHungUp), and plans the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.core.acd.commands import AcdCommand, Fact, HangUpLeg, StartMusic, StartTimer
from engine.core.acd.events import CallRestored
from engine.core.acd.from_pbx import AGENT_ARG, INBOUND_ARG, NewCaller
from engine.core.acd.state import CallPhase, CallRecord
from engine.core.agent_fsm import StateTrigger
from engine.pbx.ari_models import Bridge, Channel

if TYPE_CHECKING:
    from engine.core.acd.machine import Acd

# Legs a restored call gets are numbered from here: those made before the restart are not all known (an
# unanswered one is not in the app), and a leg id must never be used twice.
RESTORED_LEGS_FROM = 1000
CALL_VARIABLES = ("CALLHIVE_CALL", "CALLHIVE_QUEUE", "CALLHIVE_PRIORITY", "CALLHIVE_ENQUEUED")


@dataclass(slots=True)
class RestorePlan:
    restored: list[CallRestored] = field(default_factory=list)
    new_callers: list[NewCaller] = field(default_factory=list)
    hang_up: list[str] = field(default_factory=list)
    destroy_bridges: list[str] = field(default_factory=list)


def stasis_args(channel: Channel, app: str) -> tuple[str, ...]:
    """The Stasis arguments of a channel in `app`, from its dialplan location (() if it is not in Stasis)."""
    parts = channel.dialplan.app_data.split(",")
    return tuple(parts[1:]) if parts and parts[0] == app else ()


def needs_variables(channel: Channel, app: str) -> bool:
    """Only callers carry the call's variables; other legs say what they are in their arguments."""
    args = stasis_args(channel, app)
    return bool(args) and args[0] == INBOUND_ARG


def plan_restore(app: str, channels: tuple[Channel, ...], bridges: tuple[Bridge, ...],
                 variables: Mapping[str, Mapping[str, str]], known: set[str]) -> RestorePlan:
    """`variables`: channel id -> the CALL_VARIABLES read from it; `known`: every leg the engine knows
    (callers, agent legs answered or being originated, callback legs)."""
    plan = RestorePlan()
    agent_legs: dict[str, tuple[str, str]] = {}  # call -> (leg, agent)
    callers: list[CallRestored] = []
    for channel in channels:
        if channel.id in known:
            continue
        args = stasis_args(channel, app)
        if len(args) == 4 and args[0] == AGENT_ARG and args[2] == channel.id:
            agent_legs[args[1]] = (channel.id, args[3])
        elif args and args[0] == INBOUND_ARG:
            restored = _caller(channel, variables.get(channel.id, {}))
            if restored is not None:
                callers.append(restored)
            elif len(args) >= 2:
                plan.new_callers.append(NewCaller(channel.id, args[1], channel.caller.number, channel.caller.name))
            else:
                plan.hang_up.append(channel.id)
        else:
            plan.hang_up.append(channel.id)
    in_bridge = {channel_id: bridge.id for bridge in bridges for channel_id in bridge.channels}
    used_bridges: set[str] = set()
    for caller in sorted(callers, key=lambda c: (-c.priority, c.enqueued_at, c.call_id)):
        leg, agent = agent_legs.pop(caller.call_id, (None, None))
        bridge = in_bridge.get(caller.caller_leg)
        if leg is not None and bridge is not None and in_bridge.get(leg) == bridge:
            used_bridges.add(bridge)
            plan.restored.append(_with_agent(caller, leg, agent))
            continue
        if leg is not None:
            plan.hang_up.append(leg)  # rung but never bridged: the caller goes back in line instead
        plan.restored.append(caller)
    plan.hang_up.extend(leg for leg, _agent in agent_legs.values())
    plan.destroy_bridges = sorted(
        bridge.id for bridge in bridges
        if bridge.id not in used_bridges and not any(c in known for c in bridge.channels)
    )
    return plan


def _caller(channel: Channel, found: Mapping[str, str]) -> CallRestored | None:
    if not all(found.get(name) for name in CALL_VARIABLES):
        return None
    try:
        priority, enqueued_at = int(found["CALLHIVE_PRIORITY"]), float(found["CALLHIVE_ENQUEUED"])
    except ValueError:
        return None
    return CallRestored(found["CALLHIVE_CALL"], channel.id, found["CALLHIVE_QUEUE"], priority, enqueued_at,
                        channel.caller.number, channel.caller.name)


def _with_agent(caller: CallRestored, leg: str, agent: str | None) -> CallRestored:
    return CallRestored(caller.call_id, caller.caller_leg, caller.queue, caller.priority, caller.enqueued_at,
                        caller.caller_number, caller.caller_name, leg, agent)


def restore_call(acd: Acd, event: CallRestored, now: float, out: list[AcdCommand]) -> None:
    """A call a restarted engine found on the PBX (no CallerEnqueued again: its queue visit is already
    recorded). Skill requirements are not carried on the channel, so a restored caller is matched on
    the queue alone."""
    queue = acd.queues.get(event.queue)
    if queue is None or event.call_id in acd.calls:
        out.append(HangUpLeg(event.caller_leg, "restored call has no queue"))
        return
    call = CallRecord(event.call_id, event.caller_leg, queue.name, event.priority, (), event.caller_number,
                      event.caller_name, event.enqueued_at, event.enqueued_at, legs_made=RESTORED_LEGS_FROM)
    acd.calls[call.call_id] = call
    acd.legs[event.caller_leg] = call.call_id
    agent = acd.agents.get(event.agent_id or "")
    if event.agent_leg is not None and agent is not None and agent.leg_id is None:
        call.phase, call.agent_leg, call.agent_id, call.answered_at = (
            CallPhase.CONNECTED, event.agent_leg, agent.config.agent_id, now)
        acd.legs[event.agent_leg] = call.call_id
        agent.leg_id, agent.call_id = event.agent_leg, call.call_id
        acd.roster.set_state(agent, StateTrigger.RESERVE, now, out)
        acd.roster.set_state(agent, StateTrigger.ANSWER, now, out)
        out.append(Fact("CallRestored", call.call_id, agent.config.agent_id, queue.name, event.caller_leg, {
            "phase": "connected", "agent_leg": event.agent_leg}))
        return
    if event.agent_leg is not None:
        out.append(HangUpLeg(event.agent_leg, "restored agent leg has no agent"))
    acd.wait_in_line(call)
    out.append(StartMusic(event.caller_leg, queue.moh_class))
    out.append(Fact("CallRestored", call.call_id, queue=queue.name, leg_id=event.caller_leg, data={
        "phase": "waiting", "position": acd.position(call)}))
    if queue.max_wait_s is not None:
        out.append(StartTimer(("max_wait", call.call_id), max(now, call.entered_queue_at + queue.max_wait_s)))
    acd.arm_relaxation(call, now, out)
    if queue.announcements is not None:
        out.append(StartTimer(("announce", call.call_id), now + queue.announcements.first_after_s))
