"""The HTTP API for agents and queues: what `callhive agent ...` and `callhive queue stats` call.

    GET  /api/agents                          every agent: status, state, since when, reachability
    POST /api/agents/{id}/{login|ready|break|logout}   body {"reason": "..."} for break
    GET  /api/queues                          per queue: waiting, longest wait, agents by state, KPIs

Errors are JSON `{"error": "..."}`: 404 unknown agent, 409 a change the agent's status does not allow
(ready while logged out), 400 a break without a reason, 503 while the engine is still starting.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from engine.core.acd import UnknownAgent
from engine.core.agent_fsm import IllegalTransition, StatusTrigger

ACTIONS = {"login": StatusTrigger.LOGIN, "ready": StatusTrigger.READY, "break": StatusTrigger.BREAK,
           "logout": StatusTrigger.LOGOUT}


class Control(Protocol):
    def agent_view(self, agent_id: str) -> dict[str, object]: ...

    def agents_view(self) -> list[dict[str, object]]: ...

    def queues_view(self) -> list[dict[str, object]]: ...

    def request(self, agent_id: str, trigger: StatusTrigger, reason: str | None = None) -> None: ...


# The current Control, or None while the engine is still starting.
ControlProvider = Callable[[], Control | None]
_CONTROL: web.AppKey[ControlProvider] = web.AppKey("control")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _control(request: web.Request) -> Control | None:
    return request.app[_CONTROL]()


async def _agents(request: web.Request) -> web.Response:
    control = _control(request)
    if control is None:
        return _error(503, "the engine is starting")
    return web.json_response({"agents": control.agents_view()})


async def _queues(request: web.Request) -> web.Response:
    control = _control(request)
    if control is None:
        return _error(503, "the engine is starting")
    return web.json_response({"queues": control.queues_view()})


async def _agent_action(request: web.Request) -> web.Response:
    control = _control(request)
    if control is None:
        return _error(503, "the engine is starting")
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
    app.router.add_get("/api/agents", _agents)
    app.router.add_get("/api/queues", _queues)
    app.router.add_post("/api/agents/{agent_id}/{action}", _agent_action)
