"""app_queue's AMI actions: QueueAdd, QueuePause, QueueRemove, QueueStatus and QueueSummary.

Answers as recorded (transcripts/ami_login_and_queue_call t=0.303..10.925, NOTES AMI 2, 9, 10):
* QueueAdd -> "Added interface to queue", then DeviceStateChange `Queue:<queue>_pause_<interface>` and
  QueueMemberAdded; a second time -> "Unable to add interface: Already there". An unknown queue -> "Unable to add
  interface to queue: No such queue" (app_queue's wording; not recorded).
* QueuePause -> "Interface paused successfully" / "Interface unpaused successfully", then the pause device's
  DeviceStateChange (INUSE while paused) and QueueMemberPause; without `Queue` every queue the interface is in;
  not a member -> "Interface not found".
* QueueRemove -> "Removed interface from queue" and QueueMemberRemoved; "Unable to remove interface: Not there";
  "Unable to remove interface from queue: No such queue".
* QueueStatus: list ack "Queue status will follow", per queue QueueParams, its QueueMember items (Name/Location,
  no Ringinuse) and QueueEntry callers, each with the ActionID *last*, then QueueStatusComplete counting them;
  `Queue` and `Member` (interface or name) filter; an unknown queue is an empty list, not an error.
* QueueSummary: "Queue summary will follow", one QueueSummary per queue (ActionID last), QueueSummaryComplete.
Missing parameters answer with app_queue's messages (not recorded). The members' events come from the model
(pbxsim.model.queues) and reach this session after its response, like every event raised by an action.
"""

from __future__ import annotations

from pbxsim.ami.base import Action, ActionContext, After, list_ack, list_complete, response
from pbxsim.ami.codec import Header, Request
from pbxsim.ami.session import EventFlag
from pbxsim.model.objects import QueueMember
from pbxsim.model.queues import NOT_INUSE, Queue, QueueError

_TRUE = frozenset({"yes", "true", "y", "t", "1", "on"})  # ast_true()
_UNAVAILABLE = frozenset({4, 5})  # INVALID, UNAVAILABLE: not counted as logged in by QueueSummary


def _is_true(value: str) -> bool:
    return value.strip().lower() in _TRUE


def _penalty(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0  # app_queue: an unreadable penalty is 0


async def action_queueadd(ctx: ActionContext, request: Request) -> After:
    queue, interface = request.get("Queue"), request.get("Interface")
    if not queue:
        ctx.send(response(request, "Error", "'Queue' not specified."))
        return After.KEEP
    if not interface:
        ctx.send(response(request, "Error", "'Interface' not specified."))
        return After.KEEP
    try:
        ctx.calls.model.queues.add_member(
            queue, interface, request.get("MemberName"), request.get("StateInterface"),
            _penalty(request.get("Penalty")), _is_true(request.get("Paused")),
        )  # fmt: skip
    except QueueError as refused:
        ctx.send(response(request, "Error", refused.message))
        return After.KEEP
    ctx.send(response(request, "Success", "Added interface to queue"))
    return After.KEEP


async def action_queueremove(ctx: ActionContext, request: Request) -> After:
    queue, interface = request.get("Queue"), request.get("Interface")
    if not queue or not interface:
        ctx.send(response(request, "Error", "Need 'Queue' and 'Interface' parameters."))
        return After.KEEP
    try:
        ctx.calls.model.queues.remove_member(queue, interface)
    except QueueError as refused:
        ctx.send(response(request, "Error", refused.message))
        return After.KEEP
    ctx.send(response(request, "Success", "Removed interface from queue"))
    return After.KEEP


async def action_queuepause(ctx: ActionContext, request: Request) -> After:
    interface, paused_text = request.get("Interface"), request.get("Paused")
    if not interface or not paused_text:
        ctx.send(response(request, "Error", "Need 'Interface' and 'Paused' parameters."))
        return After.KEEP
    paused = _is_true(paused_text)
    try:
        ctx.calls.model.queues.pause(interface, paused, request.get("Queue") or None, request.get("Reason"))
    except QueueError as refused:
        ctx.send(response(request, "Error", refused.message))
        return After.KEEP
    ctx.send(response(request, "Success", "Interface paused successfully" if paused else
                      "Interface unpaused successfully"))
    return After.KEEP


def _last_action_id(request: Request, name: str, fields: list[Header]) -> list[Header]:
    """A QueueStatus/QueueSummary item: `Event:` first, no Privilege, the ActionID last (NOTES AMI 2)."""
    action_id = request.get("ActionID")
    return [("Event", name), *fields, *([("ActionID", action_id)] if action_id else [])]


def _params(queue: Queue) -> list[Header]:
    return [
        ("Queue", queue.name), ("Max", "0"), ("Strategy", queue.strategy), ("Calls", str(len(queue.waiting))),
        ("Holdtime", str(queue.holdtime)), ("TalkTime", str(queue.talktime)), ("Completed", str(queue.completed)),
        ("Abandoned", str(queue.abandoned)), ("ServiceLevel", "0"), ("ServicelevelPerf", "0.0"),
        ("ServicelevelPerf2", "0.0"), ("Weight", "0"),
    ]  # fmt: skip


def _member_item(member: QueueMember) -> list[Header]:
    return [
        ("Queue", member.queue), ("Name", member.member_name), ("Location", member.interface),
        ("StateInterface", member.state_interface), ("Membership", member.membership),
        ("Penalty", str(member.penalty)), ("CallsTaken", str(member.calls_taken)), ("LastCall", str(member.last_call)),
        ("LastPause", str(member.last_pause)), ("LoginTime", str(member.login_time)),
        ("InCall", "1" if member.in_call else "0"), ("Status", str(member.status)),
        ("Paused", "1" if member.paused else "0"), ("PausedReason", member.paused_reason),
        ("Wrapuptime", str(member.wrapuptime)),
    ]  # fmt: skip


def _selected(ctx: ActionContext, request: Request) -> list[Queue]:
    wanted = request.get("Queue")
    queues = ctx.calls.model.queues.queues
    return [queues[wanted]] if wanted in queues else [] if wanted else list(queues.values())


async def action_queuestatus(ctx: ActionContext, request: Request) -> After:
    now = ctx.calls.model.now()
    member_filter = request.get("Member")
    ctx.send(list_ack(request, "Queue status will follow"))
    items = 0
    for queue in _selected(ctx, request):
        ctx.send(_last_action_id(request, "QueueParams", _params(queue)))
        items += 1
        for member in queue.members.values():
            if member_filter and member_filter not in (member.interface, member.member_name):
                continue
            ctx.send(_last_action_id(request, "QueueMember", _member_item(member)))
            items += 1
        for position, waiting in enumerate(queue.waiting, start=1):
            channel = waiting.channel
            ctx.send(_last_action_id(request, "QueueEntry", [
                ("Queue", queue.name), ("Position", str(position)), ("Channel", channel.name),
                ("Uniqueid", channel.id), ("CallerIDNum", channel.caller.number or "unknown"),
                ("CallerIDName", channel.caller.name or "unknown"),
                ("ConnectedLineNum", channel.connected.number or "unknown"),
                ("ConnectedLineName", channel.connected.name or "unknown"),
                ("Wait", str(int(now - waiting.joined_at))), ("Priority", "0"),
            ]))  # fmt: skip
            items += 1
    ctx.send(list_complete(request, "QueueStatusComplete", items))
    return After.KEEP


async def action_queuesummary(ctx: ActionContext, request: Request) -> After:
    now = ctx.calls.model.now()
    ctx.send(list_ack(request, "Queue summary will follow"))
    queues = _selected(ctx, request)
    for queue in queues:
        present = [m for m in queue.members.values() if m.status not in _UNAVAILABLE]
        available = [m for m in present if not m.paused and m.status in (0, NOT_INUSE)]
        longest = int(now - queue.waiting[0].joined_at) if queue.waiting else 0
        ctx.send(_last_action_id(request, "QueueSummary", [
            ("Queue", queue.name), ("LoggedIn", str(len(present))), ("Available", str(len(available))),
            ("Callers", str(len(queue.waiting))), ("HoldTime", str(queue.holdtime)),
            ("TalkTime", str(queue.talktime)), ("LongestHoldTime", str(longest)),
        ]))  # fmt: skip
    ctx.send(list_complete(request, "QueueSummaryComplete", len(queues)))
    return After.KEEP


ACTIONS = (
    Action("QueueAdd", action_queueadd, EventFlag.AGENT),
    Action("QueueRemove", action_queueremove, EventFlag.AGENT),
    Action("QueuePause", action_queuepause, EventFlag.AGENT),
    Action("QueueStatus", action_queuestatus),  # "Priv: <none>" (ListCommands)
    Action("QueueSummary", action_queuesummary),
)
