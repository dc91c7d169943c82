"""After each ARI (re)connect, reconcile with what the app holds: legs followed that vanished in the gap hung
up then (at once, before any later event); then the callers' variables are read over REST, a few requests in
flight at a time, the edge plans the restore (engine/edge/restore_plan.py) and the ACD takes the calls back
(engine/core/acd/restore.py); late callers are taken as new and strays are cleared."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from engine.adapters.ari import AriClient
from engine.adapters.ari.errors import AriError, AriNotFound, ResourceGone
from engine.core import facts
from engine.core.acd import AcdEvent, LegHungUp
from engine.core.calls import CallBook, LegStage
from engine.edge.restore_plan import CALL_VARIABLES, needs_variables, plan_restore
from engine.edge.translate import NewCaller
from engine.pbx import ari_commands as cmd
from engine.pbx.ari_events import AriResynced
from engine.routing.pbx_requests import PbxRequests

IN_FLIGHT = 20


async def read_call_variables(ari: AriClient, channel_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """channel id -> the call variables it has (a channel gone meanwhile, or one lacking them, has fewer)."""
    limit = asyncio.Semaphore(IN_FLIGHT)
    found: dict[str, dict[str, str]] = {}

    async def read(channel_id: str, name: str) -> None:
        async with limit:
            try:
                value = await ari.send(cmd.GetChannelVariable(channel_id=channel_id, variable=name))
            except (AriNotFound, ResourceGone):
                return
            except AriError:
                return  # unreadable: the caller is then treated as new, which loses nothing but its place
        found.setdefault(channel_id, {})[name] = value

    async with asyncio.TaskGroup() as tasks:
        for channel_id in channel_ids:
            for name in CALL_VARIABLES:
                tasks.create_task(read(channel_id, name))
    return found


class Restorer:
    def __init__(self, app: str, ari: AriClient, book: CallBook, requests: PbxRequests, *,
                 apply: Callable[[AcdEvent], None], new_caller: Callable[[NewCaller], None],
                 record: Callable[[facts.Fact], None]) -> None:
        self._app = app
        self._ari = ari
        self._book = book
        self._requests = requests
        self._apply = apply
        self._new_caller = new_caller
        self._record = record

    def resynced(self, snapshot: AriResynced) -> None:
        held = {channel.id for channel in snapshot.channels}
        gone = sorted(leg.leg_id for leg in self._book if leg.stage is LegStage.UP and leg.leg_id not in held)
        for leg in gone:
            self._apply(LegHungUp(leg))
        self._requests.lanes.submit("restore", lambda: self._restore(snapshot))

    async def _restore(self, snapshot: AriResynced) -> None:
        unknown = [c for c in snapshot.channels if c.id not in self._book and needs_variables(c, self._app)]
        variables = await read_call_variables(self._ari, [c.id for c in unknown])
        plan = plan_restore(self._app, snapshot.channels, snapshot.bridges, variables,
                            {leg.leg_id for leg in self._book})
        for call in plan.restored:
            self._apply(call)
        for caller in plan.new_callers:
            self._new_caller(caller)
        for channel_id in plan.hang_up:
            self._requests.send(channel_id, cmd.HangupChannel(channel_id=channel_id))
        for bridge_id in plan.destroy_bridges:
            self._requests.send(bridge_id, cmd.DestroyBridge(bridge_id=bridge_id))
        if plan.restored or plan.new_callers or plan.hang_up or plan.destroy_bridges:
            self._record(facts.AcdRestored(
                waiting=sum(1 for c in plan.restored if c.agent_leg is None),
                connected=sum(1 for c in plan.restored if c.agent_leg is not None),
                new_callers=len(plan.new_callers), hung_up=tuple(plan.hang_up),
                bridges_destroyed=tuple(plan.destroy_bridges)))
