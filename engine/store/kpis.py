"""Per-queue KPIs in SQL over the stored call segments: the figures engine/core/stats.py keeps live from the
facts, computed again from what was recorded (its docstring defines them). Each queue segment is one
offered call in its queue, counted in the 15-minute interval, the hour and the day in which it entered,
in the center's time zone; the keys are those of `QueueStats.interval_keys`.

Handle time is counted for the completed agent leg of a call whose latest answered queue visit is in the
queue, once its wrap-up is recorded (as the live figures count it when the wrap-up ends).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from engine.core.stats import SHORT_ABANDON_S, Counters

# $1 time zone, $2/$3 the entry time range, $4/$5 the queues' service-level targets (seconds), $6 default.
_KEYS = """
CROSS JOIN LATERAL (VALUES
    ('15m:' || to_char(date_bin('15 minutes', local_entered, TIMESTAMP '2000-01-01'), 'YYYY-MM-DD"T"HH24:MI')),
    ('hour:' || to_char(local_entered, 'YYYY-MM-DD"T"HH24')),
    ('day:' || to_char(local_entered, 'YYYY-MM-DD'))
) AS keys (interval_key)
"""

VISITS = f"""
WITH targets AS (SELECT * FROM unnest($4::text[], $5::float8[]) AS t (queue, target_s)),
visits AS (
    SELECT s.queue, s.result, extract(epoch FROM s.left_at - s.entered_at)::float8 AS waited,
           s.entered_at AT TIME ZONE $1 AS local_entered, coalesce(t.target_s, $6) AS target_s
    FROM call_segments s LEFT JOIN targets t ON t.queue = s.queue
    WHERE s.kind = 'queue' AND s.entered_at >= $2 AND s.entered_at < $3
)
SELECT queue, interval_key,
       count(*) AS offered,
       count(*) FILTER (WHERE result = 'answered') AS answered,
       count(*) FILTER (WHERE result = 'answered' AND waited <= target_s) AS answered_in_target,
       count(*) FILTER (WHERE result = 'abandoned') AS abandoned,
       count(*) FILTER (WHERE result = 'abandoned' AND waited < $7) AS short_abandoned,
       count(*) FILTER (WHERE result = 'overflowed') AS overflowed,
       count(*) FILTER (WHERE result = 'refused') AS refused,
       count(*) FILTER (WHERE result = 'callback') AS callbacks,
       coalesce(sum(waited) FILTER (WHERE result = 'answered'), 0)::float8 AS wait_answered_s
FROM visits {_KEYS}
GROUP BY queue, interval_key
"""

HANDLED = f"""
WITH handled AS (
    SELECT v.queue, v.entered_at AT TIME ZONE $1 AS local_entered,
           (a.talk_seconds + a.wrapup_seconds)::float8 AS handle_s
    FROM call_segments a
    CROSS JOIN LATERAL (
        SELECT q.queue, q.entered_at FROM call_segments q
        WHERE q.call_id = a.call_id AND q.kind = 'queue' AND q.result = 'answered'
        ORDER BY q.entered_at DESC, q.id DESC LIMIT 1
    ) AS v
    WHERE a.kind = 'agent' AND a.result = 'completed' AND a.wrapup_seconds IS NOT NULL
      AND v.entered_at >= $2 AND v.entered_at < $3
)
SELECT queue, interval_key, count(*) AS handled, sum(handle_s)::float8 AS handle_s
FROM handled {_KEYS}
GROUP BY queue, interval_key
"""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)


async def queue_kpis(
    conn: Any, timezone: str, service_level_s: Mapping[str, float] | None = None, *,
    since: datetime = _EPOCH, until: datetime = _END_OF_TIME, default_target_s: float = 20.0,
) -> dict[tuple[str, str], Counters]:
    """(queue, interval key) -> the counters of the queue visits that entered in [since, until)."""
    targets = dict(service_level_s or {})
    figures: dict[tuple[str, str], Counters] = {}
    rows = await conn.fetch(VISITS, timezone, since, until, list(targets), list(targets.values()),
                            default_target_s, SHORT_ABANDON_S)
    for row in rows:
        figures[(row["queue"], row["interval_key"])] = Counters(
            offered=row["offered"], answered=row["answered"], answered_in_target=row["answered_in_target"],
            abandoned=row["abandoned"], short_abandoned=row["short_abandoned"], overflowed=row["overflowed"],
            refused=row["refused"], callbacks=row["callbacks"], wait_answered_s=row["wait_answered_s"],
        )
    for row in await conn.fetch(HANDLED, timezone, since, until):
        counters = figures.setdefault((row["queue"], row["interval_key"]), Counters())
        counters.handled, counters.handle_s = row["handled"], row["handle_s"]
    return figures
