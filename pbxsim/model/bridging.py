"""Bridges: create, add/remove channels, destroy - with the recorded answers and event order.

From transcripts/ari_stasis_flow and ari_ws_reconnect:
* `POST /bridges` answers 200 with the bridge (`technology` simple_bridge for mixing, `bridge_class`
  stasis, `creator` Stasis, `video_mode` talker). No app sees BridgeCreated for it: nobody is subscribed
  to a bridge before a Stasis channel enters it.
* `addChannel` with several ids emits one ChannelEnteredBridge per channel, each showing the bridge's
  member list *including* the channel (t=6.736/6.737). An unknown channel -> 400 "Channel not found"
  (not 404, NOTES ARI 2); a channel not in Stasis -> 422.
* A Stasis channel entering subscribes its app to the bridge, so the app later gets BridgeDestroyed -
  unless `removeChannel` took the app's last channel out: then the app is unsubscribed (ari_continue_redirect
  t=11.882-11.888: removeChannel of the only member, DELETE, no BridgeDestroyed; ari_stasis_flow t=11.221:
  removeChannel of one of two members, the other left by hanging up, BridgeDestroyed at t=11.525).
* Destroy: remaining members leave (ChannelLeftBridge), then BridgeDestroyed, then 204.
Mixing bridges keep `simple_bridge` at any size here (Asterisk would switch to softmix beyond two members;
not recorded, not needed by a client).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pbxsim.model import errors
from pbxsim.model.events import BridgeCreated, BridgeDestroyed, ChannelEnteredBridge, ChannelLeftBridge
from pbxsim.model.objects import Bridge, Channel

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel

_TYPES = {"mixing", "holding", "dtmf_events", "proxy_media", "video_sfu", "video_single", "sdp_label"}


def create(model: CallModel, kind: str, bridge_id: str | None, name: str | None) -> Bridge:
    flags = [part for part in (kind or "mixing").split(",") if part]
    if any(flag not in _TYPES for flag in flags):
        raise errors.bad_request("Invalid bridge type")
    bid = bridge_id or model.random_uuid()
    if bid in model.bridges:
        raise errors.conflict("Bridge with this ID already exists")
    holding = "holding" in flags
    bridge = Bridge(
        id=bid,
        name=name or "",
        bridge_type="holding" if holding else "mixing",
        creationtime=model.now(),
        technology="holding_bridge" if holding else "simple_bridge",
    )
    model.bridges[bid] = bridge
    model.publish(BridgeCreated(bridge))
    return bridge


def add_channels(model: CallModel, bridge: Bridge, channel_ids: list[str]) -> None:
    channels = []
    for cid in channel_ids:
        channel = model.channels.get(cid)
        if channel is None:
            raise errors.bad_request("Channel not found")
        if channel.stasis_app is None:
            raise errors.unprocessable("Channel not in Stasis application")
        channels.append(channel)
    for channel in channels:
        enter(model, bridge, channel)


def enter(model: CallModel, bridge: Bridge, channel: Channel) -> None:
    if channel.bridge is bridge:
        return
    if channel.bridge is not None:
        leave(model, channel)
    channel.bridge = bridge
    bridge.channels[channel.id] = channel
    if channel.stasis_app is not None and channel.stasis_app not in bridge.apps:
        model.stasis.subscribe_bridge(channel.stasis_app, bridge)
    model.publish(ChannelEnteredBridge(bridge, channel))
    model.media.refresh(channel)


def remove_channels(model: CallModel, bridge: Bridge, channel_ids: list[str]) -> None:
    channels = []
    for cid in channel_ids:
        channel = model.channels.get(cid)
        if channel is None:
            raise errors.bad_request("Channel not found")
        if channel.bridge is not bridge:
            raise errors.unprocessable("Channel not in this bridge")
        channels.append(channel)
    for channel in channels:
        app = channel.stasis_app
        leave(model, channel)
        if app is not None and all(member.stasis_app != app for member in bridge.channels.values()):
            model.stasis.unsubscribe_bridge(app, bridge)


def leave(model: CallModel, channel: Channel) -> None:
    bridge = channel.bridge
    if bridge is None:
        return
    del bridge.channels[channel.id]
    channel.bridge = None
    model.publish(ChannelLeftBridge(bridge, channel))
    model.media.refresh(channel)


def destroy(model: CallModel, bridge: Bridge) -> None:
    if bridge.destroyed:
        return
    for channel in list(bridge.channels.values()):
        leave(model, channel)
    model.media.channel_gone(bridge)
    model.recordings.target_gone(bridge)
    bridge.destroyed = True
    model.publish(BridgeDestroyed(bridge))
    model.bridges.pop(bridge.id, None)
    model.stasis.forget_bridge(bridge)
