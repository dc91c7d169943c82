"""The AMI face's subscriber on the call model's bus, and the indexes AMI actions need.

`AmiCalls` is called synchronously for every model event, in publication order. For each it:
1. lets a watcher registered for the channel involved see it first (an Originate waiting for its outcome
   publishes OriginateResponse from here - before the event's own rendering, which is the recorded order for
   SIP busy: OriginateResponse, then the originated channel's HangupRequest; ami_outbound_outcomes t=6.814);
2. renders it once (`pbxsim.ami.render`) and hands the messages to `AmiServer.publish`, which encodes each
   message once and offers it to every session (permissions, `Events:` mask and `Filter`s are per session);
3. keeps the indexes: channels by name (AMI actions name channels, ARI uses ids), Linkedid of Local ;2
   halves (= the ;1 half's Uniqueid, as recorded), and MixMonitors to close when their channel goes.
Every step is a dict operation: no scans, so the cost per event does not grow with the number of calls.

Linkedid: a channel's own Uniqueid, except a Local ;2 half's (its ;1 half's) and a bridged channel's: when a
channel enters a bridge every member takes the oldest Linkedid among them, before BridgeEnter is shown, and
keeps it after leaving (ari_ws_reconnect.side_ami t=2.840: the agent leg rc-agent-1 enters with the caller's
1795641593.69; its own ;2 half, never bridged, keeps rc-agent-1). "Oldest" is the creation order of the
channel a Linkedid names; that order is kept while some channel still carries the Linkedid.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable

from pbxsim.ami.codec import Header
from pbxsim.ami.mixmonitor import MixMonitors
from pbxsim.ami.render import render
from pbxsim.model import CallModel
from pbxsim.model import events as ev
from pbxsim.model.objects import Channel

Publish = Callable[[list[Header], int], None]
Watcher = Callable[[ev.ModelEvent], None]


def _subject(event: ev.ModelEvent) -> Channel | None:
    """The channel an event is about, for watchers."""
    match event:
        case ev.DialUpdate(peer, _, _, _):
            return peer
        case ev.PlaybackFinished(playback):
            return playback.target if isinstance(playback.target, Channel) else None
        case ev.ChannelCreated(channel) | ev.ChannelStateChanged(channel, _) | ev.ChannelDestroyed(channel, _, _, _):
            return channel
        case ev.ChannelHangupRequested(channel, _, _, _):
            return channel
        case _:
            return None


class AmiCalls:
    """See the module docstring."""

    def __init__(self, model: CallModel, publish: Publish) -> None:
        self.model = model
        self._publish = publish
        self.by_name: dict[str, Channel] = {}
        self._linked: dict[str, str] = {}  # channel id -> Linkedid, when not its own id
        self._carried: Counter[str] = Counter()  # Linkedid -> channels carrying it through `_linked`
        self._age: dict[str, int] = {}  # Uniqueid -> creation order, while it can serve as a Linkedid
        self._order = itertools.count()
        self._local_first: dict[str, str] = {}  # "Local/x@y-0000000a" -> id of its ;1 half
        self.watchers: dict[str, Watcher] = {}  # channel id -> watcher
        self.globals: dict[str, str] = {}  # dialplan globals (Getvar/Setvar without Channel)
        self.mixmonitors = MixMonitors(model)
        model.bus.subscribe(self)

    def publish(self, message: list[Header], category: int) -> None:
        self._publish(message, category)

    def linkedid(self, channel: Channel) -> str:
        return self._linked.get(channel.id, channel.id)

    def __call__(self, event: ev.ModelEvent, now: float) -> None:
        subject = _subject(event)
        if isinstance(event, ev.ChannelCreated):
            self._index(event.channel)
        elif isinstance(event, ev.ChannelEnteredBridge):
            self._link_bridge(event.bridge.channels.values())
        if subject is not None:
            watcher = self.watchers.get(subject.id)
            if watcher is not None:
                watcher(event)
        for message, category in render(event, self.linkedid):
            self._publish(message, category)
        if isinstance(event, ev.ChannelDestroyed):
            self._forget(event.channel)

    def _index(self, channel: Channel) -> None:
        self.by_name[channel.name] = channel
        self._age[channel.id] = next(self._order)
        if channel.tech == "Local":
            base, _, half = channel.name.rpartition(";")
            if half == "1":
                self._local_first[base] = channel.id
            elif half == "2" and base in self._local_first:
                self._link(channel.id, self._local_first[base])

    def _link(self, channel_id: str, linkedid: str) -> None:
        previous = self._linked.get(channel_id)
        if previous is not None:
            self._release(previous)
        self._linked[channel_id] = linkedid
        self._carried[linkedid] += 1

    def _release(self, linkedid: str) -> None:
        self._carried[linkedid] -= 1
        if self._carried[linkedid] <= 0:
            del self._carried[linkedid]
            if linkedid not in self.model.channels:
                self._age.pop(linkedid, None)

    def _link_bridge(self, members: Iterable[Channel]) -> None:
        channels = list(members)
        if len(channels) < 2:
            return
        oldest = min((self.linkedid(c) for c in channels), key=lambda linkedid: self._age.get(linkedid, -1))
        for channel in channels:
            if self.linkedid(channel) != oldest:
                self._link(channel.id, oldest)

    def _forget(self, channel: Channel) -> None:
        if self.by_name.get(channel.name) is channel:
            del self.by_name[channel.name]
        linkedid = self._linked.pop(channel.id, None)
        if linkedid is not None:
            self._release(linkedid)
        if channel.id not in self._carried:
            self._age.pop(channel.id, None)
        self.watchers.pop(channel.id, None)
        base, _, half = channel.name.rpartition(";")
        if half == "1" and self._local_first.get(base) == channel.id:
            del self._local_first[base]
        self.mixmonitors.channel_gone(channel)
