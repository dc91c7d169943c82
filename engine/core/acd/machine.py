"""The ACD: `Acd.handle(event, now) -> list[command]`, pure and synchronous.

It holds agents (status, state, reachability, device use) and calls in queue, and after every event runs
`dispatch`, which offers waiting calls to free agents in the documented order (waiting.py) by each
queue's strategy (strategies.py) and skills (skills.py). Agents' two state machines are in agent_fsm.py;
the call's own phases are:

| phase \\ event | picked   | ringing  | answered  | last offer fails | caller gone   | agent gone    | max wait   |
|----------------|----------|----------|-----------|------------------|---------------|---------------|------------|
| WAITING        | OFFERING | -        | -         | -                | end abandoned | -             | overflow   |
| OFFERING       | -        | OFFERING | CONNECTED | WAITING          | end abandoned | -             | if WAITING |
| CONNECTED      | -        | -        | -         | -                | end completed | end completed | -          |

A failed offer puts the call back where it was in line (its enqueue time is kept, so it is at the head
of its priority). Ring-all offers several legs at once: the first answer wins and the others are hung up,
their agents released (not counted as misses). Events about legs the ACD no longer knows (a leg hung
up a moment ago) are expected on a real PBX and are ignored, except an answer, which is hung up.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from enum import StrEnum

from engine.core.acd.commands import (
    AcdCommand,
    BridgeLegs,
    CancelTimer,
    Fact,
    HangUpLeg,
    OriginateAgentLeg,
    SendToVoicemail,
    StartMusic,
    StartTimer,
    TearDownBridge,
)
from engine.core.acd.config import AgentConfig, OverflowRule, OverflowTarget, OverflowWhen, QueueConfig
from engine.core.acd.events import (
    AcdEvent,
    AgentLegAnswered,
    AgentLegFailed,
    AgentLegRinging,
    AgentRequested,
    CallEnqueued,
    ContactObserved,
    DeviceState,
    DeviceStateObserved,
    LegFailure,
    LegHungUp,
    TimerFired,
)
from engine.core.agent_fsm import AgentPresence, AgentState, AgentStatus, StateTrigger, StatusTrigger
from engine.core.skills import SkillRequirement, match_score, next_relaxation_at, relaxed
from engine.core.strategies import Candidate, Strategy, pick_agents
from engine.core.waiting import WaitingCall, queue_order_key

NO_ANSWER_REASON = "no answer"
# Failures that are the agent's doing (they count towards the no-answer break); the others are the
# phone's or the network's, and make the agent unreachable or just release them.
_MISSES = {LegFailure.NO_ANSWER, LegFailure.BUSY}
_UNREACHABLE = {LegFailure.UNREACHABLE, LegFailure.NO_CONTACT}
# Device states that mean the phone is in use by something.
_DEVICE_BUSY = {DeviceState.INUSE, DeviceState.BUSY, DeviceState.RINGING, DeviceState.RINGINUSE, DeviceState.ONHOLD}


class UnknownAgent(ValueError):
    """An agent id the configuration does not have (a typo in an API call or a CLI command)."""


def bridge_of(call_id: str) -> str:
    return f"{call_id}-bridge"


class CallPhase(StrEnum):
    WAITING = "waiting"
    OFFERING = "offering"
    CONNECTED = "connected"


@dataclass(slots=True)
class _Agent:
    config: AgentConfig
    presence: AgentPresence
    reachable: bool = False
    # In use by something the engine did not cause (a direct call, the fallback queue).
    device_busy: bool = False
    calls_today: int = 0
    leg_id: str | None = None
    call_id: str | None = None


@dataclass(slots=True)
class _Call:
    call_id: str
    caller_leg: str
    queue: str
    priority: int
    skills: tuple[SkillRequirement, ...]
    caller_number: str
    caller_name: str
    enqueued_at: float  # place in line
    entered_queue_at: float  # this queue visit
    phase: CallPhase = CallPhase.WAITING
    offers: dict[str, str] = field(default_factory=dict)  # leg -> agent
    agent_leg: str | None = None
    agent_id: str | None = None
    answered_at: float | None = None
    overflow_due: bool = False
    legs_made: int = 0


class Acd:
    def __init__(self, queues: list[QueueConfig], agents: list[AgentConfig]) -> None:
        self.queues = {q.name: q for q in queues}
        self.agents = {a.agent_id: _Agent(a, AgentPresence(a.agent_id)) for a in agents}
        self._by_endpoint = {a.endpoint: a.agent_id for a in agents}
        self.calls: dict[str, _Call] = {}
        self._legs: dict[str, str] = {}  # agent or caller leg -> call
        self._free: set[str] = set()
        # Waiting calls per queue, kept sorted by the documented order (waiting.queue_order_key).
        self._lines: dict[str, list[tuple[tuple[int, float, str], str]]] = {q.name: [] for q in queues}
        # What changed since the last dispatch: agents who became free, calls that (re)joined a line.
        self._freed: list[str] = []
        self._joined: list[str] = []
        self._rr_cursor: dict[str, int] = {}
        self._members: dict[str, list[str]] = {q.name: [] for q in queues}
        for agent in agents:
            for queue in agent.queues:
                if queue not in self.queues:
                    raise ValueError(f"agent {agent.agent_id}: unknown queue {queue!r}")
                self._members[queue].append(agent.agent_id)
        self._handlers = {
            CallEnqueued: self._enqueued,
            AgentLegRinging: self._leg_ringing,
            AgentLegAnswered: self._leg_answered,
            AgentLegFailed: self._leg_failed,
            LegHungUp: self._leg_hung_up,
            AgentRequested: self._agent_requested,
            DeviceStateObserved: self._device_state,
            ContactObserved: self._contact,
            TimerFired: self._timer,
        }

    # -- the one entry point ------------------------------------------------------------------------------
    def handle(self, event: AcdEvent, now: float) -> list[AcdCommand]:
        out: list[AcdCommand] = []
        self._handlers[type(event)](event, now, out)  # type: ignore[operator]
        self._dispatch(now, out)
        return out

    def members(self, queue: str) -> tuple[str, ...]:
        return tuple(self._members[queue])

    def waiting_calls(self, queue: str | None = None) -> list[WaitingCall]:
        names = [queue] if queue is not None else list(self._lines)
        found = [self._as_waiting(self.calls[call_id]) for name in names for _key, call_id in self._lines[name]]
        return sorted(found, key=queue_order_key)

    def _wait(self, call: _Call) -> None:
        call.phase = CallPhase.WAITING
        bisect.insort(self._lines[call.queue], (queue_order_key(self._as_waiting(call)), call.call_id))
        self._joined.append(call.call_id)

    def _unwait(self, call: _Call) -> None:
        line = self._lines[call.queue]
        entry = (queue_order_key(self._as_waiting(call)), call.call_id)
        index = bisect.bisect_left(line, entry)
        if index < len(line) and line[index] == entry:
            del line[index]

    # -- calls --------------------------------------------------------------------------------------------
    def _enqueued(self, event: CallEnqueued, now: float, out: list[AcdCommand]) -> None:
        queue = self.queues.get(event.queue)
        if queue is None:
            raise ValueError(f"call {event.call_id}: unknown queue {event.queue!r}")
        call = _Call(
            event.call_id, event.caller_leg, event.queue, event.priority, event.skills, event.caller_number,
            event.caller_name, event.enqueued_at if event.enqueued_at is not None else now, now,
        )
        position = 1 + len(self._lines[event.queue])
        if queue.max_length is not None and position > queue.max_length:
            self._overflow_or_end(call, now, OverflowWhen.MAX_WAIT, out, "full")
            return
        if not any(self.agents[a].presence.status is not AgentStatus.LOGGED_OUT for a in self._members[queue.name]):
            rule = self._rule(queue, OverflowWhen.NO_AGENTS)
            if rule is not None:
                self._overflow(call, rule, now, out, "no agents")
                return
        self.calls[call.call_id] = call
        self._legs[call.caller_leg] = call.call_id
        self._wait(call)
        out.append(StartMusic(call.caller_leg, queue.moh_class))
        out.append(Fact("CallerEnqueued", call.call_id, queue=queue.name, leg_id=call.caller_leg,
                        data={"position": position, "priority": call.priority, "caller": call.caller_number}))
        if queue.max_wait_s is not None:
            out.append(StartTimer(("max_wait", call.call_id), call.entered_queue_at + queue.max_wait_s))
        self._arm_relaxation(call, now, out)

    def _leg_ringing(self, event: AgentLegRinging, now: float, out: list[AcdCommand]) -> None:
        call, agent = self._offer_of(event.leg_id)
        if call is None or agent is None or agent.presence.state is AgentState.RINGING:
            return
        self._set_state(agent, StateTrigger.RING, now, out)
        out.append(Fact("AgentRinging", call.call_id, agent.config.agent_id, call.queue, event.leg_id))

    def _leg_answered(self, event: AgentLegAnswered, now: float, out: list[AcdCommand]) -> None:
        call, agent = self._offer_of(event.leg_id)
        if call is None or agent is None:
            if event.leg_id not in self._legs:
                out.append(HangUpLeg(event.leg_id, "call already gone"))
            return
        for other_leg in list(call.offers):
            if other_leg != event.leg_id:
                self._drop_offer(call, other_leg, now, out, StateTrigger.RELEASE)
                out.append(HangUpLeg(other_leg, "answered elsewhere"))
        del call.offers[event.leg_id]
        call.phase, call.agent_leg, call.agent_id, call.answered_at = (
            CallPhase.CONNECTED, event.leg_id, agent.config.agent_id, now)
        agent.calls_today += 1
        self._set_state(agent, StateTrigger.ANSWER, now, out)
        out.append(CancelTimer(("max_wait", call.call_id)))
        out.append(CancelTimer(("relax", call.call_id)))
        out.append(BridgeLegs(call.call_id, bridge_of(call.call_id), call.caller_leg, event.leg_id))
        out.append(Fact("AgentConnected", call.call_id, agent.config.agent_id, call.queue, event.leg_id,
                        {"wait_s": round(now - call.entered_queue_at, 3)}))

    def _leg_failed(self, event: AgentLegFailed, now: float, out: list[AcdCommand]) -> None:
        call, agent = self._offer_of(event.leg_id)
        if call is None or agent is None:
            self._legs.pop(event.leg_id, None)
            return
        trigger = StateTrigger.NO_ANSWER if event.failure in _MISSES else StateTrigger.RELEASE
        if event.failure in _UNREACHABLE:
            agent.reachable = False
        self._drop_offer(call, event.leg_id, now, out, trigger)
        out.append(Fact("AgentMissed", call.call_id, agent.config.agent_id, call.queue, event.leg_id,
                        {"failure": event.failure.value}))
        queue = self.queues[call.queue]
        too_many = 0 < queue.no_answer_break_after <= agent.presence.missed_in_a_row
        if trigger is StateTrigger.NO_ANSWER and too_many and agent.presence.status is AgentStatus.AVAILABLE:
            self._set_status(agent, StatusTrigger.BREAK, now, out, NO_ANSWER_REASON)
        if not call.offers:
            self._wait(call)
            if call.overflow_due:
                self._max_wait(call, now, out)

    def _leg_hung_up(self, event: LegHungUp, now: float, out: list[AcdCommand]) -> None:
        call_id = self._legs.get(event.leg_id)
        call = self.calls.get(call_id) if call_id else None
        if call is None:
            self._legs.pop(event.leg_id, None)
            return
        if event.leg_id == call.caller_leg:
            if call.phase is CallPhase.CONNECTED:
                self._complete(call, now, out, "caller")
            else:
                for leg in list(call.offers):
                    self._drop_offer(call, leg, now, out, StateTrigger.RELEASE)
                    out.append(HangUpLeg(leg, "caller hung up"))
                out.append(Fact("CallerAbandoned", call.call_id, queue=call.queue, leg_id=call.caller_leg,
                                data={"wait_s": round(now - call.entered_queue_at, 3)}))
                self._forget(call, out)
        elif event.leg_id == call.agent_leg:
            self._complete(call, now, out, "agent")
        elif event.leg_id in call.offers:
            self._leg_failed(AgentLegFailed(event.leg_id, LegFailure.NO_ANSWER), now, out)

    def _complete(self, call: _Call, now: float, out: list[AcdCommand], by: str) -> None:
        agent = self.agents[call.agent_id] if call.agent_id else None
        other = call.agent_leg if by == "caller" else call.caller_leg
        if other is not None:
            out.append(HangUpLeg(other, f"{by} hung up"))
        out.append(TearDownBridge(bridge_of(call.call_id)))
        talk = now - call.answered_at if call.answered_at is not None else 0.0
        out.append(Fact("CallCompleted", call.call_id, call.agent_id, call.queue, data={
            "by": by, "talk_s": round(talk, 3)}))
        if agent is not None:
            self._set_state(agent, StateTrigger.HANG_UP, now, out)
            agent.leg_id = agent.call_id = None
            wrapup = self.queues[call.queue].wrapup_s
            if wrapup > 0:
                out.append(StartTimer(("wrapup", agent.config.agent_id), now + wrapup))
            else:
                self._set_state(agent, StateTrigger.WRAP_UP_END, now, out)
        self._forget(call, out)

    def _forget(self, call: _Call, out: list[AcdCommand]) -> None:
        if call.phase is CallPhase.WAITING:
            self._unwait(call)
        self.calls.pop(call.call_id, None)
        for leg in (call.caller_leg, call.agent_leg, *call.offers):
            if leg is not None:
                self._legs.pop(leg, None)
        out.append(CancelTimer(("max_wait", call.call_id)))
        out.append(CancelTimer(("relax", call.call_id)))

    # -- overflow -----------------------------------------------------------------------------------------
    @staticmethod
    def _rule(queue: QueueConfig, when: OverflowWhen) -> OverflowRule | None:
        return next((r for r in queue.overflow if r.when is when), None)

    def _max_wait(self, call: _Call, now: float, out: list[AcdCommand]) -> None:
        if call.phase is CallPhase.OFFERING:
            call.overflow_due = True  # let the ringing agent answer; decide when the offer fails
            return
        self._unwait(call)
        self.calls.pop(call.call_id, None)
        self._legs.pop(call.caller_leg, None)
        out.append(CancelTimer(("relax", call.call_id)))
        self._overflow_or_end(call, now, OverflowWhen.MAX_WAIT, out, "max wait")

    def _overflow_or_end(self, call: _Call, now: float, when: OverflowWhen, out: list[AcdCommand], why: str) -> None:
        rule = self._rule(self.queues[call.queue], when)
        if rule is None:
            out.append(Fact("CallRefused", call.call_id, queue=call.queue, data={"why": why}))
            out.append(HangUpLeg(call.caller_leg, why))
            return
        self._overflow(call, rule, now, out, why)

    def _overflow(self, call: _Call, rule: OverflowRule, now: float, out: list[AcdCommand], why: str) -> None:
        out.append(Fact("CallOverflowed", call.call_id, queue=call.queue, leg_id=call.caller_leg, data={
            "why": why, "target": rule.target.value, "destination": rule.destination,
            "wait_s": round(now - call.entered_queue_at, 3)}))
        if rule.target is OverflowTarget.VOICEMAIL:
            out.append(SendToVoicemail(call.call_id, call.caller_leg, rule.destination))
            return
        follow = CallEnqueued(call.call_id, call.caller_leg, rule.destination, call.priority, call.skills,
                              call.caller_number, call.caller_name, call.enqueued_at)
        self._enqueued(follow, now, out)

    # -- agents -------------------------------------------------------------------------------------------
    def _agent_requested(self, event: AgentRequested, now: float, out: list[AcdCommand]) -> None:
        agent = self._agent(event.agent_id)
        self._set_status(agent, event.trigger, now, out, event.reason)
        if event.trigger is StatusTrigger.READY and agent.presence.state is AgentState.WRAP_UP:
            out.append(CancelTimer(("wrapup", agent.config.agent_id)))
            self._set_state(agent, StateTrigger.WRAP_UP_END, now, out)

    def _device_state(self, event: DeviceStateObserved, now: float, out: list[AcdCommand]) -> None:
        agent_id = self._by_endpoint.get(event.endpoint)
        if agent_id is None:
            return
        agent = self.agents[agent_id]
        if agent.leg_id is not None:
            return  # the engine's own call explains the device state; never let it override
        busy = event.state in _DEVICE_BUSY
        if event.state is DeviceState.UNAVAILABLE:
            agent.reachable = False
        if busy != agent.device_busy:
            agent.device_busy = busy
            out.append(Fact("AgentDeviceBusy" if busy else "AgentDeviceFree", agent_id=agent_id,
                            data={"device_state": event.state.value}))
        self._refresh(agent)

    def _contact(self, event: ContactObserved, now: float, out: list[AcdCommand]) -> None:
        agent_id = self._by_endpoint.get(event.endpoint)
        if agent_id is None:
            return
        agent = self.agents[agent_id]
        if agent.reachable != event.reachable:
            agent.reachable = event.reachable
            out.append(Fact("AgentReachable" if event.reachable else "AgentUnreachable", agent_id=agent_id))
        self._refresh(agent)

    def _timer(self, event: TimerFired, now: float, out: list[AcdCommand]) -> None:
        kind, key = event.key
        if kind == "wrapup":
            agent = self.agents.get(key)
            if agent is not None and agent.presence.state is AgentState.WRAP_UP:
                self._set_state(agent, StateTrigger.WRAP_UP_END, now, out)
        elif kind == "max_wait":
            call = self.calls.get(key)
            if call is not None and call.phase is not CallPhase.CONNECTED:
                self._max_wait(call, now, out)
        elif kind == "relax":
            call = self.calls.get(key)
            if call is not None:
                self._arm_relaxation(call, now, out)
                if call.phase is CallPhase.WAITING:
                    self._joined.append(call.call_id)  # new agents may qualify now

    def _set_status(self, agent: _Agent, trigger: StatusTrigger, now: float, out: list[AcdCommand],
                    reason: str | None = None) -> None:
        before = agent.presence
        agent.presence = before.with_status(trigger, now, reason)
        if (agent.presence.status, agent.presence.break_reason) != (before.status, before.break_reason):
            out.append(Fact("AgentStatusChanged", agent_id=agent.config.agent_id, data={
                "status": agent.presence.status.value, "reason": agent.presence.break_reason}))
        self._refresh(agent)

    def _set_state(self, agent: _Agent, trigger: StateTrigger, now: float, out: list[AcdCommand]) -> None:
        before = agent.presence.state
        agent.presence = agent.presence.with_state(trigger, now)
        if agent.presence.state is not before:
            out.append(Fact("AgentStateChanged", agent_id=agent.config.agent_id, call_id=agent.call_id,
                            data={"state": agent.presence.state.value}))
        self._refresh(agent)

    def _refresh(self, agent: _Agent) -> None:
        if agent.presence.offerable and agent.reachable and not agent.device_busy:
            if agent.config.agent_id not in self._free:
                self._free.add(agent.config.agent_id)
                self._freed.append(agent.config.agent_id)
        else:
            self._free.discard(agent.config.agent_id)

    def _agent(self, agent_id: str) -> _Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise UnknownAgent(f"no agent {agent_id!r}")
        return agent

    # -- offers -------------------------------------------------------------------------------------------
    def _offer_of(self, leg_id: str) -> tuple[_Call | None, _Agent | None]:
        call = self.calls.get(self._legs.get(leg_id, ""))
        if call is None or leg_id not in call.offers:
            return None, None
        return call, self.agents[call.offers[leg_id]]

    def _drop_offer(self, call: _Call, leg: str, now: float, out: list[AcdCommand], trigger: StateTrigger) -> None:
        agent = self.agents[call.offers.pop(leg)]
        self._legs.pop(leg, None)
        self._set_state(agent, trigger, now, out)
        agent.leg_id = agent.call_id = None

    def _dispatch(self, now: float, out: list[AcdCommand]) -> None:
        """Offer work incrementally. After every dispatch no waiting call has a free agent who qualifies
        for it (until a relaxation timer says otherwise), so only what changed needs looking at: each agent
        who just became free takes the best call of their queues (the documented cross-queue order), then
        each call that just joined a line is offered to the free agents of its queue by its strategy."""
        while self._freed or self._joined:
            freed, self._freed = self._freed, []
            joined, self._joined = self._joined, []
            if not self._free:
                return
            freed.sort(key=lambda a: (self._idle_since(self.agents[a]), a))
            for agent_id in freed:
                if agent_id in self._free:
                    self._agent_takes_call(self.agents[agent_id], now, out)
            waiting = [self.calls[c] for c in joined if c in self.calls]
            for call in sorted(waiting, key=lambda c: queue_order_key(self._as_waiting(c))):
                if call.phase is CallPhase.WAITING and self._free:
                    self._offer_call(call, now, out)

    def _agent_takes_call(self, agent: _Agent, now: float, out: list[AcdCommand]) -> None:
        best: tuple[tuple[int, float, str], _Call] | None = None
        for queue_name in agent.config.queues:
            queue = self.queues[queue_name]
            for key, call_id in self._lines[queue_name]:
                if best is not None and key >= best[0]:
                    break
                call = self.calls[call_id]
                needs = relaxed(call.skills, queue.relaxations, now - call.enqueued_at)
                if match_score(agent.config.skills, needs) is not None:
                    best = (key, call)
                    break
        if best is not None:
            self._offer_call(best[1], now, out)

    def _offer_call(self, call: _Call, now: float, out: list[AcdCommand]) -> None:
        queue = self.queues[call.queue]
        needs = relaxed(call.skills, queue.relaxations, now - call.enqueued_at)
        candidates = []
        for index, agent_id in enumerate(self._members[queue.name]):
            if agent_id not in self._free:
                continue
            agent = self.agents[agent_id]
            score = match_score(agent.config.skills, needs)
            if score is not None:
                candidates.append(Candidate(agent_id, self._idle_since(agent), agent.calls_today, score, index))
        chosen = pick_agents(queue.strategy, candidates, self._rr_cursor.get(queue.name, -1))
        if not chosen:
            return
        self._unwait(call)
        for agent_id in chosen:
            self._offer(call, self.agents[agent_id], queue, now, out)
        if queue.strategy is Strategy.ROUND_ROBIN:
            self._rr_cursor[queue.name] = self._members[queue.name].index(chosen[0])

    @staticmethod
    def _idle_since(agent: _Agent) -> float:
        # Idle for work since the later of: the last call ended, the agent became available.
        return max(agent.presence.state_since, agent.presence.status_since)

    def _offer(self, call: _Call, agent: _Agent, queue: QueueConfig, now: float, out: list[AcdCommand]) -> None:
        call.legs_made += 1
        leg = f"{call.call_id}-a{call.legs_made}"
        call.offers[leg] = agent.config.agent_id
        call.phase = CallPhase.OFFERING
        self._legs[leg] = call.call_id
        agent.leg_id, agent.call_id = leg, call.call_id
        self._set_state(agent, StateTrigger.RESERVE, now, out)
        out.append(OriginateAgentLeg(call.call_id, leg, agent.config.agent_id, agent.config.endpoint, queue.name,
                                     call.caller_number, call.caller_name, queue.ring_timeout_s))
        out.append(Fact("AgentOffered", call.call_id, agent.config.agent_id, queue.name, leg))

    def _arm_relaxation(self, call: _Call, now: float, out: list[AcdCommand]) -> None:
        due = next_relaxation_at(self.queues[call.queue].relaxations, call.enqueued_at, now)
        if due is not None:
            out.append(StartTimer(("relax", call.call_id), due))

    @staticmethod
    def _as_waiting(call: _Call) -> WaitingCall:
        return WaitingCall(call.call_id, call.queue, call.priority, call.enqueued_at)

