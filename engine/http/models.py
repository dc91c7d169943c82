"""The declared shapes of the engine's own routes: what /api/health, /api/events, /api/agents, /api/queues and
/api/calls answer (the read model's views, `Engine.status`, the stored events) and what the agent
actions and the transfer take. Vocabularies come from the core's enums, so the document follows them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from engine.core.acd import CallPhase
from engine.core.agent_fsm import AgentState, AgentStatus
from engine.core.event_record import EventSource
from engine.core.strategies import Strategy
from engine.http.routes import ApiModel, Body, Identifier, NoControlCharacters

BIGINT_MAX = 2**63 - 1  # the events table's seq is a PostgreSQL bigint
MAX_EVENTS_PER_PAGE = 1000
BREAK_REASON_MAX = 200

# --- /api/health -----------------------------------------------------------------------------------------


class Health(ApiModel):
    status: Literal["ok", "degraded", "down"] = Field(
        description="ok; degraded: calls are still routed but something needs an operator (see checks); "
                    "down: the engine cannot take calls (HTTP 503)")
    checks: dict[str, dict[str, Any]] = Field(description="each part checked: its status and the figures behind it")
    center: str
    app: str = Field(description="the ARI application the engine drives")
    seq: int = Field(description="the seq of the last event applied")
    database: Literal["embedded", "external"]
    events_written: int
    open_calls: int
    uptime_s: float


# --- /api/events -----------------------------------------------------------------------------------------


class EventsQuery(ApiModel):
    after: int = Field(0, ge=0, le=BIGINT_MAX, description="only events with a greater seq")
    limit: int = Field(100, ge=0, le=BIGINT_MAX,
                       description=f"how many events at most; above {MAX_EVENTS_PER_PAGE}, {MAX_EVENTS_PER_PAGE}")


class StoredEvent(ApiModel):
    seq: int
    received_at: float = Field(description="when the engine received it, in Unix seconds")
    source: EventSource
    type: str
    call_id: str | None
    leg_id: str | None
    agent_id: str | None
    queue: str | None
    body: str = Field(description="the event's body, a JSON object as text")


class EventsPage(ApiModel):
    events: list[StoredEvent] = Field(description="in seq order; fewer than `limit` when caught up")


# --- /api/agents -----------------------------------------------------------------------------------------


class AgentFigures(ApiModel):
    handled: int
    talk_s: float
    wrapup_s: float
    staffed_s: float
    busy_s: float
    occupancy: float | None = Field(description="busy / staffed; null while not staffed")


class AgentView(ApiModel):
    id: str
    name: str
    endpoint: str
    queues: list[str]
    status: AgentStatus = Field(description="set by the agent or a supervisor")
    break_reason: str | None
    status_since: float = Field(description="Unix seconds; 0 when unchanged since the engine started")
    state: AgentState = Field(description="set by the engine")
    state_since: float
    reachable: bool
    device_busy: bool
    calls_today: int
    call_id: str | None
    interval: AgentFigures = Field(description="the current quarter hour")
    hour: AgentFigures
    today: AgentFigures


class AgentsListing(ApiModel):
    agents: list[AgentView]
    seq: int = Field(description="the seq of the last fact these figures stand at")


class AgentAnswer(ApiModel):
    agent: AgentView = Field(description="the agent after the change")


class AgentPath(ApiModel):
    agent_id: Identifier = Field(description="the agent's id in the centre file")


BreakReason = Annotated[str, StringConstraints(min_length=1, max_length=BREAK_REASON_MAX), NoControlCharacters(),
                        Field(description="the reason code, e.g. lunch, training")]


class BreakBody(Body):
    reason: BreakReason | None = Field(None, description="required: a break without a reason is 400")


# --- /api/queues -----------------------------------------------------------------------------------------


class QueueFigures(ApiModel):
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    overflowed: int
    refused: int
    callbacks: int
    service_level: float | None = Field(description="answered in target / ended; null before any call ended")
    asa_s: float | None
    aht_s: float | None


class QueueView(ApiModel):
    queue: str
    strategy: Strategy
    waiting: int
    longest_wait_s: float
    agents: dict[AgentState | AgentStatus, int] = Field(
        description="members by what they do: an available agent by state, the others by status")
    interval: QueueFigures = Field(description="the current quarter hour")
    hour: QueueFigures
    today: QueueFigures


class QueuesListing(ApiModel):
    queues: list[QueueView]
    seq: int = Field(description="the seq of the last fact these figures stand at")


# --- /api/calls ------------------------------------------------------------------------------------------


class CallView(ApiModel):
    id: str
    queue: str
    phase: CallPhase
    priority: int
    caller: str | None
    caller_name: str | None
    waited_s: float
    agent_id: str | None = Field(description="the agent connected to it, or reserved for it")
    ringing: list[str] = Field(description="the agents being offered it")


class CallsListing(ApiModel):
    calls: list[CallView]
    seq: int = Field(description="the seq of the last fact these figures stand at")


class CallPath(ApiModel):
    call_id: Identifier = Field(description="the call's id, as /api/calls lists it")


def _absent_rather_than_null(schema: dict[str, Any]) -> None:
    """A field that is left out rather than sent as null: its schema shows neither a null nor a default."""
    schema.pop("default", None)
    for branch in schema.pop("anyOf", []):
        if branch.get("type") != "null":
            schema.update(branch)


class TransferTarget(Body):
    """Exactly one of `queue` and `agent`."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              json_schema_extra={"minProperties": 1, "maxProperties": 1})

    queue: Identifier | None = Field(None, description="the queue to put the caller in",
                                     json_schema_extra=_absent_rather_than_null)
    agent: Identifier | None = Field(None, description="the free agent to ring",
                                     json_schema_extra=_absent_rather_than_null)

    @model_validator(mode="after")
    def _one_target(self) -> TransferTarget:
        named = [name for name in ("queue", "agent") if name in self.model_fields_set]
        if len(named) != 1 or getattr(self, named[0]) is None:
            raise PydanticCustomError("one_target", 'name one target: {"queue": "sales"} or {"agent": "1002"}')
        return self

    def as_json(self) -> dict[str, str]:
        return self.model_dump(exclude_none=True)


class TransferAnswer(ApiModel):
    call: str
    transferred_to: TransferTarget
