"""The ACD runtime: feeds the pure ACD from the PBX and the API, and carries out what it decides.

Ordering: PBX events arrive through the adapters' synchronous callbacks in wire order, agent requests from
the HTTP API run on the same loop, timers fire from one task; each is turned into ACD events and handled
at once (`Acd.handle` is synchronous), so the ACD sees one total order, the same as the event stream's.
The commands that need the PBX go to lanes (lanes.py): in order within a call (an answer before the music, a
bridge before its channels are added), calls side by side, and each agent originate on a lane of its own so
the phone rings without waiting for the caller's answer; the facts go to the event stream as produced.

A new caller (`Stasis(app,inbound,<number>)`) gets a call id, is answered, has its call id, queue, priority
and enqueue time set as channel variables (so a restarted engine can rebuild the queues from the channels
the app still holds), and is enqueued on the queue its number is bound to.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from engine.adapters.ari import AriClient
from engine.adapters.ari.errors import AriError, AriNotFound, EndpointUnavailable, ResourceGone
from engine.center_config import CenterConfig
from engine.clock import RuntimeClock
from engine.core import facts
from engine.core.acd import (
    Acd,
    AcdCommand,
    AcdEvent,
    AgentLegFailed,
    AgentRequested,
    AgentStatusRestored,
    Announce,
    BridgeLegs,
    CallbackLegFailed,
    CallEnqueued,
    CancelTimer,
    ContactObserved,
    DialCallback,
    HangUpLeg,
    LegFailure,
    LegHungUp,
    OriginateAgentLeg,
    SendToVoicemail,
    StartMusic,
    StartTimer,
    StopMusic,
    TearDownBridge,
    TimerFired,
    TransferRefused,
    TransferRequested,
    UnknownAgent,
)
from engine.core.agent_fsm import AgentStatus, IllegalTransition, StatusTrigger
from engine.core.agent_stats import AgentStats
from engine.core.calls import CallBook, LegRole, LegStage, RandomIds
from engine.core.fact_registry import is_fact
from engine.core.ids import AgentId, CallId, QueueName
from engine.core.stats import QueueStats
from engine.edge.restore_plan import needs_variables, plan_restore
from engine.edge.stasis import agent_leg_args, callback_leg_args
from engine.edge.translate import (
    FeatureCode,
    NewCaller,
    PbxTranslator,
    StrayChannel,
    TransferAsked,
    from_ami,
    inbound_kinds,
)
from engine.pbx import ari_commands as cmd
from engine.pbx.ami_events import AmiStreamItem
from engine.pbx.ari_events import AriEvent, AriResynced
from engine.routing import views
from engine.routing.announcements import announcement_media
from engine.routing.fallback_queue import fallback_continue
from engine.routing.lanes import Lanes
from engine.routing.restore import read_call_variables
from engine.routing.timers import Key, Timers
from engine.runtime import EventStream

log = logging.getLogger(__name__)

VOICEMAIL_CONTEXT = "callhive-voicemail"
FEATURE_TRIGGERS = {"ready": StatusTrigger.READY, "break": StatusTrigger.BREAK, "logout": StatusTrigger.LOGOUT,
                    "login": StatusTrigger.LOGIN}


class AcdRuntime:
    def __init__(self, center: CenterConfig, app: str, clock: RuntimeClock, stream: EventStream,
                 ari: AriClient, timezone: str = "UTC", *, login_when_reachable: bool = False,
                 restored_statuses: Sequence[AgentStatusRestored] = (), history: Sequence[facts.Stamped] = ()) -> None:
        self.center = center
        self.book = CallBook(RandomIds())
        self.acd = Acd(list(center.queues), list(center.agents), timezone, self.book)
        self._translator = PbxTranslator(self.book, inbound_kinds())
        self._app = app
        self._clock = clock
        self._stream = stream
        self._ari = ari
        self._timers = Timers(clock, self._timer_fired)
        self._lanes = Lanes()
        self._effects: dict[type[Any], Callable[[Any], None]] = {
            StartTimer: lambda c: self._timers.start(c.key, c.due),
            CancelTimer: lambda c: self._timers.cancel(c.key),
            OriginateAgentLeg: self._offer_leg, HangUpLeg: self._hang_up, StopMusic: self._stop_music,
            StartMusic: self._start_music, Announce: self._announce, DialCallback: self._dial_back_leg,
            BridgeLegs: self._bridge, TearDownBridge: self._tear_down, SendToVoicemail: self._to_voicemail,
        }
        self._agent_by_endpoint = {a.endpoint: a.agent_id for a in center.agents}
        self._default_queue = center.queues[0].name if center.queues else None
        # The demo's simulated agents have nobody to log them in: they log in once their phone is reachable.
        self._login_when_reachable = login_when_reachable
        # True while new callers must go to the dialplan's fallback queue (the event writer is full: app.py).
        self.divert_new_callers: Callable[[], bool] = lambda: False
        self.stats = QueueStats(timezone, {q.name: q.service_level_s for q in center.queues})
        self.agent_stats = AgentStats(timezone)
        # A restarted engine's figures for today go on from the facts already recorded today.
        self.stats.feed(history)
        self.agent_stats.feed(history)
        if history:
            self.agent_stats.resume(history[-1].at, clock.now())
            self.stats.restarted()
            for agent_id, agent in self.acd.agents.items():  # "least calls today" goes on counting too
                agent.calls_today = self.agent_stats.today(agent_id, clock.now()).handled
                agent.calls_day = self.acd.day_of(clock.now())
        for status in restored_statuses:  # a restarted engine: agents stay logged in or on break as they were
            self.apply(status)

    # --- inputs (synchronous, on the loop) -----------------------------------------------------------
    def on_ari(self, event: AriEvent) -> None:
        if isinstance(event, AriResynced):
            self._resynced(event)
            return
        for meaning in self._translator.from_ari(event):
            if isinstance(meaning, NewCaller):
                self._new_caller(meaning)
            elif isinstance(meaning, FeatureCode):
                self._feature_code(meaning)
            elif isinstance(meaning, TransferAsked):
                self._transfer_key(meaning)
            elif isinstance(meaning, StrayChannel):
                log.warning("hanging up a channel no call explains", extra={"fields": {
                    "leg_id": meaning.channel_id, "args": list(meaning.args)}})
                self._queue_request(meaning.channel_id, cmd.HangupChannel(channel_id=meaning.channel_id))
            else:
                self.apply(meaning)

    def on_ami(self, event: AmiStreamItem) -> None:
        for meaning in from_ami(event):
            self.apply(meaning)
            if self._login_when_reachable and isinstance(meaning, ContactObserved) and meaning.reachable:
                agent_id = self._agent_by_endpoint.get(meaning.endpoint)
                if agent_id is not None and self.acd.agents[agent_id].presence.status is AgentStatus.LOGGED_OUT:
                    self.request(agent_id, StatusTrigger.LOGIN)

    def request(self, agent_id: str, trigger: StatusTrigger, reason: str | None = None) -> None:
        """An agent action from the API or CLI; raises ValueError or IllegalTransition with a clear message."""
        self.apply(AgentRequested(AgentId(agent_id), trigger, reason))

    def transfer(self, call_id: str, *, to_queue: str | None = None, to_agent: str | None = None) -> None:
        """Hand a connected call to a queue or a free agent; raises TransferRefused or UnknownAgent."""
        self.apply(TransferRequested(CallId(call_id), None if to_queue is None else QueueName(to_queue),
                                   None if to_agent is None else AgentId(to_agent)))

    def apply(self, event: AcdEvent) -> None:
        for command in self.acd.handle(event, self._clock.now()):
            self._carry_out(command)

    # --- views for the API ---------------------------------------------------------------------------
    def agent_view(self, agent_id: str) -> dict[str, object]:
        return views.agent_view(self.acd, self.agent_stats, agent_id, self._clock.now())

    def agents_view(self) -> list[dict[str, object]]:
        now = self._clock.now()
        return [views.agent_view(self.acd, self.agent_stats, agent_id, now) for agent_id in self.acd.agents]

    def queues_view(self) -> list[dict[str, object]]:
        return views.queues_view(self.acd, self.stats, self._clock.now())

    def calls_view(self) -> list[dict[str, object]]:
        return views.calls_view(self.acd, self._clock.now())

    def _new_caller(self, caller: NewCaller) -> None:
        if self.divert_new_callers():  # let the caller go, unanswered, to the fallback queue (fallback_queue.py)
            self._queue_request(caller.channel_id, fallback_continue(caller.channel_id, caller.number))
            return
        binding = self.center.numbers.get(caller.number)
        queue = binding.queue if binding is not None else self._default_queue
        if queue is None:
            self._queue_request(caller.channel_id, cmd.HangupChannel(channel_id=caller.channel_id))
            return
        if binding is None:
            log.warning("number has no binding; using the first queue", extra={"fields": {
                "number": caller.number, "queue": queue}})
        now = self._clock.now()
        call_id = self.book.open_call(now)
        self.book.add_leg(call_id, LegRole.CALLER, LegStage.UP, leg_id=caller.channel_id)
        self._record(facts.CallStarted(call_id, caller.channel_id, QueueName(queue), caller.number,
                                       caller.caller_number, caller.caller_name))
        self._queue_request(call_id, cmd.AnswerChannel(channel_id=caller.channel_id))
        priority = binding.priority if binding is not None else 0
        self.apply(CallEnqueued(call_id, caller.channel_id, QueueName(queue), priority,
                                binding.skills if binding is not None else (), caller.caller_number,
                                caller.caller_name, now))
        # After the music and the first offer: these only serve a restarted engine, nothing waits on them.
        for name, value in (("CALLHIVE_CALL", call_id), ("CALLHIVE_QUEUE", queue),
                            ("CALLHIVE_PRIORITY", str(priority)), ("CALLHIVE_ENQUEUED", f"{now:.3f}")):
            self._queue_request(call_id, cmd.SetChannelVariable(
                channel_id=caller.channel_id, variable=name, value=value))

    # --- after each ARI (re)connect: reconcile with what the app holds (engine/edge/restore_plan.py) -------
    def _resynced(self, snapshot: AriResynced) -> None:
        held = {channel.id for channel in snapshot.channels}
        # At once, before any later event: legs followed that vanished in the gap hung up then.
        for leg in sorted(leg.leg_id for leg in self.book if leg.stage is LegStage.UP and leg.leg_id not in held):
            self.apply(LegHungUp(leg))
        self._lanes.submit("restore", lambda: self._restore(snapshot))

    async def _restore(self, snapshot: AriResynced) -> None:
        unknown = [c for c in snapshot.channels if c.id not in self.book and needs_variables(c, self._app)]
        variables = await read_call_variables(self._ari, [c.id for c in unknown])
        plan = plan_restore(self._app, snapshot.channels, snapshot.bridges, variables,
                            {leg.leg_id for leg in self.book})
        for call in plan.restored:
            self.apply(call)
        for caller in plan.new_callers:
            self._new_caller(caller)
        for channel_id in plan.hang_up:
            self._queue_request(channel_id, cmd.HangupChannel(channel_id=channel_id))
        for bridge_id in plan.destroy_bridges:
            self._queue_request(bridge_id, cmd.DestroyBridge(bridge_id=bridge_id))
        if plan.restored or plan.new_callers or plan.hang_up or plan.destroy_bridges:
            self._record(facts.AcdRestored(
                waiting=sum(1 for c in plan.restored if c.agent_leg is None),
                connected=sum(1 for c in plan.restored if c.agent_leg is not None),
                new_callers=len(plan.new_callers), hung_up=tuple(plan.hang_up),
                bridges_destroyed=tuple(plan.destroy_bridges)))

    def _feature_code(self, code: FeatureCode) -> None:
        agent_id = self._agent_by_endpoint.get(code.endpoint if "/" in code.endpoint else f"PJSIP/{code.endpoint}")
        trigger = FEATURE_TRIGGERS.get(code.code)
        if agent_id is not None and trigger is not None:
            try:
                self.request(agent_id, trigger, "feature code" if trigger is StatusTrigger.BREAK else None)
            except (ValueError, IllegalTransition) as exc:
                log.info("feature code refused: %s", exc)
        self._queue_request(code.channel_id, cmd.HangupChannel(channel_id=code.channel_id))

    def _transfer_key(self, asked: TransferAsked) -> None:
        """The softphone's transfer key: a queue's number or an agent's id; anything else is refused and
        the call goes on as it was (Asterisk left it alone: ari-only)."""
        call_id = self.book.call_of(asked.leg_id)
        binding = self.center.numbers.get(asked.destination)
        to_queue = binding.queue if binding is not None else None
        to_agent = asked.destination if binding is None and asked.destination in self.acd.agents else None
        if call_id is None or (to_queue is None and to_agent is None):
            log.info("transfer key to %r ignored: not a queue number or an agent", asked.destination)
            return
        try:
            self.transfer(call_id, to_queue=to_queue, to_agent=to_agent)
        except (TransferRefused, UnknownAgent) as exc:
            log.info("transfer key refused: %s", exc)

    # --- outputs: facts to the stream and the statistics, commands to their effect -----------------------
    def _carry_out(self, command: AcdCommand) -> None:
        if is_fact(command):
            self._record(command)  # type: ignore[arg-type]
        else:
            self._effects[type(command)](command)

    def _record(self, fact: facts.Fact) -> None:
        record = self._stream.publish_fact(fact)
        stamped = (facts.Stamped(record.seq, record.received_at, fact),)
        self.stats.feed(stamped)
        self.agent_stats.feed(stamped)

    def _lane_of(self, leg_id: str) -> str:
        """Requests about a call go out in order on its lane; a leg the book no longer has, on its own."""
        return self.book.call_of(leg_id) or leg_id

    def _offer_leg(self, command: OriginateAgentLeg) -> None:
        # Its own lane: the agent's phone starts ringing without waiting for the caller's answer or music.
        self._lanes.submit(command.leg_id, lambda: self._originate(command))

    def _hang_up(self, command: HangUpLeg) -> None:
        self._queue_request(self._lane_of(command.leg_id), cmd.HangupChannel(channel_id=command.leg_id))

    def _stop_music(self, command: StopMusic) -> None:
        self._queue_request(self._lane_of(command.leg_id), cmd.StopChannelMoh(channel_id=command.leg_id))

    def _start_music(self, command: StartMusic) -> None:
        self._queue_request(self._lane_of(command.leg_id), cmd.StartChannelMoh(
            channel_id=command.leg_id, moh_class=command.moh_class))

    def _dial_back_leg(self, command: DialCallback) -> None:
        self._lanes.submit(command.leg_id, lambda: self._dial_back(command))

    def _bridge(self, command: BridgeLegs) -> None:
        if command.stop_playback is not None:  # an announcement would go on playing into the conversation
            self._queue_request(command.call_id, cmd.StopPlayback(playback_id=command.stop_playback))
        self._queue_request(command.call_id, cmd.StopChannelMoh(channel_id=command.caller_leg))
        self._queue_request(command.call_id, cmd.CreateBridge(bridge_id=command.bridge_id, name=command.call_id))
        self._queue_request(command.call_id, cmd.AddChannelToBridge(
            bridge_id=command.bridge_id, channel=(command.caller_leg, command.agent_leg)))

    def _tear_down(self, command: TearDownBridge) -> None:
        self._queue_request(command.call_id, cmd.DestroyBridge(bridge_id=command.bridge_id))

    def _to_voicemail(self, command: SendToVoicemail) -> None:
        box = command.mailbox.split("@", 1)[0]
        self._queue_request(command.call_id, cmd.StopChannelMoh(channel_id=command.caller_leg))
        self._queue_request(command.call_id, cmd.ContinueInDialplan(
            channel_id=command.caller_leg, context=VOICEMAIL_CONTEXT, extension=box, priority=1))

    def _announce(self, command: Announce) -> None:
        media = announcement_media(command.position, command.estimated_wait_s, command.offer_callback)
        self._queue_request(command.call_id, cmd.PlayOnChannel(
            channel_id=command.leg_id, media=media, playback_id=command.playback_id))

    def _queue_request(self, lane: str, request: cmd.AriCommand[Any]) -> None:
        self._lanes.submit(lane, lambda: self._send(request))

    async def _send(self, request: cmd.AriCommand[Any]) -> None:
        try:
            await self._ari.send(request)
        except ResourceGone:
            pass  # the client has put ChannelGone/BridgeGone on the stream; the ACD learns it from there
        except AriNotFound as exc:
            if not isinstance(request, cmd.StopPlayback):  # an announcement that ended on its own meanwhile
                log.warning("ARI %s failed: %s", type(request).__name__, exc)
        except AriError as exc:
            log.warning("ARI %s failed: %s", type(request).__name__, exc)

    async def _originate(self, leg: OriginateAgentLeg) -> None:
        caller_id = f'"{leg.caller_name}" <{leg.caller_number}>' if leg.caller_number else None
        request = cmd.OriginateChannel(
            endpoint=leg.endpoint, app=self._app, app_args=agent_leg_args(leg.call_id, leg.leg_id, leg.agent_id),
            channel_id=leg.leg_id, caller_id=caller_id, timeout=max(1, round(leg.timeout_s)),
            # The softphone's transfer key comes to the engine as ChannelTransfer instead of being carried out.
            variables={"CALLHIVE_CALL": leg.call_id, "CALLHIVE_QUEUE": leg.queue,
                       "PJSIP_TRANSFER_HANDLING()": "ari-only"},
        )
        await self._send_originate(request, lambda failure: AgentLegFailed(leg.leg_id, failure))

    async def _dial_back(self, leg: DialCallback) -> None:
        request = cmd.OriginateChannel(
            endpoint=self.center.callback_endpoint.format(number=leg.number), app=self._app,
            app_args=callback_leg_args(leg.call_id, leg.leg_id), channel_id=leg.leg_id,
            timeout=max(1, round(leg.timeout_s)),
            variables={"CALLHIVE_CALL": leg.call_id, "CALLHIVE_QUEUE": leg.queue},
        )
        await self._send_originate(request, lambda failure: CallbackLegFailed(leg.leg_id, failure))

    async def _send_originate(self, request: cmd.OriginateChannel, failed: Callable[[LegFailure], AcdEvent]) -> None:
        """An originate's failure is the leg's: a 500 "Allocation failed" means no registered contact."""
        try:
            await self._ari.send(request)
        except EndpointUnavailable:
            self.apply(failed(LegFailure.NO_CONTACT))
        except ResourceGone:
            self.apply(failed(LegFailure.NO_ANSWER))
        except AriError as exc:
            log.warning("originate to %s failed: %s", request.endpoint, exc)
            self.apply(failed(LegFailure.CONGESTION))

    def _timer_fired(self, key: Key) -> None:
        self.apply(TimerFired(key))

    async def run(self) -> None:
        """Carry out PBX requests until `close()`: in order within a call, calls side by side."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._timers.run(), name="acd-timers")
            await self._lanes.run()
            self._timers.close()

    def close(self) -> None:
        """Stop once the requests already queued are done (they may still reach a PBX that is going away)."""
        self._lanes.close()
