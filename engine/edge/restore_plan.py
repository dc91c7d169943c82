"""What a restarted (or reconnected) engine makes of the channels its ARI app holds: domain snapshots
(`CallFound`) built at the edge from the ARI listings, for the ACD to take back (engine/core/acd/restore.py). Pure.

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

from engine.core.acd.events import CallFound
from engine.core.ids import AgentId, BridgeId, CallId, LegId, QueueName
from engine.edge.stasis import AGENT, INBOUND
from engine.edge.translate import NewCaller
from engine.pbx.ari_models import Bridge, Channel

CALL_VARIABLES = ("CALLHIVE_CALL", "CALLHIVE_QUEUE", "CALLHIVE_PRIORITY", "CALLHIVE_ENQUEUED")


@dataclass(slots=True)
class RestorePlan:
    restored: list[CallFound] = field(default_factory=list)
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
    return bool(args) and args[0] == INBOUND


def plan_restore(app: str, channels: tuple[Channel, ...], bridges: tuple[Bridge, ...],
                 variables: Mapping[str, Mapping[str, str]], known: set[str]) -> RestorePlan:
    """`variables`: channel id -> the CALL_VARIABLES read from it; `known`: every leg the engine knows
    (callers, agent legs answered or being originated, callback legs)."""
    plan = RestorePlan()
    agent_legs: dict[str, tuple[str, str]] = {}  # call -> (leg, agent)
    callers: list[CallFound] = []
    for channel in channels:
        if channel.id in known:
            continue
        args = stasis_args(channel, app)
        if len(args) == 4 and args[0] == AGENT and args[2] == channel.id:
            agent_legs[args[1]] = (channel.id, args[3])
        elif args and args[0] == INBOUND:
            restored = _caller(channel, variables.get(channel.id, {}))
            if restored is not None:
                callers.append(restored)
            elif len(args) >= 2:
                caller = channel.caller
                plan.new_callers.append(NewCaller(LegId(channel.id), args[1], caller.number, caller.name))
            else:
                plan.hang_up.append(channel.id)
        else:
            plan.hang_up.append(channel.id)
    in_bridge = {channel_id: bridge.id for bridge in bridges for channel_id in bridge.channels}
    used_bridges: set[str] = set()
    for found in sorted(callers, key=lambda c: (-c.priority, c.enqueued_at, c.call_id)):
        pair = agent_legs.pop(found.call_id, None)
        leg, agent = pair if pair is not None else (None, None)
        bridge = in_bridge.get(found.caller_leg)
        if leg is not None and bridge is not None and in_bridge.get(leg) == bridge:
            used_bridges.add(bridge)
            plan.restored.append(_with_agent(found, leg, agent, bridge))
            continue
        if leg is not None:
            plan.hang_up.append(leg)  # rung but never bridged: the caller goes back in line instead
        plan.restored.append(found)
    plan.hang_up.extend(leg for leg, _agent in agent_legs.values())
    plan.destroy_bridges = sorted(
        bridge.id for bridge in bridges
        if bridge.id not in used_bridges and not any(c in known for c in bridge.channels)
    )
    return plan


def _caller(channel: Channel, found: Mapping[str, str]) -> CallFound | None:
    if not all(found.get(name) for name in CALL_VARIABLES):
        return None
    try:
        priority, enqueued_at = int(found["CALLHIVE_PRIORITY"]), float(found["CALLHIVE_ENQUEUED"])
    except ValueError:
        return None
    return CallFound(CallId(found["CALLHIVE_CALL"]), LegId(channel.id), QueueName(found["CALLHIVE_QUEUE"]), priority,
                     enqueued_at, channel.caller.number, channel.caller.name)


def _with_agent(caller: CallFound, leg: str, agent: str | None, bridge: str) -> CallFound:
    return CallFound(caller.call_id, caller.caller_leg, caller.queue, caller.priority, caller.enqueued_at,
                     caller.caller_number, caller.caller_name, LegId(leg), None if agent is None else AgentId(agent),
                     BridgeId(bridge))
