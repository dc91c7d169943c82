"""Carrying out a restore (engine/core/acd/restore.py) after each ARI (re)connect: read the callers'
variables over REST, a few requests in flight at a time, then hand the plan to the ACD runtime."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from engine.adapters.ari import AriClient
from engine.adapters.ari.errors import AriError, AriNotFound, ResourceGone
from engine.edge.restore_plan import CALL_VARIABLES
from engine.pbx import ari_commands as cmd

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
