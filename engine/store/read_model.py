"""Rebuilding the read model (engine/core/read_model) from the `events` table, in any process: the engine's
facts (source 'engine') read in seq order, a page at a time, and applied by the same code the engine runs.

`up_to` rebuilds the model as it stood at a past seq; by default, at the last seq stored when the rebuild
began (rows written meanwhile are for the live feed, which resumes after `Rebuilt.seq`). A row that does
not decode as its fact (FactDecodeError: a body this version cannot read) is left out and counted, as the
statistics' history leaves it out (engine/store/agent_status.py); the events keep it.

While one page is applied the next is already being read, so PostgreSQL works while Python does.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from engine.core import facts as f
from engine.core.fact_registry import FactDecodeError, decode, name_of
from engine.core.facts import Fact, Stamped
from engine.core.read_model import ReadModel, ReadModelSetup

log = logging.getLogger(__name__)
# A row's body is one JSON object as PostgreSQL writes it: decoded without json.loads' argument handling,
# a microsecond a row over a day's facts.
_JSON = json.JSONDecoder()

PAGE_SIZE = 20_000

PAGE_QUERY = """
SELECT seq, extract(epoch FROM received_at)::float8 AS at, type, version, call_id, leg_id, agent_id, queue, body
FROM events
WHERE source = 'engine' AND seq > $1 AND seq <= $2
ORDER BY seq
LIMIT $3
"""


# What a model rebuilt from `since` needs from before it: each agent's last fact of each kind that sets what
# the agent is (status, state, phone, busy for), and every fact of the calls still open then.
CARRIED_QUERY = """
SELECT * FROM (
    SELECT DISTINCT ON (agent_id, type) seq, extract(epoch FROM received_at)::float8 AS at, type, version, call_id,
           leg_id, agent_id, queue, body
    FROM events
    WHERE source = 'engine' AND received_at < to_timestamp($1) AND agent_id IS NOT NULL AND type = ANY($2::text[])
    ORDER BY agent_id, type, seq DESC
) AS agents
UNION ALL
SELECT seq, extract(epoch FROM received_at)::float8 AS at, type, version, call_id, leg_id, agent_id, queue, body
FROM events
WHERE source = 'engine' AND received_at < to_timestamp($1)
  AND call_id IN (SELECT id FROM calls WHERE ended_at IS NULL OR ended_at >= to_timestamp($1))
ORDER BY seq
"""
AGENT_KINDS = tuple(name_of(kind) for kind in (
    f.AgentStatusChanged, f.AgentStateChanged, f.AgentReachable, f.AgentUnreachable, f.AgentDeviceBusy,
    f.AgentDeviceFree, f.AgentMadeBusy, f.AgentBusyEnded))


@dataclass(frozen=True, slots=True)
class Rebuilt:
    model: ReadModel
    seq: int  # the model stands here: every fact stored up to this seq is in it
    facts: int  # facts applied
    skipped: int  # rows left out: they did not decode as their fact


async def rebuild_read_model(pool: Any, setup: ReadModelSetup, *, up_to: int | None = None,
                             since: float | None = None, page_size: int = PAGE_SIZE) -> Rebuilt:
    """A read model of `setup` rebuilt from the events `pool` (an asyncpg pool) holds, up to seq `up_to`.

    With `since` (epoch seconds, e.g. the start of today), only the facts from then on are replayed, after
    what they need from before (CARRIED_QUERY): what a restarted engine needs to show today without reading
    every day the table holds; figures for earlier intervals are then not complete."""
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, not {page_size}")
    # The rebuild makes hundreds of thousands of objects that all live on: the collector's passes over them
    # would find nothing to free (1-2 s of a day's rebuild), so it rests meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return await _rebuild(pool, setup, up_to, since, page_size)
    finally:
        if collecting:
            gc.enable()


async def _rebuild(pool: Any, setup: ReadModelSetup, up_to: int | None, since: float | None,
                   page_size: int) -> Rebuilt:
    if up_to is None:
        up_to = int(await pool.fetchval("SELECT coalesce(max(seq), 0) FROM events"))
    model = ReadModel(setup)
    applied = skipped = 0
    first = 0
    if since is not None:
        carried = [row for row in await pool.fetch(CARRIED_QUERY, since, list(AGENT_KINDS)) if row["seq"] <= up_to]
        applied, skipped = _apply_rows(model, carried)
        first = int(await pool.fetchval(
            "SELECT coalesce(min(seq), $2 + 1) - 1 FROM events WHERE received_at >= to_timestamp($1)", since, up_to))
    async with asyncio.TaskGroup() as reads:  # a failure while applying cancels the read ahead
        page = reads.create_task(pool.fetch(PAGE_QUERY, first, up_to, page_size))
        while True:
            rows = await page
            if len(rows) == page_size:
                page = reads.create_task(pool.fetch(PAGE_QUERY, rows[-1]["seq"], up_to, page_size))
                await asyncio.sleep(0)  # the next page's query goes out before this one is applied
            done, left_out = _apply_rows(model, rows)
            applied, skipped = applied + done, skipped + left_out
            if len(rows) < page_size:
                return Rebuilt(model, up_to, applied, skipped)


def _apply_rows(model: ReadModel, rows: Sequence[Any]) -> tuple[int, int]:
    facts: list[Stamped] = []
    skipped = 0
    for row in rows:
        try:
            fact = fact_of_row(row)
        except FactDecodeError as exc:
            skipped += 1
            log.warning("stored fact left out of the read model: %s", exc, extra={"fields": {"seq": row["seq"]}})
            continue
        if fact is not None:  # a kind this version does not know is no fact of it
            facts.append(Stamped(row["seq"], row["at"], fact))
    model.feed(facts)
    return len(facts), skipped


def fact_of_row(row: Any) -> Fact | None:
    """The fact a row of the rebuild's query holds, as facts.fact_of reads a stored record (the registry's
    decoding; the row itself gives the id columns); None for a kind that is no fact. Raises FactDecodeError."""
    body, _end = _JSON.raw_decode(row["body"])
    if not isinstance(body, dict):
        raise FactDecodeError(f"{row['type']}: the body is no JSON object")
    return cast("Fact | None", decode(row["type"], row["version"], row, body))
