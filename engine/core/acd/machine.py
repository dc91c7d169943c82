"""The ACD: `Acd.handle(event, now) -> list[command]`, pure and synchronous.

It holds agents (roster.py) and calls (state.py), and after every event runs `dispatch`, which offers
waiting calls to free agents in the documented order (waiting.py) by each queue's strategy
(strategies.py) and skills (skills.py). The agents' two state machines are in agent_fsm.py; the call's:

| phase \\ event | picked   | answered  | last offer fails | caller gone   | agent gone    | max wait  | transfer |
|---------------|----------|-----------|------------------|---------------|---------------|-----------|----------|
| WAITING       | OFFERING | -         | -                | end abandoned | -             | overflow  | -        |
| OFFERING      | -        | CONNECTED | WAITING          | end abandoned | -             | when back | -        |
| CONNECTED     | -        | -         | -                | end completed | end completed | -         | (1)      |

(1) to a queue: WAITING there (a new queue visit); to an agent who is free: OFFERING to them, and back to
WAITING in its queue if they do not answer. The transferring agent goes to wrap-up.

Waiting callers hear music, and announcements (position, estimated wait: estimate.py) where the queue
has them; an announcement suspends the music, so its end (AnnouncementEnded) starts the music again.
Pressing 1 where the callback is offered turns the call into a callback (callbacks.py), which keeps
its place in line with nobody on it:

| phase \\ event  | picked                  | caller answers          | not reached        | retry timer |
|----------------|-------------------------|-------------------------|--------------------|-------------|
| CALLBACK       | DIALING_BACK (agent     | -                       | -                  | -           |
|                | reserved, caller dialed)|                         |                    |             |
| DIALING_BACK   | -                       | OFFERING to that agent  | CALLBACK_RETRY, or | -           |
|                |                         |                         | end after attempts |             |
| CALLBACK_RETRY | -                       | -                       | -                  | CALLBACK    |

A failed offer puts the call back where it was in line (its enqueue time is kept, so it is at the head
of its priority). Ring-all offers several legs at once: the first answer wins and the others are hung up,
their agents released (not counted as misses). Events about legs the ACD no longer knows (a leg hung
up a moment ago) are expected on a real PBX and are ignored, except an answer, which is hung up.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.core import facts
from engine.core.acd import announcing, callbacks, overflow, restore, transfers
from engine.core.acd.commands import (
    AcdCommand,
    BridgeLegs,
    CancelTimer,
    HangUpLeg,
    OriginateAgentLeg,
    StartMusic,
    StartTimer,
    StopMusic,
    TearDownBridge,
)
from engine.core.acd.config import AgentConfig, OverflowTarget, OverflowWhen, QueueConfig
from engine.core.acd.events import (
    AcdEvent,
    AgentLegAnswered,
    AgentLegFailed,
    AgentLegRinging,
    AgentRequested,
    AgentStatusRestored,
    AnnouncementEnded,
    CallbackLegAnswered,
    CallbackLegFailed,
    CallEnqueued,
    CallerPressed,
    CallFound,
    ContactObserved,
    DeviceStateObserved,
    LegFailure,
    LegHeld,
    LegHungUp,
    TimerFired,
    TransferRequested,
)
from engine.core.acd.state import CallPhase, CallRecord
from engine.core.acd.transfers import TransferRefused
from engine.core.agent_fsm import AgentState, AgentStatus, StateTrigger, StatusTrigger
from engine.core.calls import CallBook, LegRole, LegStage, ReadableIds
from engine.core.estimate import estimated_wait_s
from engine.core.ids import AgentId, CallId, LegId
from engine.core.presence import AgentRecord
from engine.core.presence.roster import Roster, UnknownAgent
from engine.core.skills import match_score, next_relaxation_at, relaxed
from engine.core.strategies import Strategy
from engine.core.waiting import WaitingCall, queue_order_key

__all__ = ["Acd", "CallPhase", "TransferRefused", "UnknownAgent"]

NO_ANSWER_REASON = "no answer"
# Failures that are the agent's doing (they count towards the no-answer break); the others are the
# phone's or the network's, and make the agent unreachable or just release them.
_MISSES = {LegFailure.NO_ANSWER, LegFailure.BUSY}
_UNREACHABLE = {LegFailure.UNREACHABLE, LegFailure.NO_CONTACT}
# Phases in which the call has a place in a queue's line.
_IN_LINE = {CallPhase.WAITING, CallPhase.CALLBACK}
# Phases in which a caller is on the line, waiting for an agent.
_ON_HOLD = {CallPhase.WAITING, CallPhase.OFFERING}
_TIMERS = ("max_wait", "relax", "announce", "callback_retry")
_NO_CALL = CallId("")  # the key of no call: a leg the book does not have


class Acd:
    def __init__(self, queues: list[QueueConfig], agents: list[AgentConfig], timezone: str = "UTC",
                 book: CallBook | None = None) -> None:
        # "Least calls today" counts the calls of the current day in the center's time zone.
        self._zone = ZoneInfo(timezone)
        # The one owner of calls' legs and bridges, shared with the other features and read by the edge.
        self.book = book if book is not None else CallBook(ReadableIds())
        self._follow_leg: dict[type[AcdEvent], Callable[[LegId], None]] = {
            AgentLegAnswered: self.book.answered, CallbackLegAnswered: self.book.answered,
            AgentLegFailed: self.book.drop_leg, CallbackLegFailed: self.book.drop_leg, LegHungUp: self.book.drop_leg,
            AnnouncementEnded: self.book.playback_ended,
        }
        self.queues = {q.name: q for q in queues}
        self.roster = Roster(agents, list(self.queues), {q.name: q.strategy for q in queues})
        self.agents = self.roster.agents
        self.calls: dict[CallId, CallRecord] = {}
        # Calls with a place in line per queue, kept sorted by the documented order (waiting.queue_order_key).
        self._lines: dict[str, list[tuple[tuple[int, float, str], CallId]]] = {q.name: [] for q in queues}
        self._joined: list[CallId] = []  # calls that (re)joined a line since the last dispatch
        self._rr_cursor: dict[str, int] = {}
        self._handlers = {
            CallEnqueued: self.enqueue,
            AgentLegRinging: self._leg_ringing,
            AgentLegAnswered: self._leg_answered,
            AgentLegFailed: self._leg_failed,
            LegHungUp: self._leg_hung_up,
            AgentRequested: self._agent_requested,
            DeviceStateObserved: lambda e, now, out: self.roster.device_state(e, out),
            ContactObserved: lambda e, now, out: self.roster.contact(e, out),
            TimerFired: self._timer,
            CallerPressed: lambda e, now, out: announcing.pressed(self, e, now, out),
            AnnouncementEnded: lambda e, now, out: announcing.ended(self, e, out),
            CallbackLegAnswered: lambda e, now, out: callbacks.answered(self, e.leg_id, now, out),
            CallbackLegFailed: lambda e, now, out: callbacks.not_reached(self, e.leg_id, e.failure, now, out),
            TransferRequested: lambda e, now, out: transfers.transfer(self, e, now, out),
            LegHeld: self._held,
            CallFound: lambda e, now, out: restore.restore_call(self, e, now, out),
            AgentStatusRestored: lambda e, now, out: self.roster.restore_status(
                e.agent_id, AgentStatus(e.status), e.reason, e.since),
        }

    # -- the one entry point ------------------------------------------------------------------------------
    def handle(self, event: AcdEvent, now: float) -> list[AcdCommand]:
        out: list[AcdCommand] = []
        self._handlers[type(event)](event, now, out)  # type: ignore[operator]
        # What the PBX said of a leg, in the book, after the handler (it still finds the call of a leg that just
        # went): answered legs are up, legs gone leave it, an announcement's end clears its playback.
        follow = self._follow_leg.get(type(event))
        if follow is not None:
            follow(event.leg_id)  # type: ignore[union-attr]
        self._dispatch(now, out)
        return out

    def call(self, call_id: str) -> CallRecord:
        """The live call `call_id` (KeyError when the ACD holds no such call)."""
        return self.calls[CallId(call_id)]

    def call_with_leg(self, leg_id: LegId) -> CallRecord | None:
        """The live call `leg_id` is now part of: its caller, its agent, its callback or an agent being offered."""
        call = self.calls.get(self.book.call_of(leg_id) or _NO_CALL)
        if call is None or (leg_id not in call.offers and leg_id not in (call.caller_leg, call.agent_leg,
                                                                          call.callback_leg)):
            return None
        return call

    def members(self, queue: str) -> tuple[AgentId, ...]:
        return tuple(self.roster.members[queue])

    def waiting_calls(self, queue: str | None = None) -> list[WaitingCall]:
        names = [queue] if queue is not None else list(self._lines)
        found = [self.calls[call_id].as_waiting() for name in names for _key, call_id in self._lines[name]]
        return sorted(found, key=queue_order_key)

    def calls_today(self, agent: AgentRecord, now: float) -> int:
        return agent.calls_on(self.day_of(now))

    def day_of(self, now: float) -> str:
        return datetime.fromtimestamp(now, self._zone).date().isoformat()

    def position(self, call: CallRecord) -> int:
        """1 for the head of its queue's line (callbacks hold places too)."""
        line = self._lines[call.queue]
        return 1 + bisect.bisect_left(line, (queue_order_key(call.as_waiting()), call.call_id))

    def estimate(self, queue: QueueConfig, position: int) -> float | None:
        average = self.roster.handle_times.average(queue.name, queue.default_handle_s)
        return estimated_wait_s(position, average, self.roster.staffed(queue.name))

    def wait_in_line(self, call: CallRecord, phase: CallPhase = CallPhase.WAITING) -> None:
        call.phase = phase
        bisect.insort(self._lines[call.queue], (queue_order_key(call.as_waiting()), call.call_id))
        self._joined.append(call.call_id)

    def leave_line(self, call: CallRecord) -> None:
        line = self._lines[call.queue]
        entry = (queue_order_key(call.as_waiting()), call.call_id)
        index = bisect.bisect_left(line, entry)
        if index < len(line) and line[index] == entry:
            del line[index]

    # -- calls --------------------------------------------------------------------------------------------
    def enqueue(self, event: CallEnqueued, now: float, out: list[AcdCommand]) -> None:
        """A new call, or one moving queues (overflow, transfer)."""
        queue = self.queues.get(event.queue)
        if queue is None:
            raise ValueError(f"call {event.call_id}: unknown queue {event.queue!r}")
        call = CallRecord(
            event.call_id, event.caller_leg, event.queue, event.priority, event.skills, event.caller_number,
            event.caller_name, event.enqueued_at if event.enqueued_at is not None else now, now,
        )
        if self.book.leg(event.caller_leg) is None:  # a caller the runtime did not open the call for (tests)
            self.book.add_leg(event.call_id, LegRole.CALLER, LegStage.UP, leg_id=event.caller_leg)
        position = self.position(call)
        if queue.max_length is not None and len(self._lines[queue.name]) >= queue.max_length:
            overflow.overflow_or_end(self, call, now, OverflowWhen.MAX_WAIT, out, "full", position)
            return
        rule = overflow.rule(queue, OverflowWhen.NO_AGENTS)
        if rule is not None and not self.roster.logged_in(queue.name):
            overflow.overflow(self, call, rule, now, out, "no agents", position)
            return
        estimate = self.estimate(queue, position)
        rule = overflow.rule(queue, OverflowWhen.ESTIMATED_WAIT)
        too_long = rule is not None and rule.threshold_s is not None and (estimate or 0.0) > rule.threshold_s
        if rule is not None and too_long and rule.target is not OverflowTarget.CALLBACK:
            overflow.overflow(self, call, rule, now, out, "estimated wait", position)
            return
        self.calls[call.call_id] = call
        self.wait_in_line(call)
        out.append(StartMusic(event.caller_leg, queue.moh_class))
        out.append(facts.CallerEnqueued(call.call_id, queue.name, event.caller_leg, position, call.priority,
                                        call.caller_number, None if estimate is None else round(estimate, 1)))
        if queue.max_wait_s is not None:
            out.append(StartTimer(("max_wait", call.call_id), call.entered_queue_at + queue.max_wait_s))
        self.arm_relaxation(call, now, out)
        if too_long:  # the callback offer, at once
            call.callback_offered = True
            announcing.announce(self, call, queue, now, out)
        elif queue.announcements is not None:
            out.append(StartTimer(("announce", call.call_id), now + queue.announcements.first_after_s))

    def _leg_ringing(self, event: AgentLegRinging, now: float, out: list[AcdCommand]) -> None:
        call, agent = self._offer_of(event.leg_id)
        if call is None or agent is None or agent.presence.state is AgentState.RINGING:
            return
        self.roster.set_state(agent, StateTrigger.RING, now, out)
        out.append(facts.AgentRinging(call.call_id, agent.config.agent_id, call.queue, event.leg_id))

    def _leg_answered(self, event: AgentLegAnswered, now: float, out: list[AcdCommand]) -> None:
        call, agent = self._offer_of(event.leg_id)
        if call is None or agent is None:
            if self.call_with_leg(event.leg_id) is None:
                out.append(HangUpLeg(event.leg_id, "call already gone"))
            return
        for other_leg in list(call.offers):
            if other_leg != event.leg_id:
                self._drop_offer(call, other_leg, now, out, StateTrigger.RELEASE, "answered elsewhere")
                out.append(HangUpLeg(other_leg, "answered elsewhere"))
        del call.offers[event.leg_id]
        ring = now - call.offered_at.pop(event.leg_id, now)
        call.phase, call.agent_leg, call.agent_id, call.answered_at = (
            CallPhase.CONNECTED, event.leg_id, agent.config.agent_id, now)
        agent.calls_today = self.calls_today(agent, now) + 1
        agent.calls_day = self.day_of(now)
        self.roster.set_state(agent, StateTrigger.ANSWER, now, out)
        self.cancel_timers(call, out, "max_wait", "relax", "announce")
        assert call.caller_leg is not None  # a call being offered has its caller on the line
        caller = self.book.leg(call.caller_leg)
        out.append(BridgeLegs(call.call_id, self.book.bridge(call.call_id), call.caller_leg, event.leg_id,
                              caller.playback if caller is not None else None))
        out.append(facts.AgentConnected(call.call_id, agent.config.agent_id, call.queue, event.leg_id,
                                        round(now - call.entered_queue_at, 3), round(ring, 3), call.taken_at_position))

    def _leg_failed(self, event: AgentLegFailed, now: float, out: list[AcdCommand]) -> None:
        call, agent = self._offer_of(event.leg_id)
        if call is None or agent is None:  # an offer already over (cancelled, or its call gone)
            self.roster.leg_gone(event.leg_id)
            return
        trigger = StateTrigger.NO_ANSWER if event.failure in _MISSES else StateTrigger.RELEASE
        if event.failure in _UNREACHABLE:
            agent.reachable = False
        ring = self._drop_offer(call, event.leg_id, now, out, trigger, None)
        out.append(facts.AgentMissed(call.call_id, agent.config.agent_id, call.queue, event.leg_id, event.failure,
                                     round(ring, 3)))
        queue = self.queues[call.queue]
        too_many = 0 < queue.no_answer_break_after <= agent.presence.missed_in_a_row
        if trigger is StateTrigger.NO_ANSWER and too_many and agent.presence.status is AgentStatus.AVAILABLE:
            self.roster.set_status(agent, StatusTrigger.BREAK, now, out, NO_ANSWER_REASON)
        if not call.offers:
            self.wait_in_line(call)
            if call.overflow_due:
                overflow.max_wait(self, call, now, out)

    def _leg_hung_up(self, event: LegHungUp, now: float, out: list[AcdCommand]) -> None:
        call = self.call_with_leg(event.leg_id)
        if call is None:
            self.roster.leg_gone(event.leg_id)
            return
        if event.leg_id == call.caller_leg:
            if call.phase is CallPhase.CONNECTED:
                self._complete(call, now, out, facts.Party.CALLER)
                return
            position = self.position(call) if call.phase in _IN_LINE else call.taken_at_position
            for leg in list(call.offers):
                self._drop_offer(call, leg, now, out, StateTrigger.RELEASE, "caller hung up")
                out.append(HangUpLeg(leg, "caller hung up"))
            out.append(facts.CallerAbandoned(call.call_id, call.queue, call.caller_leg,
                                             round(now - call.entered_queue_at, 3), position))
            self.forget(call, now, out)
        elif event.leg_id == call.agent_leg:
            self._complete(call, now, out, facts.Party.AGENT)
        elif event.leg_id in call.offers:
            self._leg_failed(AgentLegFailed(event.leg_id, LegFailure.NO_ANSWER), now, out)

    def _held(self, event: LegHeld, now: float, out: list[AcdCommand]) -> None:
        """Hold on a connected call: Asterisk leaves the music to the app, so the other party gets the
        queue's music on hold until the call is taken off hold. Recorded on the agent's leg."""
        call = self.call_with_leg(event.leg_id)
        if call is None or call.phase is not CallPhase.CONNECTED or call.held is event.held:
            return
        other = call.caller_leg if event.leg_id == call.agent_leg else call.agent_leg
        if other is None:
            return
        call.held = event.held
        music = StartMusic(other, self.queues[call.queue].moh_class) if event.held else StopMusic(other)
        out.append(music)
        by = facts.Party.AGENT if event.leg_id == call.agent_leg else facts.Party.CALLER
        held = facts.CallHeld if event.held else facts.CallUnheld
        out.append(held(call.call_id, call.agent_id, call.queue, call.agent_leg, by))

    def _complete(self, call: CallRecord, now: float, out: list[AcdCommand], by: facts.Party) -> None:
        other = call.agent_leg if by is facts.Party.CALLER else call.caller_leg
        if other is not None:
            out.append(HangUpLeg(other, f"{by} hung up"))
        out.append(TearDownBridge(call.call_id, self.book.bridge(call.call_id)))
        talk = now - call.answered_at if call.answered_at is not None else 0.0
        out.append(facts.CallCompleted(call.call_id, call.agent_id, call.queue, by, round(talk, 3), call.agent_leg))
        self.agent_done(call, talk, now, out)
        self.forget(call, now, out)

    def agent_done(self, call: CallRecord, talk: float, now: float, out: list[AcdCommand]) -> None:
        if call.agent_id is None:
            return
        agent = self.agents[call.agent_id]
        wrapup_until = self.roster.call_ended(agent, call.call_id, call.queue, talk,
                                              self.queues[call.queue].wrapup_s, now, out)
        if wrapup_until is not None:
            out.append(StartTimer(("wrapup", agent.config.agent_id), wrapup_until))

    def forget(self, call: CallRecord, now: float, out: list[AcdCommand]) -> None:
        if call.phase in _IN_LINE:
            self.leave_line(call)
        if call.reserved_agent is not None:
            callbacks.release_agent(self, call, now, out)
        self.calls.pop(call.call_id, None)
        self.cancel_timers(call, out, *_TIMERS)

    @staticmethod
    def cancel_timers(call: CallRecord, out: list[AcdCommand], *kinds: str) -> None:
        out.extend(CancelTimer((kind, call.call_id)) for kind in kinds)

    # -- agents -------------------------------------------------------------------------------------------
    def _agent_requested(self, event: AgentRequested, now: float, out: list[AcdCommand]) -> None:
        agent = self.roster.agent(event.agent_id)
        self.roster.set_status(agent, event.trigger, now, out, event.reason)
        if event.trigger is StatusTrigger.READY and agent.presence.state is AgentState.WRAP_UP:
            out.append(CancelTimer(("wrapup", agent.config.agent_id)))
            self.roster.set_state(agent, StateTrigger.WRAP_UP_END, now, out)

    def _timer(self, event: TimerFired, now: float, out: list[AcdCommand]) -> None:
        kind, key = event.key
        if kind == "wrapup":
            agent = self.agents.get(AgentId(key))
            if agent is not None and agent.presence.state is AgentState.WRAP_UP:
                self.roster.set_state(agent, StateTrigger.WRAP_UP_END, now, out)
            return
        call = self.calls.get(CallId(key))
        if call is None:
            return
        if kind == "max_wait" and call.phase in _ON_HOLD:
            overflow.max_wait(self, call, now, out)
        elif kind == "relax":
            self.arm_relaxation(call, now, out)
            if call.phase in _IN_LINE:
                self._joined.append(call.call_id)  # new agents may qualify now
        elif kind == "announce":
            announcing.announcement_due(self, call, now, out)
        elif kind == "callback_retry" and call.phase is CallPhase.CALLBACK_RETRY:
            self.wait_in_line(call, CallPhase.CALLBACK)

    # -- offers -------------------------------------------------------------------------------------------
    def _offer_of(self, leg_id: LegId) -> tuple[CallRecord | None, AgentRecord | None]:
        call = self.call_with_leg(leg_id)
        if call is None or leg_id not in call.offers:
            return None, None
        return call, self.agents[call.offers[leg_id]]

    def _drop_offer(self, call: CallRecord, leg: LegId, now: float, out: list[AcdCommand], trigger: StateTrigger,
                    why: str | None) -> float:
        """The offer on `leg` is over without an answer; returns how long it rang. `why` names a cancelled
        offer (recorded as such); a miss is recorded by the caller."""
        agent = self.agents[call.offers.pop(leg)]
        ring = now - call.offered_at.pop(leg, now)
        self.roster.release(agent, trigger, now, out)
        if why is not None:
            self.roster.closing_leg(agent, leg)  # hung up by the engine; the PBX may still ring it a moment
            out.append(facts.AgentOfferCancelled(call.call_id, agent.config.agent_id, call.queue, leg, why,
                                                 round(ring, 3)))
        return ring

    def _dispatch(self, now: float, out: list[AcdCommand]) -> None:
        """Offer work incrementally. After every dispatch no waiting call has a free agent who qualifies
        for it (until a relaxation timer says otherwise), so only what changed needs looking at: each agent
        who just became free takes the best call of their queues (the documented cross-queue order), then
        each call that just joined a line is offered to the free agents of its queue by its strategy."""
        roster = self.roster
        while roster.freed or self._joined:
            freed, roster.freed = roster.freed, []
            joined, self._joined = self._joined, []
            if not roster.free:
                return
            freed.sort(key=lambda a: (roster.idle_since(self.agents[a]), a))
            for agent_id in freed:
                if agent_id in roster.free:
                    self._agent_takes_call(self.agents[agent_id], now, out)
            waiting = [self.calls[c] for c in joined if c in self.calls]
            for call in sorted(waiting, key=lambda c: queue_order_key(c.as_waiting())):
                if call.phase in _IN_LINE and roster.free:
                    self._offer_call(call, now, out)

    def _agent_takes_call(self, agent: AgentRecord, now: float, out: list[AcdCommand]) -> None:
        best: tuple[tuple[int, float, str], CallRecord] | None = None
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

    def _offer_call(self, call: CallRecord, now: float, out: list[AcdCommand]) -> None:
        queue = self.queues[call.queue]
        needs = relaxed(call.skills, queue.relaxations, now - call.enqueued_at)
        if queue.strategy is Strategy.LEAST_CALLS and self.roster.calls_day != (today := self.day_of(now)):
            self.roster.new_day(today)
        agents = self.agents
        # The queue's free agents, best first by its strategy: the choice strategies.pick_agents makes among
        # every qualifying member, found without scoring them all.
        chosen = self.roster.free_in[queue.name].pick(
            lambda agent_id: match_score(agents[agent_id].config.skills, needs), self._rr_cursor.get(queue.name, -1))
        if not chosen:
            return
        call.taken_at_position = self.position(call)
        self.leave_line(call)
        if queue.strategy is Strategy.ROUND_ROBIN:
            self._rr_cursor[queue.name] = self.roster.member_index[queue.name][chosen[0]]
        if call.phase is CallPhase.CALLBACK:
            callbacks.dial_back(self, call, self.agents[chosen[0]], queue, now, out)
            return
        for agent_id in chosen:
            self.offer(call, self.agents[agent_id], queue, now, out)

    def offer(self, call: CallRecord, agent: AgentRecord, queue: QueueConfig, now: float, out: list[AcdCommand],
               *, reserved: bool = False) -> None:
        """Ring `agent` for `call`; `reserved`: the agent was already kept for it (a callback)."""
        leg = self.book.add_leg(call.call_id, LegRole.AGENT, LegStage.DIALING, agent_id=agent.config.agent_id).leg_id
        call.offers[leg] = agent.config.agent_id
        call.offered_at[leg] = now
        call.phase = CallPhase.OFFERING
        if reserved:
            self.roster.ring_on(agent, leg)
        else:
            self.roster.reserve(agent, call.call_id, leg, now, out)
        out.append(OriginateAgentLeg(call.call_id, leg, agent.config.agent_id, agent.config.endpoint, queue.name,
                                     call.caller_number, call.caller_name, queue.ring_timeout_s))
        out.append(facts.AgentOffered(call.call_id, agent.config.agent_id, queue.name, leg, call.taken_at_position))

    def offer_reserved(self, call: CallRecord, agent: AgentRecord, now: float, out: list[AcdCommand]) -> None:
        self.offer(call, agent, self.queues[call.queue], now, out, reserved=True)

    def arm_relaxation(self, call: CallRecord, now: float, out: list[AcdCommand]) -> None:
        due = next_relaxation_at(self.queues[call.queue].relaxations, call.enqueued_at, now)
        if due is not None:
            out.append(StartTimer(("relax", call.call_id), due))
