"""Stasis applications: who is registered, who is active, and which objects each one is subscribed to.

Lifecycle, as recorded in transcripts/ari_ws_reconnect (NOTES "Later recordings" 12-14):

* An application exists while a WebSocket speaks for it (`activate`).
* When its socket closes and it still holds channels or bridges, it is only *deactivated*: the channels
  stay in Stasis and in their bridges, REST keeps working, `GET /applications` still lists it; events
  for it are dropped ("Inactive Stasis app 'callcenter' missed message"), never queued; a new call
  reaching `Stasis(app)` fails at once (STASISSTATUS=FAILED). A reconnect re-activates it and replays
  nothing.
* When its socket closes and it holds nothing (or its last object goes while inactive), it is destroyed:
  `GET /applications/<app>` -> 404 "Application not found".

Subscriptions are reference counts on both sides (`App.channels[id]` and `Channel.apps[name]`): being in
Stasis counts once, an explicit subscription (ARI originate, `POST /applications/x/subscription`) once,
so a channel that leaves Stasis stays visible to an app that originated it - which is why an originated
channel's ChannelDestroyed reaches the app after StasisEnd while a dialplan `Stasis()` channel's does not
(NOTES ARI 7). Routing an event is then a lookup on the object, never a scan over apps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pbxsim.model.objects import Bridge, Channel


@dataclass(slots=True, eq=False)
class App:
    name: str
    active: bool = True
    channels: dict[str, int] = field(default_factory=dict)  # insertion order = subscription order
    bridges: dict[str, None] = field(default_factory=dict)
    endpoints: dict[str, None] = field(default_factory=dict)
    devices: dict[str, None] = field(default_factory=dict)
    # PUT /applications/{app}/eventFilter: event types sent (empty: all) and not sent (wins over allowed).
    events_allowed: list[str] = field(default_factory=list)
    events_disallowed: list[str] = field(default_factory=list)

    def wants(self, event_type: str) -> bool:
        if event_type in self.events_disallowed:
            return False
        return not self.events_allowed or event_type in self.events_allowed

    @property
    def holds_objects(self) -> bool:
        return bool(self.channels or self.bridges)


class Applications:
    """The registry; `on_destroyed` lets the ARI layer forget an app's socket bookkeeping."""

    def __init__(self, on_destroyed: Callable[[str], None] | None = None) -> None:
        self.apps: dict[str, App] = {}
        self._on_destroyed = on_destroyed

    def get(self, name: str) -> App | None:
        return self.apps.get(name)

    def is_active(self, name: str) -> bool:
        app = self.apps.get(name)
        return app is not None and app.active

    def activate(self, name: str) -> App:
        app = self.apps.get(name)
        if app is None:
            app = self.apps[name] = App(name)
        app.active = True
        return app

    def activate_name(self, name: str) -> None:
        self.activate(name)

    def deactivate(self, name: str) -> None:
        app = self.apps.get(name)
        if app is None:
            return
        app.active = False
        self._collect(app)

    def _collect(self, app: App) -> None:
        if not app.active and not app.holds_objects:
            del self.apps[app.name]
            if self._on_destroyed is not None:
                self._on_destroyed(app.name)

    # ----------------------------------------------------------------------- subscriptions

    def subscribe_channel(self, name: str, channel: Channel) -> None:
        app = self.apps.get(name)
        if app is None:
            return
        app.channels[channel.id] = app.channels.get(channel.id, 0) + 1
        channel.apps[name] = channel.apps.get(name, 0) + 1

    def unsubscribe_channel(self, name: str, channel: Channel, everything: bool = False) -> None:
        count = channel.apps.get(name, 0)
        remaining = 0 if everything else count - 1
        if remaining > 0:
            channel.apps[name] = remaining
        else:
            channel.apps.pop(name, None)
        app = self.apps.get(name)
        if app is None:
            return
        held = app.channels.get(channel.id, 0)
        left = 0 if everything else held - 1
        if left > 0:
            app.channels[channel.id] = left
        else:
            app.channels.pop(channel.id, None)
            self._collect(app)

    def forget_channel(self, channel: Channel) -> None:
        for name in list(channel.apps):
            self.unsubscribe_channel(name, channel, everything=True)

    def subscribe_bridge(self, name: str, bridge: Bridge) -> None:
        app = self.apps.get(name)
        if app is None:
            return
        app.bridges[bridge.id] = None
        bridge.apps.add(name)

    def unsubscribe_bridge(self, name: str, bridge: Bridge) -> None:
        bridge.apps.discard(name)
        app = self.apps.get(name)
        if app is not None and bridge.id in app.bridges:
            del app.bridges[bridge.id]
            self._collect(app)

    def forget_bridge(self, bridge: Bridge) -> None:
        for name in list(bridge.apps):
            self.unsubscribe_bridge(name, bridge)
