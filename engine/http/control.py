"""The HTTP API for agents and queues: what `callhive agent ...` and `callhive queue stats` call.

    GET  /api/agents                          every agent: status, state, since when, reachability
    POST /api/agents/{id}/{login|ready|break|logout}   body {"reason": "..."} for break
    GET  /api/queues                          per queue: waiting, longest wait, agents by state, KPIs
    GET  /api/calls                           calls in the ACD: queue, phase, waited, agent
    POST /api/calls/{id}/transfer             body {"queue": "sales"} or {"agent": "1002"}

Errors are JSON `{"error": "..."}`: 404 unknown agent, 409 a change the agent's status does not allow
(ready while logged out) or a transfer that cannot be made (call not connected, agent busy), 400 a break
without a reason or a malformed body, 503 while the engine is still starting.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web

from engine.core.acd import TransferRefused, UnknownAgent
from engine.core.agent_fsm import IllegalTransition, StatusTrigger

ACTIONS = {"login": StatusTrigger.LOGIN, "ready": StatusTrigger.READY, "break": StatusTrigger.BREAK,
           "logout": StatusTrigger.LOGOUT}


class Control(Protocol):
    def agent_view(self, agent_id: str) -> dict[str, object]: ...

    def agents_view(self) -> list[dict[str, object]]: ...

    def queues_view(self) -> list[dict[str, object]]: ...

    def calls_view(self) -> list[dict[str, object]]: ...

    def request(self, agent_id: str, trigger: StatusTrigger, reason: str | None = None) -> None: ...

    def transfer(self, call_id: str, *, to_queue: str | None = None, to_agent: str | None = None) -> None: ...


# The current Control, or None while the engine is still starting.
ControlProvider = Callable[[], Control | None]
_CONTROL: web.AppKey[ControlProvider] = web.AppKey("control")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


ControlHandler = Callable[[web.Request, Control], Awaitable[web.Response]]


def _needs_control(handler: ControlHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The handler runs with the engine's Control; 503 while the engine is still starting."""

    async def handle(request: web.Request) -> web.Response:
        control = request.app[_CONTROL]()
        if control is None:
            return _error(503, "the engine is starting")
        return await handler(request, control)

    return handle


def _listing(name: str, view: Callable[[Control], list[dict[str, object]]]) -> ControlHandler:
    async def handle(_request: web.Request, control: Control) -> web.Response:
        return web.json_response({name: view(control)})

    return handle


async def _transfer(request: web.Request, control: Control) -> web.Response:
    try:
        body = await request.json() if request.can_read_body else None
    except json.JSONDecodeError:
        body = None
    targets = {k: v for k, v in body.items() if k in ("queue", "agent")} if isinstance(body, dict) else {}
    if len(targets) != 1 or not all(isinstance(v, str) and v for v in targets.values()):
        return _error(400, "the body must name one target: {\"queue\": \"sales\"} or {\"agent\": \"1002\"}")
    call_id = request.match_info["call_id"]
    try:
        control.transfer(call_id, to_queue=targets.get("queue"), to_agent=targets.get("agent"))
    except UnknownAgent as exc:
        return _error(404, str(exc))
    except TransferRefused as exc:
        return _error(409, str(exc))
    return web.json_response({"call": call_id, "transferred_to": targets})


async def _agent_action(request: web.Request, control: Control) -> web.Response:
    agent_id, action = request.match_info["agent_id"], request.match_info["action"]
    trigger = ACTIONS.get(action)
    if trigger is None:
        return _error(404, f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    reason = None
    if request.can_read_body:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "the body must be JSON, e.g. {\"reason\": \"lunch\"}")
        reason = body.get("reason") if isinstance(body, dict) else None
    try:
        control.request(agent_id, trigger, reason)
    except UnknownAgent as exc:
        return _error(404, str(exc))
    except IllegalTransition as exc:
        return _error(409, str(exc))
    except ValueError as exc:  # a break without a reason
        return _error(400, str(exc))
    return web.json_response({"agent": control.agent_view(agent_id)})


def add_control_routes(app: web.Application, provider: ControlProvider) -> None:
    app[_CONTROL] = provider
    app.router.add_get("/api/agents", _needs_control(_listing("agents", lambda c: c.agents_view())))
    app.router.add_get("/api/queues", _needs_control(_listing("queues", lambda c: c.queues_view())))
    app.router.add_get("/api/calls", _needs_control(_listing("calls", lambda c: c.calls_view())))
    app.router.add_post("/api/agents/{agent_id}/{action}", _needs_control(_agent_action))
    app.router.add_post("/api/calls/{call_id}/transfer", _needs_control(_transfer))
