"""From one AMI message's header pairs to a typed event (engine/pbx/ami_events.py).

One table maps the event name to its reader; names not in it become `UnknownAmiEvent`. A reader raises
`ValueError`/`KeyError`/`IndexError` when a field is missing or does not parse: the caller logs and drops
that message. Header names are matched exactly as Asterisk writes them (it never varies their case).
"""

from __future__ import annotations

from collections.abc import Callable

from engine.pbx import ami_events as ev
from engine.pbx.ami_commands import list_items
from engine.pbx.ami_events import (
    CHANNEL_STATE_BY_CODE,
    AmiEvent,
    BridgeSnapshot,
    ChannelSnapshot,
    Headers,
    QueueMemberSnapshot,
)

Fields = dict[str, str]
Reader = Callable[[Fields, Headers], AmiEvent]

DECODE_ERRORS = (ValueError, KeyError, IndexError)

_SNAPSHOT_KEYS = (
    "Channel",
    "ChannelState",
    "CallerIDNum",
    "CallerIDName",
    "ConnectedLineNum",
    "ConnectedLineName",
    "Language",
    "AccountCode",
    "Context",
    "Exten",
    "Priority",
    "Uniqueid",
    "Linkedid",
)
_PREFIXED = {prefix: tuple(prefix + key for key in _SNAPSHOT_KEYS) for prefix in ("", "Dest", "Spyer", "Spyee")}


def snapshot(f: Fields, prefix: str = "") -> ChannelSnapshot:
    (
        channel,
        state,
        cid_num,
        cid_name,
        cl_num,
        cl_name,
        language,
        account,
        context,
        exten,
        priority,
        uniqueid,
        linkedid,
    ) = (f[key] for key in _PREFIXED[prefix])
    return ChannelSnapshot(
        channel,
        CHANNEL_STATE_BY_CODE[int(state)],
        cid_num,
        cid_name,
        cl_num,
        cl_name,
        language,
        account,
        context,
        exten,
        int(priority),
        uniqueid,
        linkedid,
    )


def _optional_snapshot(f: Fields, prefix: str = "") -> ChannelSnapshot | None:
    return snapshot(f, prefix) if prefix + "Channel" in f else None


def _optional_int(f: Fields, key: str) -> int | None:
    value = f.get(key, "")
    return int(value) if value.isdigit() else None


def _bridge(f: Fields) -> BridgeSnapshot:
    return BridgeSnapshot(
        f["BridgeUniqueid"],
        f["BridgeType"],
        f["BridgeTechnology"],
        f["BridgeCreator"],
        f["BridgeName"],
        int(f["BridgeNumChannels"]),
        f.get("BridgeVideoSourceMode", ""),
    )


def _flag(value: str) -> bool:
    if value in ("1", "0"):
        return value == "1"
    if value.lower() in ("true", "yes"):
        return True
    if value.lower() in ("false", "no"):
        return False
    raise ValueError(f"not a flag: {value!r}")


def queue_member(f: Fields) -> QueueMemberSnapshot:
    # The QueueStatus list item names the member Name/Location; state events MemberName/Interface.
    name = f["MemberName"] if "MemberName" in f else f["Name"]
    interface = f["Interface"] if "Interface" in f else f["Location"]
    ringinuse = _flag(f["Ringinuse"]) if "Ringinuse" in f else None
    return QueueMemberSnapshot(
        f["Queue"],
        name,
        interface,
        f["StateInterface"],
        f["Membership"],
        int(f["Penalty"]),
        int(f["CallsTaken"]),
        int(f["LastCall"]),
        int(f["LastPause"]),
        int(f["LoginTime"]),
        _flag(f["InCall"]),
        ev.MemberStatus(int(f["Status"])),
        _flag(f["Paused"]),
        f.get("PausedReason", ""),
        ringinuse,
        int(f.get("Wrapuptime", "0")),
    )


def _agent(f: Fields) -> tuple[ChannelSnapshot, ChannelSnapshot, str, str, str]:
    return snapshot(f), snapshot(f, "Dest"), f["Queue"], f["Interface"], f["MemberName"]


def _agent_connect(f: Fields, h: Headers) -> AmiEvent:
    # RingTime is whole seconds here (NOTES.md AMI 7); converted to the milliseconds of AgentRingNoAnswer.
    return ev.AgentConnect(h, *_agent(f), int(f["HoldTime"]), int(f["RingTime"]) * 1000)


def _agent_complete(f: Fields, h: Headers) -> AmiEvent:
    reason = ev.AgentCompleteReason(f["Reason"])
    return ev.AgentComplete(h, *_agent(f), int(f["HoldTime"]), int(f["TalkTime"]), reason)


def _originate_response(f: Fields, h: Headers) -> AmiEvent:
    response = f["Response"]
    if response not in ("Success", "Failure"):
        raise ValueError(f"OriginateResponse Response {response!r}")
    uniqueid = f.get("Uniqueid", "")
    return ev.OriginateResponse(
        h,
        f.get("ActionID", ""),
        response == "Success",
        ev.OriginateReason(int(f["Reason"])),
        f["Channel"],
        None if uniqueid in ("", "<unknown>") else uniqueid,
        f.get("Context", ""),
        f.get("Exten", ""),
        f.get("Application", ""),
        f.get("Data", ""),
        f.get("CallerIDNum", ""),
        f.get("CallerIDName", ""),
    )


def _contact_status(f: Fields, h: Headers) -> AmiEvent:
    return ev.ContactStatus(
        h,
        f["URI"],
        ev.ContactStatusValue(f["ContactStatus"]),
        f.get("AOR", ""),
        f.get("EndpointName", ""),
        _optional_int(f, "RoundtripUsec"),
    )


def _duration(value: str) -> int:
    hours, minutes, seconds = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def _channel_status(f: Fields, h: Headers) -> AmiEvent:
    return list_items.ChannelStatus(
        h,
        snapshot(f),
        f.get("Type", ""),
        f.get("BridgeID", ""),
        f.get("Application", ""),
        f.get("Data", ""),
        _optional_int(f, "Seconds"),
    )


def _contact_list(f: Fields, h: Headers) -> AmiEvent:
    return list_items.ContactListItem(
        h,
        f["Uri"],
        f["Endpoint"],
        ev.ContactStatusValue(f["Status"]),
        _optional_int(f, "RoundtripUsec"),
        f.get("UserAgent", ""),
        int(f.get("ExpirationTime") or 0),
        f.get("ViaAddr", ""),
        int(f.get("ViaPort") or 0),
        f.get("CallId", ""),
        int(f.get("QualifyFrequency") or 0),
    )


def _queue_params(f: Fields, h: Headers) -> AmiEvent:
    return list_items.QueueParams(
        h,
        f["Queue"],
        int(f["Max"]),
        f["Strategy"],
        int(f["Calls"]),
        int(f["Holdtime"]),
        int(f["TalkTime"]),
        int(f["Completed"]),
        int(f["Abandoned"]),
        int(f["ServiceLevel"]),
        int(f["Weight"]),
    )


READERS: dict[str, Reader] = {
    "FullyBooted": lambda f, h: ev.FullyBooted(h, int(f["Uptime"]), int(f["LastReload"]), f.get("Status", "")),
    "Newchannel": lambda f, h: ev.Newchannel(h, snapshot(f)),
    "Newstate": lambda f, h: ev.Newstate(h, snapshot(f)),
    "HangupRequest": lambda f, h: ev.HangupRequest(
        h, snapshot(f), _optional_int(f, "Cause"), _optional_int(f, "TechCause")
    ),
    "Hangup": lambda f, h: ev.Hangup(h, snapshot(f), int(f["Cause"]), f["Cause-txt"], _optional_int(f, "TechCause")),
    # Globals (`dialplan reload`) come with `Channel: none` and no snapshot.
    "VarSet": lambda f, h: ev.VarSet(h, snapshot(f) if "ChannelState" in f else None, f["Variable"], f["Value"]),
    "DialBegin": lambda f, h: ev.DialBegin(h, _optional_snapshot(f), snapshot(f, "Dest"), f.get("DialString", "")),
    "DialState": lambda f, h: ev.DialState(
        h, _optional_snapshot(f), snapshot(f, "Dest"), ev.DialStatus(f["DialStatus"])
    ),
    "DialEnd": lambda f, h: ev.DialEnd(
        h, _optional_snapshot(f), snapshot(f, "Dest"), ev.DialStatus(f["DialStatus"]), f.get("Forward", "")
    ),
    "OriginateResponse": _originate_response,
    "DTMFBegin": lambda f, h: ev.DTMFBegin(h, snapshot(f), f["Digit"], ev.DtmfDirection(f["Direction"])),
    "DTMFEnd": lambda f, h: ev.DTMFEnd(
        h, snapshot(f), f["Digit"], int(f["DurationMs"]), ev.DtmfDirection(f["Direction"])
    ),
    "BridgeCreate": lambda f, h: ev.BridgeCreate(h, _bridge(f)),
    "BridgeEnter": lambda f, h: ev.BridgeEnter(h, _bridge(f), snapshot(f)),
    "BridgeLeave": lambda f, h: ev.BridgeLeave(h, _bridge(f), snapshot(f)),
    "BridgeDestroy": lambda f, h: ev.BridgeDestroy(h, _bridge(f)),
    "MixMonitorStart": lambda f, h: ev.MixMonitorStart(h, snapshot(f)),
    "MixMonitorStop": lambda f, h: ev.MixMonitorStop(h, snapshot(f)),
    "MixMonitorMute": lambda f, h: ev.MixMonitorMute(
        h, snapshot(f), ev.MuteDirection(f["Direction"]), _flag(f["State"])
    ),
    "ChanSpyStart": lambda f, h: ev.ChanSpyStart(h, snapshot(f, "Spyer"), snapshot(f, "Spyee")),
    "ChanSpyStop": lambda f, h: ev.ChanSpyStop(h, snapshot(f, "Spyer"), _optional_snapshot(f, "Spyee")),
    "DeviceStateChange": lambda f, h: ev.DeviceStateChange(h, f["Device"], ev.DeviceState(f["State"])),
    "ContactStatus": _contact_status,
    "PeerStatus": lambda f, h: ev.PeerStatus(
        h, f.get("ChannelType", ""), f["Peer"], ev.PeerStatusValue(f["PeerStatus"])
    ),
    "QueueCallerJoin": lambda f, h: ev.QueueCallerJoin(h, snapshot(f), f["Queue"], int(f["Position"]), int(f["Count"])),
    "QueueCallerLeave": lambda f, h: ev.QueueCallerLeave(
        h, snapshot(f), f["Queue"], int(f["Position"]), int(f["Count"])
    ),
    "QueueCallerAbandon": lambda f, h: ev.QueueCallerAbandon(
        h, snapshot(f), f["Queue"], int(f["Position"]), int(f["OriginalPosition"]), int(f["HoldTime"])
    ),
    "AgentCalled": lambda f, h: ev.AgentCalled(h, *_agent(f)),
    "AgentConnect": _agent_connect,
    "AgentRingNoAnswer": lambda f, h: ev.AgentRingNoAnswer(h, *_agent(f), int(f["RingTime"])),
    "AgentComplete": _agent_complete,
    "AgentDump": lambda f, h: ev.AgentDump(h, *_agent(f)),
    "QueueMemberStatus": lambda f, h: ev.QueueMemberStatus(h, queue_member(f)),
    "QueueMemberAdded": lambda f, h: ev.QueueMemberAdded(h, queue_member(f)),
    "QueueMemberRemoved": lambda f, h: ev.QueueMemberRemoved(h, queue_member(f)),
    "QueueMemberPause": lambda f, h: ev.QueueMemberPause(h, queue_member(f)),
    "QueueMemberPenalty": lambda f, h: ev.QueueMemberPenalty(h, queue_member(f)),
    "QueueMemberRinginuse": lambda f, h: ev.QueueMemberRinginuse(h, queue_member(f)),
    # List items.
    "CoreShowChannel": lambda f, h: list_items.CoreShowChannel(
        h,
        snapshot(f),
        f.get("Application", ""),
        f.get("ApplicationData", ""),
        _duration(f["Duration"]),
        f.get("BridgeId", ""),
    ),
    "Status": _channel_status,
    "EndpointList": lambda f, h: list_items.EndpointListItem(
        h,
        f["ObjectName"],
        f.get("Transport", ""),
        f.get("Aor", ""),
        f.get("Contacts", ""),
        f.get("DeviceState", ""),
        int(f.get("ActiveChannels") or 0),
    ),
    "ContactList": _contact_list,
    "QueueParams": _queue_params,
    "QueueMember": lambda f, h: list_items.QueueMemberEntry(h, queue_member(f)),
    "QueueEntry": lambda f, h: list_items.QueueEntry(
        h,
        f["Queue"],
        int(f["Position"]),
        f["Channel"],
        f["Uniqueid"],
        f.get("CallerIDNum", ""),
        f.get("CallerIDName", ""),
        int(f["Wait"]),
    ),
    "QueueSummary": lambda f, h: list_items.QueueSummaryItem(
        h,
        f["Queue"],
        int(f["LoggedIn"]),
        int(f["Available"]),
        int(f["Callers"]),
        int(f["HoldTime"]),
        int(f["TalkTime"]),
        int(f["LongestHoldTime"]),
    ),
}


def decode_event(name: str, pairs: list[tuple[str, str]]) -> AmiEvent:
    """The typed event for one message whose `Event:` is `name`; raises one of DECODE_ERRORS if unreadable."""
    headers = tuple(pairs)
    reader = READERS.get(name)
    if reader is None:
        return ev.UnknownAmiEvent(headers, name)
    return reader(dict(pairs), headers)
