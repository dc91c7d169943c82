"""The HTTP API for agents, queues and calls: what `callhive agent ...`, `callhive call ...` and
`callhive queue stats` call.

    GET  /api/agents                          every agent: status, state, since when, reachability
    POST /api/agents/{id}/{login|ready|break|logout}   body {"reason": "..."} for break
    GET  /api/queues                          per queue: waiting, longest wait, agents by state, KPIs
    GET  /api/calls                           calls in the ACD: queue, phase, waited, agent
    POST /api/calls/{id}/transfer             body {"queue": "sales"} or {"agent": "1002"}

Errors: 404 unknown agent, 409 a change the agent's status does not allow (ready while logged out) or a transfer
that cannot be made (call not connected, agent busy), 400 a break without a reason or a request that does not
fit the declared models, 503 while the engine is still starting (before the request is looked at).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from engine.core.acd import TransferRefused, UnknownAgent
from engine.core.agent_fsm import IllegalTransition, StatusTrigger
from engine.http.models import (
    AgentAnswer,
    AgentPath,
    AgentsListing,
    BreakBody,
    CallPath,
    CallsListing,
    QueuesListing,
    TransferAnswer,
    TransferTarget,
)
from engine.http.routes import (
    Answer,
    AnyRoute,
    ApiError,
    ApiModel,
    Call,
    Handler,
    NoBody,
    NoParameters,
    Reply,
    Route,
    add_routes,
    error,
)

ACTIONS = {"login": StatusTrigger.LOGIN, "ready": StatusTrigger.READY, "break": StatusTrigger.BREAK,
           "logout": StatusTrigger.LOGOUT}


class Control(Protocol):
    @property
    def seq(self) -> int:
        """The seq of the last fact the views stand at (the read model's)."""
        ...

    def agent_view(self, agent_id: str) -> dict[str, object]: ...

    def agents_view(self) -> list[dict[str, object]]: ...

    def queues_view(self) -> list[dict[str, object]]: ...

    def calls_view(self) -> list[dict[str, object]]: ...

    def request(self, agent_id: str, trigger: StatusTrigger, reason: str | None = None) -> None: ...

    def transfer(self, call_id: str, *, to_queue: str | None = None, to_agent: str | None = None) -> None: ...


# The current Control, or None while the engine is still starting.
ControlProvider = Callable[[], Control | None]
_CONTROL: web.AppKey[ControlProvider] = web.AppKey("control")

_STARTING = error("the engine is still starting")
_UNKNOWN_AGENT = error("no such agent")


def _control(request: web.Request) -> Control:
    control = request.app[_CONTROL]()
    if control is None:
        raise ApiError(503, "the engine is starting")
    return control


def _started(request: web.Request) -> None:
    _control(request)


def _listing(name: str, view: Callable[[Control], list[dict[str, object]]]
             ) -> Handler[NoParameters, NoParameters, NoBody]:
    async def handle(call: Call[NoParameters, NoParameters, NoBody]) -> Reply:
        control = _control(call.request)
        return Reply({name: view(control), "seq": control.seq})

    return handle


def _status_change(trigger: StatusTrigger) -> Handler[AgentPath, NoParameters, BreakBody | NoBody]:
    async def handle(call: Call[AgentPath, NoParameters, BreakBody | NoBody]) -> Reply:
        control = _control(call.request)
        agent_id = call.path.agent_id
        reason = call.body.reason if isinstance(call.body, BreakBody) else None
        try:
            control.request(agent_id, trigger, reason)
        except UnknownAgent as exc:
            raise ApiError(404, str(exc)) from None
        except IllegalTransition as exc:
            raise ApiError(409, str(exc)) from None
        except ValueError as exc:  # a break without a reason
            raise ApiError(400, str(exc)) from None
        return Reply({"agent": control.agent_view(agent_id)})

    return handle


async def _transfer(call: Call[CallPath, NoParameters, TransferTarget]) -> Reply:
    control = _control(call.request)
    target = call.body
    try:
        control.transfer(call.path.call_id, to_queue=target.queue, to_agent=target.agent)
    except UnknownAgent as exc:
        raise ApiError(404, str(exc)) from None
    except TransferRefused as exc:
        raise ApiError(409, str(exc)) from None
    return Reply({"call": call.path.call_id, "transferred_to": target.as_json()})


def _get_listing(path: str, name: str, model: type[ApiModel], summary: str,
                 view: Callable[[Control], list[dict[str, object]]]) -> AnyRoute:
    return Route("GET", path, summary, _listing(name, view), path_params=NoParameters, query=NoParameters,
                 body=NoBody, answers={200: Answer(model, summary), 503: _STARTING}, guards=(_started,))


def _agent_action(action: str, trigger: StatusTrigger) -> AnyRoute:
    body: type[BreakBody | NoBody] = BreakBody if trigger is StatusTrigger.BREAK else NoBody
    answers = {200: Answer(AgentAnswer, "the agent after the change"), 404: _UNKNOWN_AGENT,
               409: error("the agent's status does not allow this change"), 503: _STARTING}
    if trigger is StatusTrigger.BREAK:
        answers[400] = error("a break without a reason, or a request that does not fit the declared models")
    return Route("POST", f"/api/agents/{{agent_id}}/{action}", f"{action.capitalize()}: an agent's status change",
                 _status_change(trigger), path_params=AgentPath, query=NoParameters, body=body, answers=answers,
                 guards=(_started,))


def control_routes() -> list[AnyRoute]:
    return [
        _get_listing("/api/agents", "agents", AgentsListing, "Every agent: status, state, phone, figures",
                     lambda c: c.agents_view()),
        *(_agent_action(action, trigger) for action, trigger in ACTIONS.items()),
        _get_listing("/api/queues", "queues", QueuesListing, "Per queue: waiting calls, agents by state, KPIs",
                     lambda c: c.queues_view()),
        _get_listing("/api/calls", "calls", CallsListing, "The calls the ACD holds, in line order per queue",
                     lambda c: c.calls_view()),
        Route("POST", "/api/calls/{call_id}/transfer", "Hand a connected call to a queue or a free agent",
              _transfer, path_params=CallPath, query=NoParameters, body=TransferTarget, body_required=True,
              answers={200: Answer(TransferAnswer, "the call was handed over"), 404: _UNKNOWN_AGENT,
                       409: error("the transfer cannot be made: the call is not connected, or the agent or "
                                  "queue cannot take it"), 503: _STARTING},
              guards=(_started,)),
    ]


def add_control_routes(app: web.Application, provider: ControlProvider) -> None:
    app[_CONTROL] = provider
    add_routes(app, control_routes())
