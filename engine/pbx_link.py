"""The engine's two connections to Asterisk, publishing everything they hear into the ordered stream.

The AMI and ARI clients each deliver their events through one synchronous callback in wire order; this
module stamps them into the engine's single event stream (and so into PostgreSQL and the wallboard) as they
arrive. After every AMI (re)connect the resync hook re-reads what the ACD needs to trust (registered
contacts, device states, live channels); the list items come back through the same stream. Both clients run
as tasks of the engine's TaskGroup: a refused login or a replaced ARI application ends them with an error the
CLI prints as one line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from engine.adapters.ami import AmiClient
from engine.adapters.ari import AriClient
from engine.clock import RuntimeClock
from engine.config import Settings
from engine.core.event_record import EventSource
from engine.pbx.ami_commands import (
    AmiActionError,
    ConnectionLost,
    CoreShowChannels,
    DeviceStateList,
    PJSIPShowContacts,
)
from engine.pbx.ami_events import AmiStreamItem, UnknownAmiEvent
from engine.pbx.ari_events import AriEvent, UnknownAriEvent
from engine.pbx.serialize import to_json
from engine.runtime import EventStream

log = logging.getLogger(__name__)

# ARI events the engine never reads: dialplan and caller-id narration and variable echoes (ChannelVarset alone
# was the busiest ARI event at 20 calls/s, mostly echoes of the engine's own variables: bench.engine_on_pbxsim).
ARI_EXCLUDED_EVENTS = ("ChannelVarset", "ChannelDialplan", "ChannelCallerId", "ChannelConnectedLine")


def _leg_of(event: Any) -> str | None:
    # Most events name their channel `channel`; ARI's Dial names the dialled one `peer`.
    channel = getattr(event, "channel", None) or getattr(event, "peer", None)
    if channel is None:
        return None
    leg = getattr(channel, "uniqueid", None) or getattr(channel, "id", None)
    return str(leg) if leg else None


def _pbx_time(event: Any) -> float | None:
    stamp = getattr(event, "timestamp", None)
    return stamp.timestamp() if isinstance(stamp, datetime) else None


class PbxLink:
    def __init__(self, settings: Settings, clock: RuntimeClock, stream: EventStream) -> None:
        self._stream = stream
        self.ami = AmiClient(settings.ami, clock, self._on_ami, resync=self._resync_ami)
        self.ari = AriClient(settings.ari, clock, self._on_ari, disallowed_events=ARI_EXCLUDED_EVENTS)
        # Who acts on the events once they are in the stream (the ACD runtime), in the order they arrived.
        self.ami_listeners: list[Callable[[AmiStreamItem], None]] = []
        self.ari_listeners: list[Callable[[AriEvent], None]] = []
        # Further work at each AMI (re)connect, after the reads above, before events flow (the fallback queue's
        # members: engine/routing/fallback_queue.py).
        self.ami_resyncs: list[Callable[[AmiClient], Awaitable[None]]] = []

    def _on_ami(self, event: AmiStreamItem) -> None:
        name = event.name if isinstance(event, UnknownAmiEvent) else type(event).__name__
        self._stream.publish(EventSource.AMI, name, leg_id=_leg_of(event), body=to_json(event))
        for listener in self.ami_listeners:
            listener(event)

    def _on_ari(self, event: AriEvent) -> None:
        name = event.type if isinstance(event, UnknownAriEvent) else type(event).__name__
        self._stream.publish(
            EventSource.ARI, name, pbx_time=_pbx_time(event), leg_id=_leg_of(event), body=to_json(event)
        )
        for listener in self.ari_listeners:
            listener(event)

    async def _resync_ami(self, client: AmiClient) -> None:
        # The items of each list arrive on the stream as events; the results need no handling here.
        for command in (PJSIPShowContacts(), DeviceStateList(), CoreShowChannels()):
            try:
                await client.send(command)
            except AmiActionError as exc:
                log.warning("AMI resync: %s refused: %s", command.action_name(), exc.message)
            except ConnectionLost:
                log.warning("AMI dropped during resync; it runs again on the next connect")
                return
        for resync in self.ami_resyncs:
            await resync(client)

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self.ami.run(), name="ami")
            tasks.create_task(self.ari.run(), name="ari")

    async def close(self) -> None:
        await self.ami.close()
        await self.ari.close()
