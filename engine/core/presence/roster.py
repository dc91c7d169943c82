"""The one owner of agent state: each agent's two state machines (agent_fsm.py), reachability, device use,
reservations, and who is free. Pure.

The ACD decides with it; the dialer and supervision ask it rather than keep a copy. Its small API:
`reserve(agent, call, leg)` keeps an agent for a call (state RESERVED), `release(agent, trigger)` lets them go
(the offer ended without an answer: a miss, or not the agent's doing), `busy_for(agent, reason)` keeps them out
of routing for another feature's work (a supervisor's session, a dialer preview) until `busy_for(agent, None)`,
and the status and state changes the ACD's calls drive. Every change is recorded as a fact.

An agent is *free* (may be offered a call) when available and idle, their phone reachable, not in use
by something the engine did not cause and not kept busy for another feature. `freed` lists agents who became
free since the ACD last looked, so dispatch only looks at what changed; `free_in` keeps each queue's free
agents in its strategy's order (strategies.FreeAgents), so an offer looks at the best of them first instead
of scoring every member. Counts of members by status answer `staffed` and `logged_in`, asked at every
enqueue, without a scan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Protocol

from engine.core import facts
from engine.core.agent_fsm import AgentPresence, AgentStatus, StateTrigger, StatusTrigger
from engine.core.devices import DeviceState
from engine.core.estimate import HandleTimes
from engine.core.ids import AgentId, CallId, LegId, QueueName
from engine.core.presence.config import AgentConfig
from engine.core.presence.events import ContactObserved, DeviceStateObserved
from engine.core.presence.records import AgentRecord, LastCall
from engine.core.strategies import FreeAgents, RankKey, Strategy, rank_key

# Device states that mean the phone is in use by something.
_DEVICE_BUSY = {DeviceState.INUSE, DeviceState.BUSY, DeviceState.RINGING, DeviceState.RINGINUSE, DeviceState.ONHOLD}


class UnknownAgent(ValueError):
    """An agent id the configuration does not have (a typo in an API call or a CLI command)."""


class AgentNotFree(ValueError):
    """A reservation asked for an agent who cannot take a call now."""


class FactSink(Protocol):
    """Where the roster records what changed (the ACD's command list takes facts among its commands)."""

    def append(self, fact: facts.Fact, /) -> None: ...


class Roster:
    def __init__(self, agents: list[AgentConfig], queue_names: list[str],
                 strategies: Mapping[str, Strategy] | None = None) -> None:
        self.agents = {a.agent_id: AgentRecord(a, AgentPresence(a.agent_id)) for a in agents}
        self.by_endpoint = {a.endpoint: a.agent_id for a in agents}
        self.members: dict[str, list[AgentId]] = {name: [] for name in queue_names}
        for agent in agents:
            for queue in agent.queues:
                if queue not in self.members:
                    raise ValueError(f"agent {agent.agent_id}: unknown queue {queue!r}")
                self.members[queue].append(agent.agent_id)
        self.free: set[AgentId] = set()
        # Legs the engine is hanging up (offers cancelled) that the PBX may still have: their agent's phone
        # state is the engine's doing until the PBX says the leg is gone.
        self.closing: dict[LegId, AgentId] = {}
        self.freed: list[AgentId] = []
        self.handle_times = HandleTimes()
        self.free_in = {name: FreeAgents((strategies or {}).get(name, Strategy.LONGEST_IDLE)) for name in queue_names}
        # Each agent's (first) place in each queue's member list, for round robin.
        self.member_index = {
            name: {a: i for i, a in reversed(list(enumerate(ids)))} for name, ids in self.members.items()}
        # The day whose calls the least-calls keys count (the machine moves it on: new_day).
        self.calls_day = ""
        self._statuses = {name: Counter({AgentStatus.LOGGED_OUT: len(ids)}) for name, ids in self.members.items()}

    def agent(self, agent_id: str) -> AgentRecord:
        agent = self.agents.get(AgentId(agent_id))
        if agent is None:
            raise UnknownAgent(f"no agent {agent_id!r}")
        return agent

    def logged_in(self, queue: str) -> bool:
        return self._statuses[queue][AgentStatus.LOGGED_OUT] < len(self.members[queue])

    def staffed(self, queue: str) -> int:
        """Agents of the queue taking calls now or soon: available, whatever they are doing."""
        return self._statuses[queue][AgentStatus.AVAILABLE]

    def _count_status(self, agent: AgentRecord, before: AgentStatus) -> None:
        if agent.presence.status is not before:
            for queue in agent.config.queues:
                self._statuses[queue][before] -= 1
                self._statuses[queue][agent.presence.status] += 1

    def _rank(self, strategy: Strategy, agent: AgentRecord, queue: str) -> RankKey:
        calls = agent.calls_on(self.calls_day)
        agent_id = agent.config.agent_id
        return rank_key(strategy, agent_id, self.idle_since(agent), calls, self.member_index[queue][agent_id])

    def new_day(self, day: str) -> None:
        """Calls today count from 0 again: the least-calls queues' free agents are ranked anew."""
        self.calls_day = day
        for queue, line in self.free_in.items():
            if line.strategy is Strategy.LEAST_CALLS:
                def ranked(agent_id: AgentId, queue: str = queue) -> RankKey:
                    return self._rank(Strategy.LEAST_CALLS, self.agents[agent_id], queue)

                line.rekey(ranked)

    @staticmethod
    def idle_since(agent: AgentRecord) -> float:
        # Idle for work since the later of: the last call ended, the agent became available.
        return max(agent.presence.state_since, agent.presence.status_since)

    def restore_status(self, agent_id: AgentId, status: AgentStatus, reason: str | None, since: float) -> None:
        """A restarted engine takes each agent's status as last recorded (agents who were taking calls still
        are); agents the configuration no longer has are ignored."""
        agent = self.agents.get(AgentId(agent_id))
        if agent is None:
            return
        before = agent.presence.status
        agent.presence = replace(agent.presence, status=status, status_since=since,
                                 break_reason=reason if status is AgentStatus.ON_BREAK else None)
        self._count_status(agent, before)
        self.refresh(agent)

    def set_status(self, agent: AgentRecord, trigger: StatusTrigger, now: float, out: FactSink,
                   reason: str | None = None) -> None:
        before = agent.presence
        agent.presence = before.with_status(trigger, now, reason)
        self._count_status(agent, before.status)
        if (agent.presence.status, agent.presence.break_reason) != (before.status, before.break_reason):
            out.append(facts.AgentStatusChanged(agent.config.agent_id, agent.presence.status,
                                                agent.presence.break_reason))
        self.refresh(agent)

    def set_state(self, agent: AgentRecord, trigger: StateTrigger, now: float, out: FactSink) -> None:
        before, since = agent.presence.state, agent.presence.state_since
        agent.presence = agent.presence.with_state(trigger, now)
        if agent.presence.state is not before:
            out.append(facts.AgentStateChanged(agent.config.agent_id, agent.call_id, agent.presence.state))
        if trigger is StateTrigger.WRAP_UP_END and agent.last_call is not None:
            last, agent.last_call = agent.last_call, None
            wrapup = now - since
            self.handle_times.add(last.queue, last.talk_s + wrapup)
            out.append(facts.AgentWrapUpEnded(last.call_id, agent.config.agent_id, last.queue, round(wrapup, 3)))
        self.refresh(agent)

    # -- reservations -----------------------------------------------------------------------------------------
    def reserve(self, agent: AgentRecord, call_id: CallId, leg_id: LegId | None, now: float, out: FactSink) -> None:
        """Keep a free agent for `call_id` (being rung on `leg_id`, or kept while a callback is dialled)."""
        if agent.config.agent_id not in self.free:
            raise AgentNotFree(f"agent {agent.config.agent_id} is not free")
        agent.leg_id, agent.call_id = leg_id, call_id
        self.set_state(agent, StateTrigger.RESERVE, now, out)

    def take_back(self, agent: AgentRecord, call_id: CallId, leg_id: LegId, now: float, out: FactSink) -> None:
        """A restarted engine found the agent still talking on `leg_id`: on that call again, reachable or not
        (the PBX has not said yet)."""
        agent.leg_id, agent.call_id = leg_id, call_id
        self.set_state(agent, StateTrigger.RESERVE, now, out)
        self.set_state(agent, StateTrigger.ANSWER, now, out)

    def ring_on(self, agent: AgentRecord, leg_id: LegId) -> None:
        """A reserved agent is now being rung on `leg_id` (a callback reached its caller)."""
        agent.leg_id = leg_id

    def release(self, agent: AgentRecord, trigger: StateTrigger, now: float, out: FactSink) -> None:
        """The reservation is over without a call: NO_ANSWER (the agent's miss) or RELEASE (not their doing)."""
        self.set_state(agent, trigger, now, out)
        agent.leg_id = agent.call_id = None

    def busy_for(self, agent: AgentRecord, reason: str | None, out: FactSink) -> None:
        """Keep the agent out of routing for another feature's work (`reason`), or give them back (None)."""
        if agent.busy_for == reason:
            return
        before, agent.busy_for = agent.busy_for, reason
        agent_id = agent.config.agent_id
        out.append(facts.AgentMadeBusy(agent_id, reason) if reason is not None else
                   facts.AgentBusyEnded(agent_id, before or ""))
        self.refresh(agent)

    def call_ended(self, agent: AgentRecord, call_id: CallId, queue: QueueName, talk_s: float, wrapup_s: float,
                   now: float, out: FactSink) -> float | None:
        """The agent's part of a call is over: wrap-up begins. Returns when it ends (None: at once, done)."""
        agent.last_call = LastCall(call_id, queue, talk_s)
        self.set_state(agent, StateTrigger.HANG_UP, now, out)
        agent.leg_id = agent.call_id = None
        if wrapup_s > 0:
            return now + wrapup_s
        self.set_state(agent, StateTrigger.WRAP_UP_END, now, out)
        return None

    def refresh(self, agent: AgentRecord) -> None:
        agent_id = agent.config.agent_id
        if agent.presence.offerable and agent.reachable and not agent.device_busy and agent.busy_for is None:
            if agent_id not in self.free:
                self.free.add(agent_id)
                self.freed.append(agent_id)
            # Placed again on every refresh: a change of presence while free (a repeated ready) moves them.
            for queue in agent.config.queues:
                line = self.free_in[queue]
                line.place(agent_id, self._rank(line.strategy, agent, queue))
        elif agent_id in self.free:
            self.free.discard(agent_id)
            for queue in agent.config.queues:
                self.free_in[queue].remove(agent_id)

    def device_state(self, event: DeviceStateObserved, out: FactSink) -> None:
        agent_id = self.by_endpoint.get(event.endpoint)
        if agent_id is None:
            return
        agent = self.agents[agent_id]
        if agent.leg_id is not None or agent.closing_leg is not None:
            return  # the engine's own call explains the device state; never let it override
        busy = event.state in _DEVICE_BUSY
        if event.state is DeviceState.UNAVAILABLE and agent.reachable:
            agent.reachable = False  # said as a fact, as a lost contact is: the read model shows it
            out.append(facts.AgentUnreachable(agent_id))
        if busy != agent.device_busy:
            agent.device_busy = busy
            device = facts.AgentDeviceBusy if busy else facts.AgentDeviceFree
            out.append(device(agent_id, event.state.value))
        self.refresh(agent)

    def closing_leg(self, agent: AgentRecord, leg: LegId) -> None:
        agent.closing_leg = leg
        self.closing[leg] = agent.config.agent_id

    def leg_gone(self, leg: LegId) -> None:
        agent_id = self.closing.pop(leg, None)
        if agent_id is not None and self.agents[agent_id].closing_leg == leg:
            self.agents[agent_id].closing_leg = None

    def contact(self, event: ContactObserved, out: FactSink) -> None:
        agent_id = self.by_endpoint.get(event.endpoint)
        if agent_id is None:
            return
        agent = self.agents[agent_id]
        if agent.reachable != event.reachable:
            agent.reachable = event.reachable
            out.append(facts.AgentReachable(agent_id) if event.reachable else facts.AgentUnreachable(agent_id))
        self.refresh(agent)
