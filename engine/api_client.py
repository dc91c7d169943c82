"""`callhive agent ...`, `callhive call ...` and `callhive queue stats`: the CLI talks to a running engine
over its HTTP API."""

from __future__ import annotations

import json
from typing import Any, TextIO
from urllib.parse import quote

import aiohttp
from yarl import URL

from engine.config import Settings
from engine.errors import CallhiveError


def path_segment(value: str, what: str) -> str:
    """A value the operator typed, as one segment of an API path: refused when empty, percent-encoded whole,
    so `9999/../agents/1005` names one (unknown) agent rather than another one's URL."""
    if not value:
        raise CallhiveError(f"the {what} is empty")
    if value in (".", ".."):  # dot-segments, which HTTP clients and proxies fold away; %2E is the same character
        return value.replace(".", "%2E")
    return quote(value, safe="")


async def call_api(settings: Settings, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """`path` is already encoded (see `path_segment`). An error answer ends as one CallhiveError line."""
    if settings.http.port == 0:
        raise CallhiveError("[http] port is 0 (chosen at start); set the engine's real port with CALLHIVE_HTTP_PORT")
    url = URL(f"http://{settings.http.host}:{settings.http.port}{path}", encoded=True)
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.request(method, url, json=body) as response,
        ):
            text = await response.text(errors="replace")
            try:
                payload = json.loads(text)
            except ValueError:
                payload = None
            if response.status >= 400:
                raise CallhiveError(_error_line(f"{method} {path}", response.status, payload, text))
            if payload is None:
                raise CallhiveError(f"{method} {path} answered {response.status} with a body that is not JSON")
            return payload
    except (TimeoutError, aiohttp.ClientConnectionError) as exc:
        reason = type(exc).__name__
        raise CallhiveError(f"no engine answering at {url} ({reason}); is `callhive serve` running?") from None


def _error_line(request: str, status: int, payload: Any, text: str) -> str:
    """The engine's `{"error": ..., "fields": [...]}` as one line; any other answer by its status and first line."""
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        fields = payload.get("fields")
        fields = fields if isinstance(fields, list) else []
        named = [f"{item.get('field') or item.get('in', 'request')}: {item.get('message')}"
                 for item in fields if isinstance(item, dict)]
        return str(payload["error"]) + (f" ({'; '.join(named)})" if named else "")
    first = text.strip().splitlines()[0][:200] if text.strip() else ""
    return f"{request} answered {status}" + (f": {first}" if first else "")


def _since(seconds: float, now: float) -> str:
    if seconds <= 0:
        return "-"  # not changed since the engine started
    elapsed = max(0, int(now - seconds))
    return f"{elapsed // 3600:d}:{elapsed % 3600 // 60:02d}:{elapsed % 60:02d}"


def print_agents(agents: list[dict[str, Any]], now: float, out: TextIO) -> None:
    print(f"{'AGENT':<8} {'NAME':<20} {'STATUS':<16} {'STATE':<9} {'FOR':>8} {'PHONE':<11} {'CALLS':>5} {'OCC':>5}",
          file=out)
    for agent in agents:
        status = agent["status"] + (f" ({agent['break_reason']})" if agent.get("break_reason") else "")
        phone = "busy" if agent["device_busy"] else ("ok" if agent["reachable"] else "unreachable")
        print(f"{agent['id']:<8} {agent['name'][:20]:<20} {status[:16]:<16} {agent['state']:<9} "
              f"{_since(agent['state_since'], now):>8} {phone:<11} {agent['calls_today']:>5} "
              f"{_percent(agent.get('today', {}).get('occupancy')):>5}", file=out)


def _percent(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _seconds(value: Any) -> str:
    return "-" if value is None else f"{value:.0f}s"


def print_queues(queues: list[dict[str, Any]], out: TextIO) -> None:
    print(f"{'QUEUE':<12} {'WAIT':>4} {'LONGEST':>7} {'OFFERED':>7} {'ANSW':>5} {'ABAND':>5} {'SHORT':>5} "
          f"{'SL':>5} {'ASA':>5} {'AHT':>5}  AGENTS (today)", file=out)
    for queue in queues:
        today = queue["today"]
        agents = ", ".join(f"{n} {state}" for state, n in sorted(queue["agents"].items()))
        print(f"{queue['queue']:<12} {queue['waiting']:>4} {queue['longest_wait_s']:>6.0f}s {today['offered']:>7} "
              f"{today['answered']:>5} {today['abandoned']:>5} {today['short_abandoned']:>5} "
              f"{_percent(today['service_level']):>5} {_seconds(today['asa_s']):>5} {_seconds(today['aht_s']):>5}  "
              f"{agents}", file=out)


def print_calls(calls: list[dict[str, Any]], out: TextIO) -> None:
    print(f"{'CALL':<22} {'QUEUE':<12} {'PHASE':<14} {'WAITED':>7} {'CALLER':<16} AGENT", file=out)
    for call in calls:
        agent = call["agent_id"] or ", ".join(call["ringing"]) or "-"
        print(f"{call['id']:<22} {call['queue']:<12} {call['phase']:<14} {call['waited_s']:>6.0f}s "
              f"{(call['caller'] or '-')[:16]:<16} {agent}", file=out)
