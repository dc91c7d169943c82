"""app_queue, as far as a fallback queue needs it: members managed over AMI, callers rung through to them.

Members come and go with AMI QueueAdd / QueuePause / QueueRemove (pbxsim.ami.queues answers them as recorded);
every member is dynamic. A member can take a call when it is unpaused, not rung or in a call from its queue,
and its state interface's device is NOT_INUSE (`ringinuse = no`, as the shipped queues.conf says: a phone busy
with any other call, the engine's included, is left alone). Its AMI `Status` follows that device state
(QueueMemberStatus on each change: 1 not in use, 2 in use, 5 unavailable, 6 ringing...).

A caller that runs `Queue(<name>)` (the fallback of a failed Stasis(), or an ARI continue to the label that
leads there: pbxsim.model.redirect) joins, and each waiting caller in turn rings the free member who took a
call least recently (strategy leastrecent; autofill: several callers ring at once). Event order, from
transcripts/ami_login_and_queue_call, ami_ringnoanswer and ami_abandon (NOTES AMI 6-8):

    join        QueueCallerJoin (Position, Count), MusicOnHoldStart
    ring        [Newchannel of the member's leg], AgentCalled, DialBegin, Newstate Ringing, DialState RINGING
    answer      Newstate Up, DialEnd ANSWER, MusicOnHoldStop, QueueCallerLeave, AgentConnect (HoldTime, RingTime
                in seconds), BridgeCreate (a `basic` bridge), BridgeEnter member, BridgeEnter caller
    no answer   after the queue's `timeout`: AgentRingNoAnswer (RingTime in ms), DialEnd NOANSWER, the leg hung up
                (cause 0); the caller tries again `retry` seconds later
    hang-up     AgentComplete (HoldTime, TalkTime, Reason agent|caller) as the first side goes, then the bridge
                ends (BridgeLeave, BridgeDestroy) and the other side is hung up: Queue() without options ends
                the call
    abandon     MusicOnHoldStop, QueueCallerAbandon (Position, OriginalPosition, HoldTime), QueueCallerLeave

The member's leg is dialled as any dial string (`World.resolve`: a softphone's far end decides whether and when
it answers). Not modelled: joinempty / leavewhenempty (an empty queue holds its callers with music), the
Queue() timeout, penalties, wrap-up time, announcements, the `Queue:` device states of the queue itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pbxsim.model import bridging
from pbxsim.model.dialing import new_leg
from pbxsim.model.errors import ModelError
from pbxsim.model.events import (
    BridgeCreated,
    DeviceStateChanged,
    DialUpdate,
    ModelEvent,
    QueueAgentChanged,
    QueueCallerChanged,
    QueueMemberChanged,
)
from pbxsim.model.objects import Bridge, Channel, ChannelState, Dialplan, Party, QueueMember
from pbxsim.model.scheduler import Timer
from pbxsim.model.world import Outcome

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel

# queues.conf of the recorded lab box (`support`) and of the shipped configuration (`fallback`).
DEFAULT_QUEUES = ("fallback", "support")

# ast_device_state as the number app_queue prints in `Status:`.
MEMBER_STATUS = {
    "UNKNOWN": 0, "NOT_INUSE": 1, "INUSE": 2, "BUSY": 3, "INVALID": 4, "UNAVAILABLE": 5, "RINGING": 6,
    "RINGINUSE": 7, "ONHOLD": 8,
}  # fmt: skip
NOT_INUSE = 1
_FAILURE_CAUSE = {Outcome.BUSY: (17, "BUSY"), Outcome.CONGESTION: (34, "CONGESTION")}


class QueueError(Exception):
    """An AMI queue action refused, with app_queue's message (NOTES AMI 10)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True, eq=False)
class Queue:
    name: str
    strategy: str = "leastrecent"
    timeout: float = 15.0  # seconds a member rings (queues.conf `timeout`)
    retry: float = 5.0  # seconds before the next try after nobody answered (`retry`)
    musicclass: str = "default"
    members: dict[str, QueueMember] = field(default_factory=dict)  # by interface, in order added
    waiting: list[Waiting] = field(default_factory=list)  # callers in line, head first
    completed: int = 0
    abandoned: int = 0
    holdtime: int = 0  # app_queue's running averages (seconds): (3 * old + new) / 4
    talktime: int = 0


@dataclass(slots=True, eq=False)
class Waiting:
    channel: Channel
    queue: Queue
    joined_at: float
    original_position: int
    ring: Ring | None = None
    retry: Timer | None = None


@dataclass(slots=True, eq=False)
class Ring:
    waiting: Waiting
    member: QueueMember
    leg: Channel
    started: float
    timers: list[Timer] = field(default_factory=list)

    def finish(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.member.ringing = False
        self.waiting.ring = None


@dataclass(slots=True, eq=False)
class Connected:
    queue: Queue
    caller: Channel
    member: QueueMember
    leg: Channel
    bridge: Bridge
    hold_time: int
    since: float


class AppQueue:
    """The queues of the simulated PBX; see the module docstring."""

    def __init__(self, model: CallModel) -> None:
        self.model = model
        self.queues: dict[str, Queue] = {name: Queue(name) for name in DEFAULT_QUEUES}
        self._waiting: dict[str, Waiting] = {}  # caller channel id ->
        self._rings: dict[str, Ring] = {}  # member leg id ->
        self._calls: dict[str, Connected] = {}  # caller and member leg ids ->
        self._dispatch_due: set[str] = set()
        model.bus.subscribe(self._on_event)

    def define(self, name: str, timeout: float = 15.0, retry: float = 5.0) -> Queue:
        queue = self.queues[name] = Queue(name, timeout=timeout, retry=retry)
        return queue

    # ----------------------------------------------------------------------- members (AMI)

    def add_member(self, queue_name: str, interface: str, member_name: str = "", state_interface: str = "",
                   penalty: int = 0, paused: bool = False) -> QueueMember:
        queue = self.queues.get(queue_name)
        if queue is None:
            raise QueueError("Unable to add interface to queue: No such queue")
        if interface in queue.members:
            raise QueueError("Unable to add interface: Already there")
        now = int(self.model.now())
        member = QueueMember(queue.name, interface, member_name or interface, state_interface or interface,
                             penalty=penalty, login_time=now, paused=paused, last_pause=now if paused else 0)
        member.status = self._device_status(member)
        queue.members[interface] = member
        self._publish_pause_device(member)
        self.model.publish(QueueMemberChanged("added", member))
        self._dispatch_soon(queue)
        return member

    def remove_member(self, queue_name: str, interface: str) -> QueueMember:
        queue = self.queues.get(queue_name)
        if queue is None:
            raise QueueError("Unable to remove interface from queue: No such queue")
        member = queue.members.get(interface)
        if member is None:
            raise QueueError("Unable to remove interface: Not there")
        del queue.members[interface]
        self.model.publish(QueueMemberChanged("removed", member))
        return member

    def pause(self, interface: str, paused: bool, queue_name: str | None = None, reason: str = "") -> None:
        """Without a queue: every queue the interface is a member of (NOTES AMI 10)."""
        if queue_name:
            queues = [self.queues[queue_name]] if queue_name in self.queues else []
        else:
            queues = list(self.queues.values())
        members = [queue.members[interface] for queue in queues if interface in queue.members]
        if not members:
            raise QueueError("Interface not found")
        now = int(self.model.now())
        for member in members:
            member.paused = paused
            member.paused_reason = reason if paused else ""
            if paused:
                member.last_pause = now
            self._publish_pause_device(member)
            self.model.publish(QueueMemberChanged("pause", member))
            if not paused:
                self._dispatch_soon(self.queues[member.queue])

    def _publish_pause_device(self, member: QueueMember) -> None:
        device = f"Queue:{member.queue}_pause_{member.interface}"
        self.model.publish(DeviceStateChanged(device, "INUSE" if member.paused else "NOT_INUSE"))

    def _device_status(self, member: QueueMember) -> int:
        """The state interface's device state, without dialling: a PJSIP endpoint's from the device book; a Local
        extension is in use-able only when the world knows its far end (else INVALID, as recorded for QueueAdd of
        Local/1003@agents/n)."""
        tech, _, resource = member.state_interface.partition("/")
        if tech.upper() == "PJSIP":
            return MEMBER_STATUS[self.model.devices.device_state(resource.split("/", 1)[0])]
        if tech.lower() == "local" and f"Local/{resource.split('/', 1)[0]}" in self.model.world.far_ends:
            return NOT_INUSE
        return MEMBER_STATUS["INVALID"]

    def _on_event(self, event: ModelEvent, _now: float) -> None:
        # A bus subscriber: it may publish derived events (QueueMemberStatus) but not call into the model, so a
        # member that became free is offered to the waiting callers from a timer.
        if not isinstance(event, DeviceStateChanged) or event.device.startswith("Queue:"):
            return
        for queue in self.queues.values():
            for member in queue.members.values():
                if member.state_interface != event.device:
                    continue
                status = MEMBER_STATUS.get(event.state, 0)
                if status != member.status:
                    member.status = status
                    self.model.publish(QueueMemberChanged("status", member))
                if status == NOT_INUSE:
                    self._dispatch_soon(queue)

    # ----------------------------------------------------------------------- callers (the dialplan)

    def join(self, channel: Channel, app_data: str) -> None:
        """`Queue(<app_data>)` on `channel` (answered already): the queue is the first argument."""
        name = app_data.split(",", 1)[0]
        channel.dialplan.app_name, channel.dialplan.app_data = "Queue", app_data
        queue = self.queues.get(name)
        if queue is None:  # app_queue would return at once (QUEUESTATUS=UNKNOWN); pbxsim runs no dialplan after
            self.model.media.moh_start(channel, "default")
            return
        waiting = Waiting(channel, queue, self.model.now(), len(queue.waiting) + 1)
        queue.waiting.append(waiting)
        self._waiting[channel.id] = waiting
        self.model.publish(QueueCallerChanged("join", channel, queue.name, waiting.original_position,
                                              count=len(queue.waiting)))
        self.model.media.moh_start(channel, queue.musicclass)  # a queued caller hears music, never silence
        self._dispatch(queue)

    def _dispatch_soon(self, queue: Queue) -> None:
        if queue.name not in self._dispatch_due and queue.waiting:
            self._dispatch_due.add(queue.name)
            self.model.later(0, lambda: self._dispatch(queue))

    def _dispatch(self, queue: Queue) -> None:
        self._dispatch_due.discard(queue.name)
        for waiting in list(queue.waiting):
            if waiting.ring is not None or waiting.retry is not None:
                continue
            member = self._free_member(queue)
            if member is None:
                return
            self._ring(waiting, member)

    def _free_member(self, queue: Queue) -> QueueMember | None:
        free = [m for m in queue.members.values()
                if not (m.paused or m.in_call or m.ringing) and self._device_status(m) == NOT_INUSE]
        return min(free, key=lambda m: m.last_call) if free else None  # leastrecent; ties: the earliest added

    def _ring(self, waiting: Waiting, member: QueueMember) -> None:
        model, caller = self.model, waiting.channel
        try:
            target = model.world.resolve(member.interface)
        except ModelError:
            return  # no usable contact after all: the next device state change tries again
        leg = new_leg(model, target, None, None, Party(caller.caller.name, caller.caller.number))
        # The leg inherits the caller's extension (app_queue ring_entry; AgentCalled DestExten, NOTES AMI 9).
        leg.dialplan = Dialplan(leg.dialplan.context, caller.dialplan.exten, 1, "AppQueue", "(Outgoing Line)")
        leg.connected = Party(caller.caller.name, caller.caller.number)
        ring = Ring(waiting, member, leg, model.now())
        member.ringing = True
        waiting.ring = ring
        self._rings[leg.id] = ring
        model.publish(QueueAgentChanged("called", caller, leg, member))
        model.publish(DialUpdate(leg, caller, member.interface, ""))
        far_end = target.far_end
        if far_end is None:  # a Local extension that does not exist
            self._unanswered(ring, 0, "CHANUNAVAIL")
            return
        model.set_state(leg, ChannelState.RINGING)
        model.publish(DialUpdate(leg, caller, "", "RINGING"))
        ring.timers.append(model.later(waiting.queue.timeout, lambda: self._no_answer(ring), leg))
        if far_end.outcome is Outcome.ANSWER:
            ring.timers.append(model.later(far_end.ring, lambda: self._answered(ring, far_end.talk), leg))
        elif far_end.outcome in _FAILURE_CAUSE:
            cause, status = _FAILURE_CAUSE[far_end.outcome]
            ring.timers.append(model.later(far_end.ring, lambda: self._unanswered(ring, cause, status), leg))

    def _no_answer(self, ring: Ring) -> None:
        waiting = ring.waiting
        ring_ms = round((self.model.now() - ring.started) * 1000)
        self.model.publish(QueueAgentChanged("ringnoanswer", waiting.channel, ring.leg, ring.member, ring_time=ring_ms))
        self._unanswered(ring, 0, "NOANSWER")

    def _unanswered(self, ring: Ring, cause: int, status: str) -> None:
        model, waiting = self.model, ring.waiting
        ring.finish()
        self._rings.pop(ring.leg.id, None)
        model.publish(DialUpdate(ring.leg, waiting.channel, "", status))
        model.far_end_hangup(ring.leg, cause)
        if waiting.channel.id in self._waiting:
            waiting.retry = model.later(waiting.queue.retry, lambda: self._retry(waiting), waiting.channel)

    def _retry(self, waiting: Waiting) -> None:
        waiting.retry = None
        if waiting.channel.id in self._waiting:
            self._dispatch(waiting.queue)

    def _answered(self, ring: Ring, talk: float | None) -> None:
        model, waiting, leg, member = self.model, ring.waiting, ring.leg, ring.member
        caller, queue = waiting.channel, waiting.queue
        ring.finish()
        self._rings.pop(leg.id, None)
        if leg.peer is not None:
            model.set_state(leg.peer, ChannelState.UP)
        model.set_state(leg, ChannelState.UP)
        model.publish(DialUpdate(leg, caller, "", "ANSWER"))
        model.media.moh_stop(caller)
        position = queue.waiting.index(waiting) + 1
        queue.waiting.remove(waiting)
        self._waiting.pop(caller.id, None)
        now = model.now()
        model.publish(QueueCallerChanged("leave", caller, queue.name, position, count=len(queue.waiting)))
        hold = int(now - waiting.joined_at)
        queue.holdtime = (queue.holdtime * 3 + hold) // 4
        model.publish(QueueAgentChanged("connect", caller, leg, member, hold_time=hold,
                                        ring_time=int(now - ring.started)))
        bridge = Bridge(model.random_uuid(), "", "mixing", now, bridge_class="basic", creator="", video_mode="none")
        model.bridges[bridge.id] = bridge
        model.publish(BridgeCreated(bridge))
        bridging.enter(model, bridge, leg)
        bridging.enter(model, bridge, caller)
        member.in_call = True
        call = Connected(queue, caller, member, leg, bridge, hold, now)
        self._calls[caller.id] = self._calls[leg.id] = call
        if talk is not None:
            model.later(talk, lambda: model.far_end_hangup(leg, 16), leg)

    # ----------------------------------------------------------------------- hangups (CallModel.end)

    def channel_gone(self, channel: Channel) -> None:
        """`channel` is being torn down (its music already stopped, still in its bridge)."""
        waiting = self._waiting.pop(channel.id, None)
        if waiting is not None:
            self._abandoned(waiting)
            return
        ring = self._rings.pop(channel.id, None)
        if ring is not None:  # the member's phone went away while ringing: the caller tries again later
            ring.finish()
            if ring.waiting.channel.id in self._waiting:
                ring.waiting.retry = self.model.later(ring.waiting.queue.retry, lambda: self._retry(ring.waiting),
                                                      ring.waiting.channel)
            return
        call = self._calls.pop(channel.id, None)
        if call is not None:
            self._completed(call, channel)

    def _abandoned(self, waiting: Waiting) -> None:
        model, queue, caller = self.model, waiting.queue, waiting.channel
        ring = waiting.ring
        if ring is not None:
            ring.finish()
            self._rings.pop(ring.leg.id, None)
            model.publish(DialUpdate(ring.leg, caller, "", "CANCEL"))
            model.far_end_hangup(ring.leg, 0)
        if waiting.retry is not None:
            waiting.retry.cancel()
        position = queue.waiting.index(waiting) + 1
        queue.waiting.remove(waiting)
        queue.abandoned += 1
        model.publish(QueueCallerChanged("abandon", caller, queue.name, position,
                                         original_position=waiting.original_position,
                                         hold_time=int(model.now() - waiting.joined_at)))
        model.publish(QueueCallerChanged("leave", caller, queue.name, position, count=len(queue.waiting)))

    def _completed(self, call: Connected, ended: Channel) -> None:
        model, member = self.model, call.member
        other = call.leg if ended is call.caller else call.caller
        self._calls.pop(other.id, None)
        talk = int(model.now() - call.since)
        call.queue.completed += 1
        call.queue.talktime = (call.queue.talktime * 3 + talk) // 4
        member.in_call = False
        member.calls_taken += 1
        member.last_call = int(model.now())
        model.publish(QueueAgentChanged("complete", call.caller, call.leg, member, hold_time=call.hold_time,
                                        talk_time=talk, reason="agent" if ended is call.leg else "caller"))

        def tear_down() -> None:
            bridging.destroy(model, call.bridge)
            if other is call.caller:
                model.end(other, 16)  # Queue() returns and the caller's dialplan ends (its soft 16 first)
            else:
                model.far_end_hangup(other, 16)

        model.later(0, tear_down)
        self._dispatch_soon(call.queue)
