"""AMI headers for model objects and events, header for header in the recorded order.

Channel block (manager_channels.c `ast_manager_build_channel_state_string_prefix`, recorded in every
transcript): Channel, ChannelState (number), ChannelStateDesc, CallerIDNum, CallerIDName, ConnectedLineNum,
ConnectedLineName, Language, AccountCode, Context, Exten, Priority, Uniqueid, Linkedid - empty caller ids
print as `<unknown>`. Dial events prefix it with `Dest` (DialBegin/DialState/DialEnd, ami_outbound_outcomes).
Bridge block (BridgeCreate/Enter/Leave/Destroy, ari_ws_reconnect.side_ami): BridgeUniqueid, BridgeType,
BridgeTechnology, BridgeCreator, BridgeName, BridgeNumChannels, BridgeVideoSourceMode.

`render(event, linkedid)` returns the AMI events (headers, class) a model event produces - often one, none
for what AMI does not show (StasisStart/End, playbacks, recordings, endpoint state) and two for DTMF
(DTMFBegin + DTMFEnd: the model reports a whole digit; not recorded on AMI, shapes from core-en_US.xml).
"""

from __future__ import annotations

from collections.abc import Callable

from pbxsim.ami.codec import Header
from pbxsim.ami.events import event
from pbxsim.ami.session import EventFlag
from pbxsim.model import events as ev
from pbxsim.model.objects import Bridge, Channel, ChannelState, QueueMember

# ast_state2str numbering (channelstate.h).
STATE_NUMBER = {
    ChannelState.DOWN: "0",
    ChannelState.RING: "4",
    ChannelState.RINGING: "5",
    ChannelState.UP: "6",
    ChannelState.BUSY: "7",
}
UNKNOWN = "<unknown>"
# Dial statuses that end a dial (DialEnd); anything else but "" is progress (DialState).
FINAL_DIAL = frozenset({"ANSWER", "BUSY", "CONGESTION", "NOANSWER", "CHANUNAVAIL", "CANCEL", "DONTCALL", "TORTURE"})

Linked = Callable[[Channel], str]
Rendered = list[tuple[list[Header], int]]


def channel_block(channel: Channel, linkedid: str, prefix: str = "") -> list[Header]:
    dialplan = channel.dialplan
    return [
        (f"{prefix}Channel", channel.name),
        (f"{prefix}ChannelState", STATE_NUMBER[channel.state]),
        (f"{prefix}ChannelStateDesc", str(channel.state)),
        (f"{prefix}CallerIDNum", channel.caller.number or UNKNOWN),
        (f"{prefix}CallerIDName", channel.caller.name or UNKNOWN),
        (f"{prefix}ConnectedLineNum", channel.connected.number or UNKNOWN),
        (f"{prefix}ConnectedLineName", channel.connected.name or UNKNOWN),
        (f"{prefix}Language", channel.language),
        (f"{prefix}AccountCode", channel.accountcode),
        (f"{prefix}Context", dialplan.context),
        (f"{prefix}Exten", dialplan.exten),
        (f"{prefix}Priority", str(dialplan.priority)),
        (f"{prefix}Uniqueid", channel.id),
        (f"{prefix}Linkedid", linkedid),
    ]


def bridge_block(bridge: Bridge) -> list[Header]:
    return [
        ("BridgeUniqueid", bridge.id),
        ("BridgeType", bridge.bridge_class),
        ("BridgeTechnology", bridge.technology),
        ("BridgeCreator", bridge.creator or UNKNOWN),
        ("BridgeName", bridge.name or UNKNOWN),
        ("BridgeNumChannels", str(len(bridge.channels))),
        ("BridgeVideoSourceMode", bridge.video_mode),
    ]


def member_block(member: QueueMember) -> list[Header]:
    """A queue member as the QueueMember* state events print it (QueueMemberAdded in ami_login_and_queue_call
    t=10.924); the QueueStatus list item says Name/Location and has no Ringinuse (NOTES AMI 9)."""
    return [
        ("Queue", member.queue),
        ("MemberName", member.member_name),
        ("Interface", member.interface),
        ("StateInterface", member.state_interface),
        ("Membership", member.membership),
        ("Penalty", str(member.penalty)),
        ("CallsTaken", str(member.calls_taken)),
        ("LastCall", str(member.last_call)),
        ("LastPause", str(member.last_pause)),
        ("LoginTime", str(member.login_time)),
        ("InCall", "1" if member.in_call else "0"),
        ("Status", str(member.status)),
        ("Paused", "1" if member.paused else "0"),
        ("PausedReason", member.paused_reason),
        ("Ringinuse", "1" if member.ringinuse else "0"),
        ("Wrapuptime", str(member.wrapuptime)),
    ]


_QUEUE_CALLER_EVENTS = {"join": "QueueCallerJoin", "leave": "QueueCallerLeave", "abandon": "QueueCallerAbandon"}
_QUEUE_AGENT_EVENTS = {"called": "AgentCalled", "connect": "AgentConnect", "ringnoanswer": "AgentRingNoAnswer",
                       "complete": "AgentComplete"}
_QUEUE_MEMBER_EVENTS = {"added": "QueueMemberAdded", "removed": "QueueMemberRemoved", "pause": "QueueMemberPause",
                        "status": "QueueMemberStatus"}


def _queue_event(model_event: ev.QueueCallerChanged | ev.QueueAgentChanged | ev.QueueMemberChanged,
                 linked: Linked) -> Rendered:
    """app_queue's events, `Privilege: agent,all`, fields as recorded (ami_login_and_queue_call, ami_abandon,
    ami_ringnoanswer)."""
    agent = EventFlag.AGENT
    if isinstance(model_event, ev.QueueMemberChanged):
        name = _QUEUE_MEMBER_EVENTS[model_event.kind]
        return [(event(name, agent, member_block(model_event.member)), agent)]
    if isinstance(model_event, ev.QueueCallerChanged):
        fields = [*channel_block(model_event.channel, linked(model_event.channel)), ("Queue", model_event.queue),
                  ("Position", str(model_event.position))]
        if model_event.kind == "abandon":
            fields += [("OriginalPosition", str(model_event.original_position)),
                       ("HoldTime", str(model_event.hold_time))]
        else:
            fields.append(("Count", str(model_event.count)))
        return [(event(_QUEUE_CALLER_EVENTS[model_event.kind], agent, fields), agent)]
    caller, leg, member = model_event.caller, model_event.leg, model_event.member
    fields = [*channel_block(caller, linked(caller)), *channel_block(leg, linked(leg), "Dest"),
              ("Queue", member.queue), ("Interface", member.interface), ("MemberName", member.member_name)]
    if model_event.kind == "connect":
        fields += [("HoldTime", str(model_event.hold_time)), ("RingTime", str(model_event.ring_time))]
    elif model_event.kind == "ringnoanswer":
        fields.append(("RingTime", str(model_event.ring_time)))
    elif model_event.kind == "complete":
        fields += [("HoldTime", str(model_event.hold_time)), ("TalkTime", str(model_event.talk_time)),
                   ("Reason", model_event.reason)]
    return [(event(_QUEUE_AGENT_EVENTS[model_event.kind], agent, fields), agent)]


def _tech(tech_cause: int | None) -> list[Header]:
    return [] if tech_cause is None else [("TechCause", str(tech_cause))]


def render(model_event: ev.ModelEvent, linked: Linked) -> Rendered:
    """The AMI events for one model event, in order; see the module docstring."""
    call = EventFlag.CALL

    def on(channel: Channel, name: str, extra: list[Header] | None = None, klass: int = call) -> Rendered:
        return [(event(name, klass, [*channel_block(channel, linked(channel)), *(extra or [])]), klass)]

    match model_event:
        case ev.ChannelCreated(channel):
            return on(channel, "Newchannel")
        case ev.ChannelStateChanged(channel, _):
            return on(channel, "Newstate")
        case ev.ChannelVarSet(channel, variable, value):
            return on(channel, "VarSet", [("Variable", variable), ("Value", value)], EventFlag.DIALPLAN)
        case ev.ChannelHangupRequested(channel, cause, soft, tech_cause):
            # PJSIP failures add the SIP status as TechCause (ami_outbound_outcomes t=6.815: 17 / 486).
            fields = [("Cause", str(cause)), *_tech(tech_cause)]
            return on(channel, "SoftHangupRequest" if soft else "HangupRequest", fields)
        case ev.ChannelDestroyed(channel, cause, cause_txt, tech_cause):
            return on(channel, "Hangup", [("Cause", str(cause)), ("Cause-txt", cause_txt), *_tech(tech_cause)])
        case ev.DialUpdate(peer, caller, dialstring, status):
            head = channel_block(caller, linked(caller)) if caller is not None else []
            dest = channel_block(peer, linked(peer), "Dest")
            if status == "":
                return [(event("DialBegin", call, [*head, *dest, ("DialString", dialstring)]), call)]
            name = "DialEnd" if status in FINAL_DIAL else "DialState"
            return [(event(name, call, [*head, *dest, ("DialStatus", status)]), call)]
        case ev.DtmfReceived(channel, digit, duration_ms):
            dtmf = EventFlag.DTMF
            begin = on(channel, "DTMFBegin", [("Digit", digit), ("Direction", "Received")], dtmf)
            end = [("Digit", digit), ("DurationMs", str(duration_ms)), ("Direction", "Received")]
            return begin + on(channel, "DTMFEnd", end, dtmf)
        case ev.BridgeCreated(bridge):
            return [(event("BridgeCreate", call, bridge_block(bridge)), call)]
        case ev.BridgeDestroyed(bridge):
            return [(event("BridgeDestroy", call, bridge_block(bridge)), call)]
        case ev.ChannelEnteredBridge(bridge, channel) | ev.ChannelLeftBridge(bridge, channel):
            name = "BridgeEnter" if isinstance(model_event, ev.ChannelEnteredBridge) else "BridgeLeave"
            fields = [*bridge_block(bridge), *channel_block(channel, linked(channel))]
            return [(event(name, call, fields), call)]
        case ev.MusicOnHold(channel, started, klass):
            return on(channel, "MusicOnHoldStart", [("Class", klass)]) if started else on(channel, "MusicOnHoldStop")
        case ev.MixMonitorChanged(channel, kind, direction, state):
            if kind == "mute":
                return on(channel, "MixMonitorMute", [("Direction", direction), ("State", state)])
            return on(channel, "MixMonitorStart" if kind == "start" else "MixMonitorStop")
        case ev.ContactStatusChanged(endpoint, aor, uri, status, rtt):
            name = endpoint.partition("/")[2]
            fields = [("URI", uri), ("ContactStatus", status), ("AOR", aor), ("EndpointName", name)]
            fields.append(("RoundtripUsec", str(rtt)))
            return [(event("ContactStatus", EventFlag.SYSTEM, fields), EventFlag.SYSTEM)]
        case ev.PeerStatusChanged(endpoint, status):
            fields = [("ChannelType", endpoint.partition("/")[0]), ("Peer", endpoint), ("PeerStatus", status)]
            return [(event("PeerStatus", EventFlag.SYSTEM, fields), EventFlag.SYSTEM)]
        case ev.DeviceStateChanged(device, state):
            return [(event("DeviceStateChange", call, [("Device", device), ("State", state)]), call)]
        case ev.QueueCallerChanged() | ev.QueueAgentChanged() | ev.QueueMemberChanged():
            return _queue_event(model_event, linked)
        case _:
            return []
