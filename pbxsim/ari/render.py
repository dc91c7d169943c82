"""ARI JSON for model objects and events, key for key in the recorded order.

Models (ari-api-docs/*.json, values and key order as in transcripts/ari_*.rest.jsonl / ws.jsonl):
    Channel   id, name, state, protocol_id, caller, connected, accountcode, dialplan, creationtime, language
    Bridge    id, technology, bridge_type, bridge_class, creator, name, channels, creationtime, video_mode
    Playback  id, media_uri, target_uri, language, state
    LiveRecording  name, format, state, target_uri [, duration]
Events: `type`, `timestamp`, own fields, then `asterisk_id`, `application` - except ChannelHangupRequest
and ChannelVarset, which put their own fields *before* `type` (NOTES ARI 1; e.g.
`{"cause":17,"tech_cause":486,"type":...}`, `{"variable":..,"value":..,"type":...}`).

`event_body()` returns the part shared by every recipient app and `recipients()` the apps subscribed to
the objects involved (a dict lookup per object, never a scan); the dispatcher adds `asterisk_id` and
`application` per app. The model objects are live: render before returning (see model/events.py).
"""

from __future__ import annotations

from typing import Any

from pbxsim.core import iso_millis
from pbxsim.model import events as ev
from pbxsim.model.objects import Bridge, Channel, LiveRecording, Playback
from pbxsim.model.stasis import App
from pbxsim.model.world import Endpoint


def channel_json(channel: Channel) -> dict[str, Any]:
    dialplan = channel.dialplan
    return {
        "id": channel.id,
        "name": channel.name,
        "state": str(channel.state),
        "protocol_id": channel.protocol_id,
        "caller": {"name": channel.caller.name, "number": channel.caller.number},
        "connected": {"name": channel.connected.name, "number": channel.connected.number},
        "accountcode": channel.accountcode,
        "dialplan": {
            "context": dialplan.context,
            "exten": dialplan.exten,
            "priority": dialplan.priority,
            "app_name": dialplan.app_name,
            "app_data": dialplan.app_data,
        },
        "creationtime": iso_millis(channel.creationtime),
        "language": channel.language,
    }


def bridge_json(bridge: Bridge) -> dict[str, Any]:
    return {
        "id": bridge.id,
        "technology": bridge.technology,
        "bridge_type": bridge.bridge_type,
        "bridge_class": bridge.bridge_class,
        "creator": bridge.creator,
        "name": bridge.name,
        "channels": list(bridge.channels),
        "creationtime": iso_millis(bridge.creationtime),
        "video_mode": bridge.video_mode,
    }


def playback_json(playback: Playback) -> dict[str, Any]:
    return {
        "id": playback.id,
        "media_uri": playback.media_uri,
        "target_uri": playback.target_uri,
        "language": playback.language,
        "state": playback.state,
    }


def recording_json(recording: LiveRecording) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": recording.name,
        "format": recording.format,
        "state": recording.state,
        "target_uri": recording.target_uri,
    }
    if recording.duration is not None:
        body["duration"] = recording.duration
    return body


def app_json(app: App) -> dict[str, Any]:
    return {
        "name": app.name,
        "channel_ids": list(app.channels),
        "bridge_ids": list(app.bridges),
        "endpoint_ids": list(app.endpoints),
        "device_names": list(app.devices),
        "events_allowed": [{"type": name} for name in app.events_allowed],
        "events_disallowed": [{"type": name} for name in app.events_disallowed],
    }


def endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "technology": endpoint.tech,
        "resource": endpoint.resource,
        "state": endpoint.state,
        "channel_ids": list(endpoint.channel_ids),
    }


def _typed(kind: str, now: float, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "timestamp": iso_millis(now), **fields}


def event_body(event: ev.ModelEvent, now: float) -> dict[str, Any] | None:
    """The ARI JSON of a model event minus asterisk_id/application; None for events ARI does not show."""
    match event:
        case ev.ChannelCreated(channel):
            return _typed("ChannelCreated", now, channel=channel_json(channel))
        case ev.ChannelStateChanged(channel, _):
            return _typed("ChannelStateChange", now, channel=channel_json(channel))
        case ev.ChannelVarSet(channel, variable, value):
            return {"variable": variable, "value": value, **_typed("ChannelVarset", now, channel=channel_json(channel))}
        case ev.ChannelHangupRequested(channel, cause, soft, tech_cause):
            head: dict[str, Any] = {"cause": cause}
            if tech_cause is not None:
                head["tech_cause"] = tech_cause
            if soft:
                head["soft"] = True
            return {**head, **_typed("ChannelHangupRequest", now, channel=channel_json(channel))}
        case ev.ChannelDestroyed(channel, cause, cause_txt, tech_cause):
            body = _typed("ChannelDestroyed", now, cause=cause, cause_txt=cause_txt)
            if tech_cause is not None:
                body["tech_cause"] = tech_cause
            body["channel"] = channel_json(channel)
            return body
        case ev.DialUpdate(peer, caller, dialstring, status):
            body = _typed("Dial", now, dialstatus=status, forward="", dialstring=dialstring)
            if caller is not None:
                body["caller"] = channel_json(caller)
            body["peer"] = channel_json(peer)
            return body
        case ev.StasisStarted(channel, _, args):
            return _typed("StasisStart", now, args=list(args), channel=channel_json(channel))
        case ev.StasisEnded(channel, _):
            return _typed("StasisEnd", now, channel=channel_json(channel))
        case ev.DtmfReceived(channel, digit, duration_ms):
            dtmf = _typed("ChannelDtmfReceived", now, digit=digit, duration_ms=duration_ms)
            dtmf["channel"] = channel_json(channel)
            return dtmf
        case ev.ChannelTransferRequested(channel, destination, connected, bridge):
            referred_by: dict[str, Any] = {"source_channel": channel_json(channel)}
            if connected is not None:
                referred_by["connected_channel"] = channel_json(connected)
            if bridge is not None:
                referred_by["bridge"] = bridge_json(bridge)
            refer_to = {"requested_destination": {"destination": destination}}
            return _typed("ChannelTransfer", now, state="channel_accepted", refer_to=refer_to, referred_by=referred_by)
        case ev.ChannelHoldChanged(channel, True, musicclass):
            hold: dict[str, Any] = {"channel": channel_json(channel)}
            if musicclass:
                hold["musicclass"] = musicclass
            return _typed("ChannelHold", now, **hold)
        case ev.ChannelHoldChanged(channel, False, _):
            return _typed("ChannelUnhold", now, channel=channel_json(channel))
        case ev.BridgeCreated(bridge):
            return _typed("BridgeCreated", now, bridge=bridge_json(bridge))
        case ev.BridgeDestroyed(bridge):
            return _typed("BridgeDestroyed", now, bridge=bridge_json(bridge))
        case ev.ChannelEnteredBridge(bridge, channel):
            return _typed("ChannelEnteredBridge", now, bridge=bridge_json(bridge), channel=channel_json(channel))
        case ev.ChannelLeftBridge(bridge, channel):
            return _typed("ChannelLeftBridge", now, bridge=bridge_json(bridge), channel=channel_json(channel))
        case ev.PlaybackStarted(playback):
            return _typed("PlaybackStarted", now, playback=playback_json(playback))
        case ev.PlaybackFinished(playback):
            return _typed("PlaybackFinished", now, playback=playback_json(playback))
        case ev.RecordingStarted(recording):
            return _typed("RecordingStarted", now, recording=recording_json(recording))
        case ev.RecordingFinished(recording):
            return _typed("RecordingFinished", now, recording=recording_json(recording))
        case _:
            return None  # MusicOnHold: AMI only (NOTES 15)


def _target_apps(target: Channel | Bridge) -> list[str]:
    return list(target.apps)


def recipients(event: ev.ModelEvent) -> list[str]:
    """Apps that receive the event: subscribers of the objects it concerns (StasisStart/End: their app)."""
    match event:
        case ev.StasisStarted(_, app, _) | ev.StasisEnded(_, app):
            return [app]
        case ev.DialUpdate(peer, caller, _, _):
            apps = dict.fromkeys(peer.apps)
            if caller is not None:
                apps.update(dict.fromkeys(caller.apps))
            return list(apps)
        case ev.ChannelEnteredBridge(bridge, channel) | ev.ChannelLeftBridge(bridge, channel):
            return list(dict.fromkeys([*channel.apps, *bridge.apps]))
        case ev.BridgeCreated(bridge) | ev.BridgeDestroyed(bridge):
            return list(bridge.apps)
        case ev.ChannelTransferRequested(channel, _, _, _) | ev.ChannelHoldChanged(channel, _, _):
            return list(channel.apps)
        case ev.PlaybackStarted(playback) | ev.PlaybackFinished(playback):
            return _target_apps(playback.target)
        case ev.RecordingStarted(recording) | ev.RecordingFinished(recording):
            return _target_apps(recording.target)
        case ev.MusicOnHold() | ev.MixMonitorChanged():
            return []
        case ev.QueueCallerChanged() | ev.QueueAgentChanged() | ev.QueueMemberChanged():
            return []  # app_queue reports on AMI only
        case ev.ContactStatusChanged() | ev.PeerStatusChanged() | ev.EndpointStateChanged() | ev.DeviceStateChanged():
            return []  # routed by subscription in pbxsim.ari.devices
        case _:
            return list(event.channel.apps)
