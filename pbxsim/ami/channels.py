"""Channel actions: Hangup, Redirect, Getvar, Setvar, CoreShowChannels, Status, and BridgeList.

Answers as recorded (ami_misc_and_errors, ami_mixmonitor, ami_login_and_queue_call, ari_ws_reconnect.side_ami;
NOTES AMI 2, 13, 14):
* Hangup -> "Channel Hungup"; unknown channel -> "No such channel". The hung-up channel shows SoftHangupRequest
  Cause 16 (its PBX ending); the other half of a Local pair HangupRequest with the action's Cause (none: 0),
  then its own PBX's SoftHangupRequest 16 if it runs dialplan; both Hangup with that cause (ami_mixmonitor
  t=34.491: no Cause, the ;1 runs the originate's Wait - 0 and no soft; ari_ws_reconnect.side_ami t=14.059:
  Cause 16, the ;1 in park-wait - 16 and its soft).
* Redirect -> "Redirect successful"; unknown channel -> "Channel does not exist: <name>".
* Getvar: no channel -> the global (unset -> Success with an empty `Value:`); unknown channel -> "No such
  channel". Setvar -> "Variable Set" (ari_ws_reconnect.side_ami t=0.302).
* CoreShowChannels: list ack "Channels will follow", one CoreShowChannel per channel (ActionID second), then
  CoreShowChannelsComplete. Status: "Channel status will follow", Status events with `Privilege: Call` and
  the ActionID *last*, then StatusComplete with ListItems and the legacy Items.
* BridgeList: "Bridge listing will follow", one BridgeListItem per bridge (the BridgeEnter block), then
  BridgeListComplete (ari_ws_reconnect.side_ami t=3.845); `BridgeType` filters on the bridge class.
"""

from __future__ import annotations

from pbxsim.ami.base import Action, ActionContext, After, list_ack, list_complete, list_item, response
from pbxsim.ami.codec import Header, Request
from pbxsim.ami.render import bridge_block, channel_block
from pbxsim.ami.session import EventFlag
from pbxsim.model.events import ChannelHangupRequested
from pbxsim.model.objects import Channel, Dialplan


def _duration(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


async def action_hangup(ctx: ActionContext, request: Request) -> After:
    name = request.get("Channel")
    if not name:
        ctx.send(response(request, "Error", "No channel specified"))
        return After.KEEP
    channel = ctx.calls.by_name.get(name)
    if channel is None or channel.hangup_requested:
        ctx.send(response(request, "Error", "No such channel"))
        return After.KEEP
    peer = channel.peer
    pair = peer is not None and not peer.destroyed and not peer.hangup_requested
    cause_text = request.get("Cause")
    cause = int(cause_text) if cause_text.isdigit() else (0 if pair else 16)
    ctx.send(response(request, "Success", "Channel Hungup"))
    if not channel.runs_dialplan:
        # Recorded only on channels running dialplan, whose SoftHangupRequest 16 is their PBX ending (end()
        # publishes it); other channels keep showing one SoftHangupRequest 16 for the action (not recorded).
        ctx.calls.model.publish(ChannelHangupRequested(channel, 16, soft=True))
    ctx.calls.model.end(channel, cause)  # a Local pair: the other half follows (CallModel.end)
    return After.KEEP


async def action_redirect(ctx: ActionContext, request: Request) -> After:
    name = request.get("Channel")
    channel = ctx.calls.by_name.get(name)
    if channel is None:
        ctx.send(response(request, "Error", f"Channel does not exist: {name}"))
        return After.KEEP
    context, exten, priority = request.get("Context"), request.get("Exten"), request.get("Priority")
    model = ctx.calls.model
    ctx.send(response(request, "Success", "Redirect successful"))
    model.leave_stasis(channel)
    channel.dialplan = Dialplan(context or channel.dialplan.context, exten or "s", int(priority or 1))
    stasis = model.world.dialplan_stasis.get((channel.dialplan.context, channel.dialplan.exten))
    if stasis is not None:
        model.enter_stasis(channel, stasis[0], list(stasis[1]))
    return After.KEEP


async def action_getvar(ctx: ActionContext, request: Request) -> After:
    variable, name = request.get("Variable"), request.get("Channel")
    if not variable:
        ctx.send(response(request, "Error", "No variable specified"))
        return After.KEEP
    if name:
        channel = ctx.calls.by_name.get(name)
        if channel is None:
            ctx.send(response(request, "Error", "No such channel"))
            return After.KEEP
        value = channel.variables.get(variable, "")
    else:
        value = ctx.calls.globals.get(variable, "")
    ctx.send(response(request, "Success", extra=[("Variable", variable), ("Value", value)]))
    return After.KEEP


async def action_setvar(ctx: ActionContext, request: Request) -> After:
    variable, name = request.get("Variable"), request.get("Channel")
    if not variable:
        ctx.send(response(request, "Error", "No variable specified"))
        return After.KEEP
    if name:
        channel = ctx.calls.by_name.get(name)
        if channel is None:
            ctx.send(response(request, "Error", "No such channel"))
            return After.KEEP
        ctx.send(response(request, "Success", "Variable Set"))
        ctx.calls.model.set_var(channel, variable, request.get("Value"))
    else:
        ctx.calls.globals[variable] = request.get("Value")
        ctx.send(response(request, "Success", "Variable Set"))
    return After.KEEP


def _channels(ctx: ActionContext) -> list[Channel]:
    return [channel for channel in ctx.calls.model.channels.values() if not channel.destroyed]


async def action_coreshowchannels(ctx: ActionContext, request: Request) -> After:
    calls, now = ctx.calls, ctx.calls.model.now()
    ctx.send(list_ack(request, "Channels will follow"))
    channels = _channels(ctx)
    for channel in channels:
        fields: list[Header] = [
            *channel_block(channel, calls.linkedid(channel)),
            ("Application", channel.dialplan.app_name),
            ("ApplicationData", channel.dialplan.app_data),
            ("Duration", _duration(now - channel.creationtime)),
            ("BridgeId", channel.bridge.id if channel.bridge is not None else ""),
        ]
        ctx.send(list_item(request, "CoreShowChannel", fields))
    ctx.send(list_complete(request, "CoreShowChannelsComplete", len(channels)))
    return After.KEEP


async def action_status(ctx: ActionContext, request: Request) -> After:
    calls, now = ctx.calls, ctx.calls.model.now()
    wanted = request.get("Channel")
    channels = _channels(ctx)
    if wanted:
        found = calls.by_name.get(wanted)
        if found is None:
            ctx.send(response(request, "Error", "No such channel"))
            return After.KEEP
        channels = [found]
    ctx.send(list_ack(request, "Channel status will follow"))
    action_id = request.get("ActionID")
    for channel in channels:
        connected = channel.connected
        fields: list[Header] = [
            ("Event", "Status"),
            ("Privilege", "Call"),
            *channel_block(channel, calls.linkedid(channel)),
            ("Type", channel.tech),
            ("DNID", ""),
            ("EffectiveConnectedLineNum", connected.number or "<unknown>"),
            ("EffectiveConnectedLineName", connected.name or "<unknown>"),
            ("TimeToHangup", "0"),
            ("BridgeID", channel.bridge.id if channel.bridge is not None else ""),
            ("Application", channel.dialplan.app_name),
            ("Data", channel.dialplan.app_data),
            ("Nativeformats", "(ulaw)" if channel.tech == "PJSIP" else "(slin)"),
            ("Readformat", "ulaw" if channel.tech == "PJSIP" else "slin"),
            ("Readtrans", ""),
            ("Writeformat", "ulaw" if channel.tech == "PJSIP" else "slin"),
            ("Writetrans", ""),
            ("Callgroup", "0"),
            ("Pickupgroup", "0"),
            ("Seconds", str(max(0, int(now - channel.creationtime)))),
        ]
        if action_id:
            fields.append(("ActionID", action_id))  # last, NOTES AMI 2
        ctx.send(fields)
    count = str(len(channels))
    ctx.send(list_complete(request, "StatusComplete", len(channels), [("Items", count)]))
    return After.KEEP


async def action_bridgelist(ctx: ActionContext, request: Request) -> After:
    kind = request.get("BridgeType")
    bridges = [b for b in ctx.calls.model.bridges.values() if not b.destroyed and (not kind or b.bridge_class == kind)]
    ctx.send(list_ack(request, "Bridge listing will follow"))
    for bridge in bridges:
        ctx.send(list_item(request, "BridgeListItem", bridge_block(bridge)))
    ctx.send(list_complete(request, "BridgeListComplete", len(bridges)))
    return After.KEEP


_SYSTEM_CALL = EventFlag.SYSTEM | EventFlag.CALL

ACTIONS = (
    Action("Hangup", action_hangup, _SYSTEM_CALL),
    Action("Redirect", action_redirect, EventFlag.CALL),
    Action("Getvar", action_getvar, EventFlag.CALL | EventFlag.REPORTING),
    Action("Setvar", action_setvar, EventFlag.CALL),
    Action("CoreShowChannels", action_coreshowchannels, EventFlag.SYSTEM | EventFlag.REPORTING),
    Action("Status", action_status, _SYSTEM_CALL | EventFlag.REPORTING),
    Action("BridgeList", action_bridgelist),  # "Priv: <none>" (ListCommands)
)
