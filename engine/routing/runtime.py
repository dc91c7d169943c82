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
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from engine.adapters.ari import AriClient
from engine.adapters.ari.errors import AriError, AriNotFound, EndpointUnavailable, ResourceGone
from engine.center_config import CenterConfig
from engine.clock import RuntimeClock
from engine.core.acd import (
    Acd,
    AcdCommand,
    AcdEvent,
    AgentLegAnswered,
    AgentLegFailed,
    AgentRequested,
    AgentStatusRestored,
    Announce,
    AnnouncementEnded,
    BridgeLegs,
    CallbackAnswered,
    CallbackFailed,
    CallEnqueued,
    CancelTimer,
    ContactObserved,
    DialCallback,
    Fact,
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
from engine.core.acd.from_pbx import (
    FeatureCode,
    LegBook,
    NewCaller,
    StrayChannel,
    TransferAsked,
    agent_leg_args,
    callback_leg_args,
    from_ami,
    from_ari,
)
from engine.core.acd.restore import needs_variables, plan_restore
from engine.core.agent_fsm import AgentStatus, IllegalTransition, StatusTrigger
from engine.core.agent_stats import AgentStats
from engine.core.event_record import EventSource
from engine.core.stats import FactRecord, QueueStats
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
# Facts after which the ACD knows the call no more (an overflow to voicemail ends it too).
CALL_ENDS = {"CallCompleted", "CallerAbandoned", "CallRefused", "CallbackGivenUp"}
FEATURE_TRIGGERS = {"ready": StatusTrigger.READY, "break": StatusTrigger.BREAK, "logout": StatusTrigger.LOGOUT,
                    "login": StatusTrigger.LOGIN}


class AcdRuntime:
    def __init__(self, center: CenterConfig, app: str, clock: RuntimeClock, stream: EventStream,
                 ari: AriClient, timezone: str = "UTC", *, login_when_reachable: bool = False,
                 restored_statuses: Sequence[AgentStatusRestored] = (), history: Sequence[FactRecord] = ()) -> None:
        self.center = center
        self.acd = Acd(list(center.queues), list(center.agents), timezone)
        self._app = app
        self._clock = clock
        self._stream = stream
        self._ari = ari
        self._timers = Timers(clock, self._timer_fired)
        self._lanes = Lanes()
        self._call_of_leg: dict[str, str] = {}  # caller and agent legs -> call, to pick a request's lane
        self._legs_of_call: dict[str, list[str]] = {}
        self._legs = LegBook()
        self._announcements_made = 0
        self._calls_made = 0
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
        for meaning in from_ari(event, self._legs):
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
        self.apply(AgentRequested(agent_id, trigger, reason))

    def transfer(self, call_id: str, *, to_queue: str | None = None, to_agent: str | None = None) -> None:
        """Hand a connected call to a queue or a free agent; raises TransferRefused or UnknownAgent."""
        self.apply(TransferRequested(call_id, to_queue, to_agent))

    def apply(self, event: AcdEvent) -> None:
        self._track(event)
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

    # --- bookkeeping of the legs the translation needs ------------------------------------------------
    def _track(self, event: AcdEvent) -> None:
        legs = self._legs
        if isinstance(event, AgentLegAnswered):
            legs.offered.discard(event.leg_id)
            legs.answered.add(event.leg_id)
            legs.agents.add(event.leg_id)
        elif isinstance(event, AgentLegFailed):
            legs.offered.discard(event.leg_id)
        elif isinstance(event, CallbackAnswered):
            legs.dialing.discard(event.leg_id)
            legs.answered.add(event.leg_id)
        elif isinstance(event, CallbackFailed):
            legs.dialing.discard(event.leg_id)
        elif isinstance(event, LegHungUp):
            legs.answered.discard(event.leg_id)
            legs.agents.discard(event.leg_id)
            legs.announcements.pop(event.leg_id, None)
        elif isinstance(event, AnnouncementEnded):
            legs.announcements.pop(event.leg_id, None)

    def _new_caller(self, caller: NewCaller) -> None:
        if self.divert_new_callers():  # let the caller go, unanswered, to the fallback queue (fallback_queue.py)
            self._queue_request(caller.channel_id, fallback_continue(caller.channel_id, caller.number))
            return
        binding = self.center.numbers.get(caller.number)
        queue = binding.queue if binding is not None else self._default_queue
        now = self._clock.now()
        call_id = self._new_call_id(now)
        if queue is None:
            self._queue_request(caller.channel_id, cmd.HangupChannel(channel_id=caller.channel_id))
            return
        if binding is None:
            log.warning("number has no binding; using the first queue", extra={"fields": {
                "number": caller.number, "queue": queue}})
        self._legs.answered.add(caller.channel_id)
        self._remember_leg(call_id, caller.channel_id)
        self._stream.publish(EventSource.ENGINE, "CallStarted", call_id=call_id, leg_id=caller.channel_id,
                             queue=queue, body={"number": caller.number, "caller": caller.caller_number,
                                                "caller_name": caller.caller_name})
        self._queue_request(call_id, cmd.AnswerChannel(channel_id=caller.channel_id))
        priority = binding.priority if binding is not None else 0
        self.apply(CallEnqueued(call_id, caller.channel_id, queue, priority,
                                binding.skills if binding is not None else (), caller.caller_number,
                                caller.caller_name, now))
        # After the music and the first offer: these only serve a restarted engine, nothing waits on them.
        for name, value in (("CALLHIVE_CALL", call_id), ("CALLHIVE_QUEUE", queue),
                            ("CALLHIVE_PRIORITY", str(priority)), ("CALLHIVE_ENQUEUED", f"{now:.3f}")):
            self._queue_request(call_id, cmd.SetChannelVariable(
                channel_id=caller.channel_id, variable=name, value=value))

    # --- after each ARI (re)connect: reconcile with what the app holds (engine/core/acd/restore.py) ---------
    def _resynced(self, snapshot: AriResynced) -> None:
        held = {channel.id for channel in snapshot.channels}
        # At once, before any later event: legs followed that vanished in the gap hung up then.
        for leg in sorted(self._legs.answered - held):
            self.apply(LegHungUp(leg))
        self._lanes.submit("restore", lambda: self._restore(snapshot))

    async def _restore(self, snapshot: AriResynced) -> None:
        unknown = [c for c in snapshot.channels if c.id not in self._call_of_leg and needs_variables(c, self._app)]
        variables = await read_call_variables(self._ari, [c.id for c in unknown])
        legs = self._legs
        plan = plan_restore(self._app, snapshot.channels, snapshot.bridges, variables,
                            set(self._call_of_leg) | legs.offered | legs.dialing)
        for call in plan.restored:
            legs.answered.add(call.caller_leg)
            self._remember_leg(call.call_id, call.caller_leg)
            if call.agent_leg is not None:
                legs.answered.add(call.agent_leg)
                legs.agents.add(call.agent_leg)
                self._remember_leg(call.call_id, call.agent_leg)
            self.apply(call)
        for caller in plan.new_callers:
            self._new_caller(caller)
        for channel_id in plan.hang_up:
            self._queue_request(channel_id, cmd.HangupChannel(channel_id=channel_id))
        for bridge_id in plan.destroy_bridges:
            self._queue_request(bridge_id, cmd.DestroyBridge(bridge_id=bridge_id))
        if plan.restored or plan.new_callers or plan.hang_up or plan.destroy_bridges:
            self._stream.publish(EventSource.ENGINE, "AcdRestored", body={
                "waiting": sum(1 for c in plan.restored if c.agent_leg is None),
                "connected": sum(1 for c in plan.restored if c.agent_leg is not None),
                "new_callers": len(plan.new_callers), "hung_up": plan.hang_up,
                "bridges_destroyed": plan.destroy_bridges})

    def _new_call_id(self, now: float) -> str:
        """Ids sort in order of arrival (time, then a counter: callers who arrive in the same millisecond are
        ordered by id in line), and never repeat across restarts (a random tail)."""
        self._calls_made += 1
        return f"call-{int(now * 1000):011x}-{self._calls_made:05x}{uuid.uuid4().hex[:4]}"

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
        call_id = self._call_of_leg.get(asked.leg_id)
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

    # --- outputs ------------------------------------------------------------------------------------
    def _carry_out(self, command: AcdCommand) -> None:
        if isinstance(command, Fact):
            record = self._stream.publish(EventSource.ENGINE, command.kind, call_id=command.call_id,
                                          agent_id=command.agent_id, queue=command.queue, leg_id=command.leg_id,
                                          body=command.data)
            fact = [FactRecord(record.seq, record.received_at, command.kind, command.call_id, command.queue,
                               command.agent_id, command.data)]
            self.stats.feed(fact)
            self.agent_stats.feed(fact)
            if command.kind in CALL_ENDS and command.call_id is not None:
                self._forget_call(command.call_id)
        elif isinstance(command, StartTimer):
            self._timers.start(command.key, command.due)
        elif isinstance(command, CancelTimer):
            self._timers.cancel(command.key)
        elif isinstance(command, OriginateAgentLeg):
            self._legs.offered.add(command.leg_id)
            self._remember_leg(command.call_id, command.leg_id)
            # Its own lane: the agent's phone starts ringing without waiting for the caller's answer or music.
            self._lanes.submit(command.leg_id, lambda: self._originate(command))
        elif isinstance(command, HangUpLeg):
            lane = self._call_of_leg.get(command.leg_id, command.leg_id)
            self._queue_request(lane, cmd.HangupChannel(channel_id=command.leg_id))
        elif isinstance(command, StopMusic):
            lane = self._call_of_leg.get(command.leg_id, command.leg_id)
            self._queue_request(lane, cmd.StopChannelMoh(channel_id=command.leg_id))
        elif isinstance(command, StartMusic):
            lane = self._call_of_leg.get(command.leg_id, command.leg_id)
            self._queue_request(lane, cmd.StartChannelMoh(channel_id=command.leg_id, moh_class=command.moh_class))
        elif isinstance(command, Announce):
            self._announce(command)
        elif isinstance(command, DialCallback):
            self._legs.dialing.add(command.leg_id)
            self._remember_leg(command.call_id, command.leg_id)
            self._lanes.submit(command.leg_id, lambda: self._dial_back(command))
        elif isinstance(command, BridgeLegs):
            playback = self._legs.announcements.get(command.caller_leg)
            if playback is not None:  # an announcement would go on playing into the conversation
                self._queue_request(command.call_id, cmd.StopPlayback(playback_id=playback))
            self._queue_request(command.call_id, cmd.StopChannelMoh(channel_id=command.caller_leg))
            self._queue_request(command.call_id, cmd.CreateBridge(bridge_id=command.bridge_id, name=command.call_id))
            self._queue_request(command.call_id, cmd.AddChannelToBridge(
                bridge_id=command.bridge_id, channel=(command.caller_leg, command.agent_leg)))
        elif isinstance(command, TearDownBridge):
            call_id = command.bridge_id.removesuffix("-bridge")
            self._queue_request(call_id, cmd.DestroyBridge(bridge_id=command.bridge_id))
        elif isinstance(command, SendToVoicemail):
            self._legs.answered.discard(command.caller_leg)
            self._forget_call(command.call_id)
            box = command.mailbox.split("@", 1)[0]
            self._queue_request(command.call_id, cmd.StopChannelMoh(channel_id=command.caller_leg))
            self._queue_request(command.call_id, cmd.ContinueInDialplan(
                channel_id=command.caller_leg, context=VOICEMAIL_CONTEXT, extension=box, priority=1))

    def _announce(self, command: Announce) -> None:
        self._announcements_made += 1
        playback = f"{command.leg_id}-ann{self._announcements_made}"
        self._legs.announcements[command.leg_id] = playback
        media = announcement_media(command.position, command.estimated_wait_s, command.offer_callback)
        self._queue_request(command.call_id, cmd.PlayOnChannel(
            channel_id=command.leg_id, media=media, playback_id=playback))

    def _remember_leg(self, call_id: str, leg_id: str) -> None:
        self._call_of_leg[leg_id] = call_id
        self._legs_of_call.setdefault(call_id, []).append(leg_id)

    def _forget_call(self, call_id: str) -> None:
        for leg in self._legs_of_call.pop(call_id, []):
            self._call_of_leg.pop(leg, None)

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
        await self._send_originate(request, lambda failure: CallbackFailed(leg.leg_id, failure))

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
