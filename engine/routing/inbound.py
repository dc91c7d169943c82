"""What the inbound ACD does with channels entering the app that are not yet part of a call (engine/edge/
translate.py's meanings): a new caller, an agent's feature code, a softphone's transfer key, a stray.

A new caller (`Stasis(app,inbound,<number>)`) is opened as a call in the book, answered, enqueued on the queue
its number is bound to, and given its call id, queue, priority and enqueue time as channel variables, so a
restarted engine can rebuild the queues from the channels the app still holds. While the event writer is full,
new callers are let go, unanswered, to the dialplan's fallback queue instead (fallback_queue.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from engine.center_config import CenterConfig
from engine.clock import RuntimeClock
from engine.core import facts
from engine.core.acd import AcdEvent, CallEnqueued, TransferRefused, UnknownAgent
from engine.core.agent_fsm import IllegalTransition, StatusTrigger
from engine.core.calls import CallBook, LegRole, LegStage
from engine.core.ids import QueueName
from engine.edge.translate import FeatureCode, NewCaller, StrayChannel, TransferAsked
from engine.pbx import ari_commands as cmd
from engine.routing.fallback_queue import fallback_continue
from engine.routing.pbx_requests import PbxRequests

log = logging.getLogger(__name__)

FEATURE_TRIGGERS = {"ready": StatusTrigger.READY, "break": StatusTrigger.BREAK, "logout": StatusTrigger.LOGOUT,
                    "login": StatusTrigger.LOGIN}


class Inbound:
    def __init__(self, center: CenterConfig, book: CallBook, requests: PbxRequests, clock: RuntimeClock, *,
                 record: Callable[[facts.Fact], None], apply: Callable[[AcdEvent], None],
                 request: Callable[[str, StatusTrigger, str | None], None],
                 transfer: Callable[[str, str | None, str | None], None]) -> None:
        self._center = center
        self._book = book
        self._requests = requests
        self._clock = clock
        self._record = record
        self._apply = apply
        self._request = request
        self._transfer = transfer
        self._agent_by_endpoint = {a.endpoint: a.agent_id for a in center.agents}
        self._agents = {a.agent_id for a in center.agents}
        self._default_queue = center.queues[0].name if center.queues else None
        # True while new callers must go to the dialplan's fallback queue (the event writer is full: app.py).
        self.divert_new_callers: Callable[[], bool] = lambda: False

    def new_caller(self, caller: NewCaller) -> None:
        if self.divert_new_callers():  # let the caller go, unanswered, to the fallback queue (fallback_queue.py)
            self._requests.send(caller.channel_id, fallback_continue(caller.channel_id, caller.number))
            return
        binding = self._center.numbers.get(caller.number)
        queue = binding.queue if binding is not None else self._default_queue
        if queue is None:
            self._requests.send(caller.channel_id, cmd.HangupChannel(channel_id=caller.channel_id))
            return
        if binding is None:
            log.warning("number has no binding; using the first queue", extra={"fields": {
                "number": caller.number, "queue": queue}})
        now = self._clock.now()
        call_id = self._book.open_call(now)
        self._book.add_leg(call_id, LegRole.CALLER, LegStage.UP, leg_id=caller.channel_id)
        self._record(facts.CallStarted(call_id, caller.channel_id, QueueName(queue), caller.number,
                                       caller.caller_number, caller.caller_name))
        self._requests.send(call_id, cmd.AnswerChannel(channel_id=caller.channel_id))
        priority = binding.priority if binding is not None else 0
        self._apply(CallEnqueued(call_id, caller.channel_id, QueueName(queue), priority,
                                 binding.skills if binding is not None else (), caller.caller_number,
                                 caller.caller_name, now))
        # After the music and the first offer: these only serve a restarted engine, nothing waits on them.
        for name, value in (("CALLHIVE_CALL", call_id), ("CALLHIVE_QUEUE", queue),
                            ("CALLHIVE_PRIORITY", str(priority)), ("CALLHIVE_ENQUEUED", f"{now:.3f}")):
            self._requests.send(call_id, cmd.SetChannelVariable(
                channel_id=caller.channel_id, variable=name, value=value))

    def feature_code(self, code: FeatureCode) -> None:
        agent_id = self._agent_by_endpoint.get(code.endpoint if "/" in code.endpoint else f"PJSIP/{code.endpoint}")
        trigger = FEATURE_TRIGGERS.get(code.code)
        if agent_id is not None and trigger is not None:
            try:
                self._request(agent_id, trigger, "feature code" if trigger is StatusTrigger.BREAK else None)
            except (ValueError, IllegalTransition) as exc:
                log.info("feature code refused: %s", exc)
        self._requests.send(code.channel_id, cmd.HangupChannel(channel_id=code.channel_id))

    def transfer_key(self, asked: TransferAsked) -> None:
        """The softphone's transfer key: a queue's number or an agent's id; anything else is refused and
        the call goes on as it was (Asterisk left it alone: ari-only)."""
        call_id = self._book.call_of(asked.leg_id)
        binding = self._center.numbers.get(asked.destination)
        to_queue = binding.queue if binding is not None else None
        to_agent = asked.destination if binding is None and asked.destination in self._agents else None
        if call_id is None or (to_queue is None and to_agent is None):
            log.info("transfer key to %r ignored: not a queue number or an agent", asked.destination)
            return
        try:
            self._transfer(call_id, to_queue, to_agent)
        except (TransferRefused, UnknownAgent) as exc:
            log.info("transfer key refused: %s", exc)

    def stray(self, stray: StrayChannel) -> None:
        log.warning("hanging up a channel no call explains", extra={"fields": {
            "leg_id": stray.channel_id, "args": list(stray.args)}})
        self._requests.send(stray.channel_id, cmd.HangupChannel(channel_id=stray.channel_id))
