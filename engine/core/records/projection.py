"""The call-record projection; its table (fact -> rows) is in the package's docstring (engine/core/records)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, assert_never

from engine.core import facts as f
from engine.core.event_record import EventRecord, EventSource
from engine.core.fact_registry import FactDecodeError
from engine.core.facts import fact_of
from engine.core.records.rows import CallRow, Kind, Outcome, Result, RowOp, SegmentRow, WrapUpRecorded
from engine.core.records.state import Applying, CallState, LegState, first_known, millis, whole_seconds

_DOOR_VERBS = {"full": "FULL", "no agents": "JOINEMPTY"}
_IN_LINE_VERBS = {"max wait": "EXITWITHTIMEOUT", "no agents": "EXITEMPTY"}
VANISHED = "vanished while the engine was down"
RESTARTED = "engine restarted"


class CallRecords:
    def __init__(self, memberships: Mapping[str, Sequence[str]] | None = None) -> None:
        self._memberships = memberships or {}
        self._calls: dict[str, CallState] = {}
        self._status: dict[str, str] = {}  # agent -> status, for the verb a change is written with
        self._wrapping: dict[tuple[str, str], SegmentRow] = {}  # (call, agent) -> answered leg, until wrap-up
        self.last_seq = 0
        # After a restart: calls open before it that nothing has shown alive yet, and when the previous run
        # last stored an event (the last time anything was known of them).
        self._unconfirmed: set[str] = set()
        self._last_seen = 0.0

    @property
    def open_calls(self) -> tuple[str, ...]:
        return tuple(self._calls)

    def apply(self, record: EventRecord) -> list[RowOp]:
        if record.seq <= self.last_seq:
            return []
        self.last_seq = record.seq
        fact = Applying(record, [])
        if record.source is EventSource.ARI and record.type == "AriResynced":
            self._resynced(fact)
            return fact.out
        try:
            typed = fact_of(record)
        except FactDecodeError:
            typed = None  # a row this version cannot read makes no records (the events keep it)
        match typed:
            case None:
                pass
            case f.AgentStatusChanged():
                self._status_changed(fact)
            case f.AgentWrapUpEnded():
                self._wrapped_up(fact)  # after the call ended: it needs no state of the call
            case (f.CallStarted() | f.CallerEnqueued() | f.CallerAnnounced() | f.AgentOffered() | f.AgentRinging()
                  | f.AgentConnected() | f.AgentMissed() | f.AgentOfferCancelled() | f.CallHeld() | f.CallUnheld()
                  | f.CallTransferred() | f.CallCompleted() | f.CallerAbandoned() | f.CallOverflowed()
                  | f.CallRefused() | f.CallbackRequested() | f.CallbackDialed() | f.CallbackAnswered()
                  | f.CallbackNotReached() | f.CallbackGivenUp() | f.CallRestored()):
                self._unconfirmed.discard(typed.call_id)
                self._call_fact(typed, fact, self._call(fact, typed.call_id))
            case (f.AgentStateChanged() | f.AgentDeviceBusy() | f.AgentDeviceFree() | f.AgentReachable()
                  | f.AgentUnreachable()
                  | f.AgentMadeBusy() | f.AgentBusyEnded() | f.EngineStarted() | f.EngineStopping() | f.EngineStopped()
                  | f.AcdRestored()):
                pass
            case _:
                assert_never(typed)
        return fact.out

    def _call_fact(self, typed: f.CallFact, fact: Applying, call: CallState) -> None:
        match typed:
            case f.CallStarted() | f.AgentRinging():
                pass  # the row is opened by `_call`; ringing has no row of its own
            case f.CallerEnqueued():
                self._enqueued(fact, call)
            case f.CallerAnnounced():
                self._announced(fact, call)
            case f.AgentOffered():
                self._offered(fact, call)
            case f.AgentConnected():
                self._connected(fact, call)
            case f.AgentMissed():
                self._missed(fact, call)
            case f.AgentOfferCancelled():
                self._offer_cancelled(fact, call)
            case f.CallHeld():
                self._held(fact, call)
            case f.CallUnheld():
                self._unheld(fact, call)
            case f.CallTransferred():
                self._transferred(fact, call)
            case f.CallCompleted():
                self._completed(fact, call)
            case f.CallerAbandoned():
                self._abandoned(fact, call)
            case f.CallOverflowed():
                self._overflowed(fact, call)
            case f.CallRefused():
                self._refused(fact, call)
            case f.CallbackRequested():
                self._callback_requested(fact, call)
            case f.CallbackDialed():
                self._callback_dialed(fact, call)
            case f.CallbackAnswered():
                self._callback_answered(fact, call)
            case f.CallbackNotReached():
                self._callback_not_reached(fact, call)
            case f.CallbackGivenUp():
                self._end(fact, call, Outcome.CALLBACK_GIVEN_UP)
            case f.CallRestored():
                self._restored(fact, call)
            case _:
                assert_never(typed)

    # -- calls ------------------------------------------------------------------------------------------
    def _call(self, fact: Applying, call_id: str) -> CallState:
        call = self._calls.get(call_id)
        if call is None:
            # Opened by CallStarted; by any first fact of a call whose start the records never saw.
            row = CallRow(call_id, fact.at, fact.text("number"), fact.text("caller"), fact.text("caller_name"))
            call = self._calls[call_id] = CallState(row, caller_leg=fact.record.leg_id)
            fact.out.append(row)
        return call

    def _end(self, fact: Applying, call: CallState, outcome: Outcome) -> None:
        for leg in list(call.offers.values()):
            self._close_leg(fact, call, leg, Result.CANCELLED, "call ended")
        self._close_callback(fact, call, Result.CANCELLED)
        call.row = replace(call.row, ended_at=fact.at, outcome=outcome.value)
        fact.out.append(call.row)
        del self._calls[call.row.call_id]

    # -- queue visits -----------------------------------------------------------------------------------
    def _open_visit(self, fact: Applying, call: CallState, position: int | None) -> None:
        call.visit = SegmentRow(call.row.call_id, f"queue:{fact.record.seq}", Kind.QUEUE, fact.at,
                                fact.record.queue, leg_id=fact.record.leg_id, position_entry=position)
        call.position = call.entry_position = position
        fact.out.append(call.visit)

    def _enqueued(self, fact: Applying, call: CallState) -> None:
        if call.visit is not None:  # moved to another queue without leaving this one: a transfer
            self._close_visit(fact, call, Result.TRANSFERRED, call.position, f"queue:{fact.record.queue}")
        call.caller_leg = fact.record.leg_id or call.caller_leg
        position = fact.integer("position")
        self._open_visit(fact, call, position)
        fact.log(fact.record.queue, "ENTERQUEUE", "", fact.text("caller") or call.row.caller_number, position,
                 call_id=call.row.call_id)

    def _announced(self, fact: Applying, call: CallState) -> None:
        if call.visit is not None and fact.integer("position") is not None:
            call.position = fact.integer("position")

    def _close_visit(self, fact: Applying, call: CallState, result: Result, position: int | None,
                     detail: str | None = None) -> SegmentRow:
        """End the open queue visit, or record a visit of no length for a call turned away at the door."""
        visit = call.visit
        if visit is None or visit.queue != fact.record.queue:
            visit = SegmentRow(call.row.call_id, f"queue:{fact.record.seq}", Kind.QUEUE, fact.at,
                               fact.record.queue, leg_id=fact.record.leg_id)
            position = None
        else:
            call.visit = None
        closed = replace(visit, left_at=fact.at, position_exit=position, result=result.value, detail=detail)
        fact.out.append(closed)
        return closed

    def _leave_line(self, fact: Applying, call: CallState, result: Result, outcome: Outcome | None) -> None:
        """The call leaves the queue unanswered: overflowed or refused (why, and where to)."""
        why = fact.text("why") or ""
        target = fact.text("target")
        detail = why if target is None else f"{why} -> {target}:{fact.text('destination') or ''}"
        position = first_known(fact.integer("position"), call.position)
        at_door = call.visit is None or call.visit.queue != fact.record.queue
        visit = self._close_visit(fact, call, result, position, detail)
        verb = (_DOOR_VERBS if at_door else _IN_LINE_VERBS).get(why)
        if verb is None:
            fact.log(fact.record.queue, "OVERFLOW", why, target or result.value, call_id=call.row.call_id)
        elif at_door:
            fact.log(fact.record.queue, verb, call_id=call.row.call_id)
        else:
            wait = first_known(fact.number("wait_s"), fact.at - visit.entered_at)
            fact.log(fact.record.queue, verb, position, visit.position_entry, whole_seconds(wait),
                     call_id=call.row.call_id)
        if outcome is not None:
            self._end(fact, call, outcome)

    def _overflowed(self, fact: Applying, call: CallState) -> None:
        voicemail = fact.text("target") == "voicemail"
        self._leave_line(fact, call, Result.OVERFLOWED, Outcome.VOICEMAIL if voicemail else None)

    def _refused(self, fact: Applying, call: CallState) -> None:
        self._leave_line(fact, call, Result.REFUSED, Outcome.REFUSED)

    def _abandoned(self, fact: Applying, call: CallState) -> None:
        position = first_known(fact.integer("position"), call.position)
        wait = fact.number("wait_s")
        if call.visit is not None and call.visit.queue == fact.record.queue:
            wait = first_known(wait, fact.at - call.visit.entered_at)
            self._close_visit(fact, call, Result.ABANDONED, position)
        for leg in list(call.offers.values()):
            self._close_leg(fact, call, leg, Result.CANCELLED, "caller hung up")
        fact.log(fact.record.queue, "ABANDON", position, call.entry_position, whole_seconds(wait),
                 call_id=call.row.call_id)
        self._end(fact, call, Outcome.ABANDONED)

    def _callback_requested(self, fact: Applying, call: CallState) -> None:
        # The caller hangs up and keeps their place: this visit is over, the call is not.
        if call.visit is None or call.visit.queue != fact.record.queue:
            return
        position = first_known(fact.integer("position"), call.position)
        visit = self._close_visit(fact, call, Result.CALLBACK, position, fact.text("number"))
        wait = first_known(fact.number("wait_s"), fact.at - visit.entered_at)
        fact.log(fact.record.queue, "EXITWITHKEY", "1", position, visit.position_entry, whole_seconds(wait),
                 call_id=call.row.call_id)
        call.caller_leg = None

    # -- agent legs -------------------------------------------------------------------------------------
    def _offered(self, fact: Applying, call: CallState) -> LegState:
        leg_id = fact.record.leg_id or f"seq-{fact.record.seq}"
        position = fact.integer("position")
        if call.visit is not None and position:
            call.position = position
        leg = LegState(SegmentRow(call.row.call_id, f"agent:{leg_id}", Kind.AGENT, fact.at, fact.record.queue,
                                  fact.record.agent_id, leg_id, position_entry=position))
        call.offers[leg_id] = leg
        fact.out.append(leg.row)
        return leg

    def _leg(self, fact: Applying, call: CallState) -> LegState:
        # An offer the records never saw open is opened now.
        return call.offers.get(fact.record.leg_id or "") or self._offered(fact, call)

    def _close_leg(self, fact: Applying, call: CallState, leg: LegState, result: str,
                   detail: str | None = None) -> None:
        call.offers.pop(leg.row.leg_id or "", None)
        ring = first_known(fact.number("ring_s"), fact.at - leg.row.entered_at)
        leg.row = replace(leg.row, left_at=fact.at, result=str(result), detail=detail, ring_s=ring)
        fact.out.append(leg.row)

    def _answer(self, fact: Applying, call: CallState, leg: LegState) -> None:
        call.offers.pop(leg.row.leg_id or "", None)
        ring = first_known(fact.number("ring_s"), fact.at - leg.row.entered_at)
        leg.row = replace(leg.row, result=Result.ANSWERED.value, hold_s=0.0, ring_s=ring)
        leg.connected_at, leg.orig_position = fact.at, call.entry_position
        fact.out.append(leg.row)
        call.talking = leg
        for other in list(call.offers.values()):  # ring-all: lost to this answer (if not already recorded)
            self._close_leg(fact, call, other, Result.CANCELLED, "answered elsewhere")
        if call.visit is not None:
            leg.wait_s = first_known(fact.number("wait_s"), fact.at - call.visit.entered_at)
            position = first_known(fact.integer("position"), leg.row.position_entry, call.position)
            self._close_visit(fact, call, Result.ANSWERED, position)
        else:
            leg.wait_s = fact.number("wait_s")

    def _connected(self, fact: Applying, call: CallState) -> None:
        leg = self._leg(fact, call)
        self._answer(fact, call, leg)
        fact.log(fact.record.queue, "CONNECT", whole_seconds(leg.wait_s), leg.row.leg_id,
                 whole_seconds(leg.row.ring_s), agent_id=fact.record.agent_id, call_id=call.row.call_id)

    def _missed(self, fact: Applying, call: CallState) -> None:
        leg = self._leg(fact, call)
        self._close_leg(fact, call, leg, fact.text("failure") or "no_answer")
        fact.log(fact.record.queue, "RINGNOANSWER", millis(leg.row.ring_s), agent_id=fact.record.agent_id,
                 call_id=call.row.call_id)

    def _offer_cancelled(self, fact: Applying, call: CallState) -> None:
        leg = self._leg(fact, call)
        self._close_leg(fact, call, leg, Result.CANCELLED, fact.text("why"))
        fact.log(fact.record.queue, "RINGCANCELED", millis(leg.row.ring_s), agent_id=fact.record.agent_id,
                 call_id=call.row.call_id)

    @staticmethod
    def _talking(call: CallState, leg_id: str | None) -> LegState | None:
        leg = call.talking
        return leg if leg is not None and (leg_id is None or leg.row.leg_id == leg_id) else None

    def _held(self, fact: Applying, call: CallState) -> None:
        leg = self._talking(call, fact.record.leg_id)
        if leg is not None and leg.held_since is None:
            leg.held_since = fact.at

    def _unheld(self, fact: Applying, call: CallState) -> None:
        leg = self._talking(call, fact.record.leg_id)
        if leg is not None and leg.held_since is not None:
            leg.hold_s += fact.at - leg.held_since
            leg.held_since = None
            leg.row = replace(leg.row, hold_s=leg.hold_s)
            fact.out.append(leg.row)

    def _hang_up(self, fact: Applying, call: CallState, leg: LegState, result: Result, detail: str | None) -> float:
        """The answered leg is over; returns its talk time (measured here for a leg connected before a
        restart: the ACD counts it from the restart)."""
        self._unheld(fact, call)
        talk = None if leg.restored else fact.number("talk_s")
        if talk is None:
            talk = fact.at - first_known(leg.connected_at, fact.at)
        leg.row = replace(leg.row, left_at=fact.at, result=result.value, detail=detail, talk_s=talk)
        fact.out.append(leg.row)
        call.talking = None
        if leg.row.agent_id is not None:
            self._wrapping[(call.row.call_id, leg.row.agent_id)] = leg.row
        return talk

    def _transferred(self, fact: Applying, call: CallState) -> None:
        leg = self._talking(call, fact.record.leg_id)
        to_queue, to_agent = fact.text("to_queue"), fact.text("to_agent")
        destination, context = (to_queue, "queue") if to_queue is not None else (to_agent, "agent")
        if leg is None:
            return
        talk = self._hang_up(fact, call, leg, Result.TRANSFERRED, f"{context}:{destination}")
        fact.log(fact.record.queue, "TRANSFER", destination, context, whole_seconds(leg.wait_s),
                 whole_seconds(talk), leg.orig_position, agent_id=fact.record.agent_id, call_id=call.row.call_id)

    def _completed(self, fact: Applying, call: CallState) -> None:
        leg = self._talking(call, fact.text("agent_leg"))
        by = fact.text("by") or "agent"
        if leg is not None:
            talk = self._hang_up(fact, call, leg, Result.COMPLETED, by)
            verb = "COMPLETECALLER" if by == "caller" else "COMPLETEAGENT"
            fact.log(fact.record.queue, verb, whole_seconds(leg.wait_s), whole_seconds(talk), leg.orig_position,
                     agent_id=fact.record.agent_id, call_id=call.row.call_id)
        self._end(fact, call, Outcome.COMPLETED)

    def _wrapped_up(self, fact: Applying) -> None:
        call_id, agent_id, wrapup = fact.record.call_id, fact.record.agent_id, fact.number("wrapup_s")
        if call_id is None or agent_id is None or wrapup is None:
            return
        leg = self._wrapping.pop((call_id, agent_id), None)
        fact.out.append(WrapUpRecorded(call_id, agent_id, wrapup) if leg is None else replace(leg, wrapup_s=wrapup))

    # -- callbacks --------------------------------------------------------------------------------------
    def _callback_dialed(self, fact: Applying, call: CallState) -> None:
        leg_id = fact.record.leg_id or f"seq-{fact.record.seq}"
        call.callback = SegmentRow(call.row.call_id, f"callback:{leg_id}", Kind.CALLBACK, fact.at,
                                   fact.record.queue, fact.record.agent_id, leg_id, detail=fact.text("number"))
        fact.out.append(call.callback)

    def _close_callback(self, fact: Applying, call: CallState, result: str) -> None:
        if call.callback is not None:
            closed = replace(call.callback, left_at=fact.at, result=str(result),
                             ring_s=fact.at - call.callback.entered_at)
            call.callback = None
            fact.out.append(closed)

    def _callback_answered(self, fact: Applying, call: CallState) -> None:
        call.caller_leg = fact.record.leg_id
        self._close_callback(fact, call, Result.ANSWERED)

    def _callback_not_reached(self, fact: Applying, call: CallState) -> None:
        self._close_callback(fact, call, fact.text("failure") or "no_answer")

    # -- agents -----------------------------------------------------------------------------------------
    def _status_changed(self, fact: Applying) -> None:
        agent_id = fact.record.agent_id
        status = fact.text("status")
        if agent_id is None or status is None:
            return
        before = self._status.get(agent_id, "logged_out")
        self._status[agent_id] = status
        verbs: list[tuple[str, str]] = []
        if before == "logged_out" and status != "logged_out":
            verbs.append(("ADDMEMBER", ""))
        if status == "on_break":
            verbs.append(("PAUSE", fact.text("reason") or ""))
        elif status == "available" and before == "on_break":
            verbs.append(("UNPAUSE", ""))
        elif status == "logged_out" and before != "logged_out":
            verbs.append(("REMOVEMEMBER", ""))
        queues: Sequence[str | None] = self._memberships.get(agent_id) or [None]
        for queue in queues:
            for verb, data in verbs:
                fact.log(queue, verb, data, agent_id=agent_id)

    # -- restarts ---------------------------------------------------------------------------------------
    def resumed(self, last_seen: float) -> None:
        """The stored events have been replayed into this projection: the calls open now were open when the
        previous run stored its last event, at `last_seen`. Those the PBX no longer holds when the engine
        first hears from it again (AriResynced) ended while nobody watched, and are closed as of then."""
        self._unconfirmed = set(self._calls)
        self._last_seen = last_seen

    def _resynced(self, fact: Applying) -> None:
        channels: Any = fact.record.body.get("channels")
        held = {c.get("id") for c in channels if isinstance(c, dict)} if isinstance(channels, list) else set()
        for call_id in sorted(self._unconfirmed):
            call = self._calls[call_id]
            legs = {call.caller_leg, *call.offers, call.talking.row.leg_id if call.talking else None}
            if not legs & held:
                self._vanished(replace(fact, when=self._last_seen), call)
        self._unconfirmed.clear()  # later resyncs are reconnects: the ACD reports what ended in the gap

    def _vanished(self, fact: Applying, call: CallState) -> None:
        outcome = Outcome.LOST
        if call.talking is not None:
            self._hang_up(fact, call, call.talking, Result.COMPLETED, VANISHED)
            outcome = Outcome.COMPLETED
        if call.visit is not None:
            fact.out.append(replace(call.visit, left_at=fact.at, position_exit=call.position,
                                    result=Result.ABANDONED.value, detail=VANISHED))
            call.visit, outcome = None, Outcome.ABANDONED
        self._end(fact, call, outcome)

    def _restored(self, fact: Applying, call: CallState) -> None:
        """A call a restarted engine found on the PBX: connected with `agent_leg`, or waiting in line."""
        agent_leg = fact.text("agent_leg")
        talking = call.talking
        if fact.text("phase") == "connected" and agent_leg is not None:
            if talking is not None and talking.row.leg_id == agent_leg:
                talking.restored = True  # still the conversation it was before the restart
                return
            answered = call.offers.get(agent_leg)  # answered while the engine was down
            if talking is not None:
                self._hang_up(replace(fact, when=self._last_seen), call, talking, Result.COMPLETED, VANISHED)
            self._answer(fact, call, answered or self._offered(replace(fact, record=replace(
                fact.record, leg_id=agent_leg)), call))
        else:
            if talking is not None:  # the agent's leg is gone: the caller is back in line
                self._hang_up(replace(fact, when=self._last_seen), call, talking, Result.COMPLETED, VANISHED)
            if call.visit is None:
                self._open_visit(fact, call, fact.integer("position"))
            else:
                call.position = first_known(fact.integer("position"), call.position)
        for leg in list(call.offers.values()):
            self._close_leg(fact, call, leg, Result.CANCELLED, RESTARTED)
