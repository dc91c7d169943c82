"""The declared models of the HTTP API, over real loopback sockets: every bad input of the field report answered
400 naming the field (never a 500) and never reaching the engine, the statuses the routes had kept, each route's
answer checked against its declared model (on a fake Control, on stored events and on a running engine), the
OpenAPI document, a feature adding its own routes, and the CLI client's quoting and error lines."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from openapi_spec_validator import validate as validate_openapi
from yarl import URL

from engine.api_client import call_api, path_segment
from engine.config import load_settings
from engine.core.acd import TransferRefused, UnknownAgent
from engine.core.agent_fsm import IllegalTransition, StatusTrigger
from engine.core.event_record import EventSource
from engine.errors import CallhiveError
from engine.http.control import control_routes
from engine.http.models import BREAK_REASON_MAX
from engine.http.openapi import OPENAPI_PATH
from engine.http.routes import (
    Answer,
    AnyRoute,
    ApiModel,
    Call,
    NoBody,
    NoParameters,
    Reply,
    Route,
    add_routes,
    check_answer,
    route_book,
)
from engine.http.server import ENGINE_ROUTES, create_http_app, serve_http
from engine.runtime import EventStream
from engine.store.event_writer import EventWriter
from engine.store.migrate import migrate
from pbxsim.model import FarEnd
from tests.acd_rig import Rig, open_rig
from tests.conftest import REPO, cli_env

FIGURES = {"handled": 0, "talk_s": 0.0, "wrapup_s": 0.0, "staffed_s": 0.0, "busy_s": 0.0, "occupancy": None}
COUNTERS = {"offered": 1, "answered": 1, "abandoned": 0, "short_abandoned": 0, "overflowed": 0, "refused": 0,
            "callbacks": 0, "service_level": 1.0, "asa_s": 3.0, "aht_s": None}
STATUS = {"status": "ok", "checks": {}, "center": "test", "app": "callhive", "seq": 7, "database": "embedded",
          "events_written": 7, "open_calls": 0, "uptime_s": 1.5}


class FakeControl:
    """The Control protocol, as the ACD answers it, recording what reached it."""

    def __init__(self) -> None:
        self.status = {"1001": "logged_out", "a/b": "logged_out"}
        self.requests: list[tuple[str, StatusTrigger, str | None]] = []
        self.transfers: list[tuple[str, str | None, str | None]] = []

    seq = 7

    def agent_view(self, agent_id: str) -> dict[str, object]:
        return {"id": agent_id, "name": "Alice", "endpoint": "PJSIP/1001", "queues": ["support"],
                "status": self.status[agent_id], "break_reason": None, "status_since": 0.0, "state": "idle",
                "state_since": 0.0, "reachable": True, "device_busy": False, "calls_today": 0, "call_id": None,
                "interval": FIGURES, "hour": FIGURES, "today": FIGURES}

    def agents_view(self) -> list[dict[str, object]]:
        return [self.agent_view(agent_id) for agent_id in self.status]

    def queues_view(self) -> list[dict[str, object]]:
        return [{"queue": "support", "strategy": "longest_idle", "waiting": 0, "longest_wait_s": 0.0,
                 "agents": {"logged_out": 2}, "interval": COUNTERS, "hour": COUNTERS, "today": COUNTERS}]

    def calls_view(self) -> list[dict[str, object]]:
        return [{"id": "c1", "queue": "support", "phase": "connected", "priority": 0, "caller": "5551000",
                 "caller_name": None, "waited_s": 3.0, "agent_id": "1001", "ringing": []}]

    def request(self, agent_id: str, trigger: StatusTrigger, reason: str | None = None) -> None:
        if agent_id not in self.status:
            raise UnknownAgent(f"no agent {agent_id!r}")
        if trigger is StatusTrigger.READY and self.status[agent_id] == "logged_out":
            raise IllegalTransition("status", agent_id, "logged_out", trigger)
        if trigger is StatusTrigger.BREAK and not reason:
            raise ValueError(f"agent {agent_id}: a break needs a reason code")
        self.requests.append((agent_id, trigger, reason))
        self.status[agent_id] = {"login": "available", "ready": "available", "break": "on_break",
                                 "logout": "logged_out"}[trigger.value]

    def transfer(self, call_id: str, *, to_queue: str | None = None, to_agent: str | None = None) -> None:
        if to_agent == "9999":
            raise UnknownAgent("no agent '9999'")
        if call_id != "c1":
            raise TransferRefused(f"call {call_id} is not connected to an agent")
        self.transfers.append((call_id, to_queue, to_agent))


class FakePool:
    """The events query, recorded: a request refused as invalid never reaches the database."""

    def __init__(self) -> None:
        self.queries: list[tuple[Any, ...]] = []

    async def fetch(self, _sql: str, *args: Any) -> list[dict[str, Any]]:
        self.queries.append(args)
        return []


class NoFeed:
    def status(self) -> dict[str, Any]:
        return {}

    def subscribe(self) -> tuple[dict[str, Any], AsyncIterable[dict[str, Any]]]:
        raise LookupError("the wallboard is not visited here")

    async def subscribe_raw(self) -> AsyncIterable[Any]:  # pragma: no cover - the wallboard is not visited here
        return
        yield


@dataclass
class Api:
    base: str
    control: FakeControl
    pool: FakePool
    http: aiohttp.ClientSession
    routes: list[AnyRoute] = field(default_factory=list)

    async def send(self, method: str, path: str, *, body: object = None, raw: bytes | None = None,
                   ) -> tuple[int, Any]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = {"Content-Type": "application/json"} if data is not None else {}
        async with self.http.request(method, URL(self.base + path, encoded=True), data=data,
                                     headers=headers) as response:
            assert response.status < 500 and response.content_type == "application/json", (method, path)
            return response.status, await response.json()


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    control, pool = FakeControl(), FakePool()
    app = create_http_app(lambda: dict(STATUS), NoFeed(), pool, lambda: control)
    route_book(app).check_answers = True  # an answer that drifts from its declared model fails the test
    async with serve_http(app, "127.0.0.1", 0) as base, aiohttp.ClientSession() as http:
        yield Api(base, control, pool, http, route_book(app).routes)


def invalid(status_and_body: tuple[int, Any]) -> list[tuple[str, str | None]]:
    """The (in, field) of each field a 400 names, after checking the one shape of a refused request."""
    status, body = status_and_body
    assert status == 400, body
    assert body["error"] == "invalid request"
    assert all(set(item) == {"in", "field", "message"} and item["message"] for item in body["fields"]), body
    return [(item["in"], item["field"]) for item in body["fields"]]


# --- bad input: 400 naming the field, nothing reaches the engine ------------------------------------------------


@pytest.mark.parametrize(("raw", "message"), [
    (b'{"reason": "caf\xe9"}', "not valid UTF-8"),
    (b"\xff\xfe{}", "not valid UTF-8"),
    (b"lunch", "not JSON"),
    (b'{"reason": "lunch"', "not JSON"),
    (b"[" * 5000 + b"]" * 5000, "not JSON"),
    (b'["lunch"]', "must be a JSON object"),
    (b'"lunch"', "must be a JSON object"),
    (b"null", "must be a JSON object"),
])
async def test_a_body_that_is_not_a_json_object_is_400_for_the_body_as_a_whole(api: Api, raw: bytes,
                                                                                message: str) -> None:
    for path in ("/api/agents/1001/break", "/api/calls/c1/transfer"):
        status, body = await api.send("POST", path, raw=raw)
        assert invalid((status, body)) == [("body", None)]
        assert message in body["fields"][0]["message"]
    assert api.control.requests == [] and api.control.transfers == []


@pytest.mark.parametrize(("reason", "why"), [
    ({"code": "lunch"}, "valid string"),
    (["lunch"], "valid string"),
    (5, "valid string"),
    (True, "valid string"),
    ("x" * (BREAK_REASON_MAX + 1), f"at most {BREAK_REASON_MAX} characters"),
    ("x" * 900_000, f"at most {BREAK_REASON_MAX} characters"),
    ("", "at least 1 character"),
    ("lunch\u0000", "control characters"),
    ("lunch\nbreak", "control characters"),
])
async def test_a_break_reason_must_be_a_short_plain_string(api: Api, reason: object, why: str) -> None:
    await api.send("POST", "/api/agents/1001/login")
    status, body = await api.send("POST", "/api/agents/1001/break", body={"reason": reason})
    assert invalid((status, body)) == [("body", "reason")]
    assert why in body["fields"][0]["message"]
    assert all(trigger is not StatusTrigger.BREAK for _, trigger, _ in api.control.requests)
    assert len(json.dumps(body)) < 1000  # the refused input is not echoed back


async def test_a_break_reason_at_the_limit_is_taken(api: Api) -> None:
    await api.send("POST", "/api/agents/1001/login")
    status, _ = await api.send("POST", "/api/agents/1001/break", body={"reason": "é" * BREAK_REASON_MAX})
    assert status == 200
    assert api.control.requests[-1] == ("1001", StatusTrigger.BREAK, "é" * BREAK_REASON_MAX)


@pytest.mark.parametrize(("path", "body", "fields"), [
    ("/api/agents/1001/break", {"reason": "lunch", "force": True}, [("body", "force")]),
    ("/api/agents/1001/login", {"reason": "lunch"}, [("body", "reason")]),
    ("/api/agents/1001/logout", {"force": True}, [("body", "force")]),
    ("/api/calls/c1/transfer", {"queu": "sales"}, [("body", "queu")]),
    ("/api/calls/c1/transfer", {"queue": "sales", "agent": "1002"}, [("body", None)]),
    ("/api/calls/c1/transfer", {}, [("body", None)]),
    ("/api/calls/c1/transfer", {"queue": None}, [("body", None)]),
    ("/api/calls/c1/transfer", {"queue": 5}, [("body", "queue")]),
    ("/api/calls/c1/transfer", {"agent": ""}, [("body", "agent")]),
    ("/api/calls/c1/transfer", {"agent": "x" * 129}, [("body", "agent")]),
])
async def test_unknown_fields_and_wrong_targets_are_400(api: Api, path: str, body: object,
                                                        fields: list[tuple[str, str | None]]) -> None:
    assert invalid(await api.send("POST", path, body=body)) == fields
    assert api.control.requests == [] and api.control.transfers == []


async def test_a_transfer_without_a_body_is_400(api: Api) -> None:
    status, body = await api.send("POST", "/api/calls/c1/transfer")
    assert invalid((status, body)) == [("body", None)]
    assert body["fields"][0]["message"] == "a JSON body is required"


@pytest.mark.parametrize(("query", "fields"), [
    ("limit=-1", [("query", "limit")]),
    ("after=-1", [("query", "after")]),
    ("after=99999999999999999999999", [("query", "after")]),
    ("limit=99999999999999999999999", [("query", "limit")]),
    ("after=abc", [("query", "after")]),
    ("after=1.5", [("query", "after")]),
    ("after=", [("query", "after")]),
    ("after=1&after=2", [("query", "after")]),
    ("afer=10", [("query", "afer")]),
    ("after=-1&limit=x", [("query", "after"), ("query", "limit")]),
])
async def test_events_query_parameters_out_of_range_are_400(api: Api, query: str,
                                                            fields: list[tuple[str, str | None]]) -> None:
    assert invalid(await api.send("GET", f"/api/events?{query}")) == fields
    assert api.pool.queries == []


async def test_events_query_in_range_reaches_the_database_with_the_page_bounded(api: Api) -> None:
    assert await api.send("GET", "/api/events") == (200, {"events": []})
    assert await api.send("GET", f"/api/events?after={2**63 - 1}&limit=5000") == (200, {"events": []})
    assert api.pool.queries == [(0, 100), (2**63 - 1, 1000)]


async def test_path_parameters_are_one_whole_segment_and_checked(api: Api) -> None:
    status, body = await api.send("POST", "/api/agents/a%2Fb/login")
    assert (status, body["agent"]["id"]) == (200, "a/b")
    assert await api.send("POST", "/api/agents/9999%2F..%2F1001/login") == (
        404, {"error": "no agent '9999/../1001'"})
    assert invalid(await api.send("POST", "/api/agents/10%0001/login")) == [("path", "agent_id")]
    assert invalid(await api.send("POST", f"/api/agents/{'1' * 129}/login")) == [("path", "agent_id")]
    assert api.control.requests == [("a/b", StatusTrigger.LOGIN, None)]


async def test_a_body_too_large_is_413_in_the_error_shape(api: Api) -> None:
    status, body = await api.send("POST", "/api/agents/1001/break", raw=b'{"reason": "' + b"x" * 2**21 + b'"}')
    assert status == 413 and set(body) == {"error"}
    assert api.control.requests == []


# --- the statuses kept ----------------------------------------------------------------------------------------


async def test_statuses_of_the_control_routes_are_kept(api: Api) -> None:
    assert await api.send("POST", "/api/agents/9999/login") == (404, {"error": "no agent '9999'"})
    status, body = await api.send("POST", "/api/agents/1001/ready")
    assert (status, body) == (409, {"error": "agent 1001: status 'logged_out' does not accept 'ready'"})
    status, body = await api.send("POST", "/api/agents/1001/login")
    assert (status, body["agent"]["status"]) == (200, "available")
    status, body = await api.send("POST", "/api/agents/1001/break")
    assert (status, body) == (400, {"error": "agent 1001: a break needs a reason code"})
    status, body = await api.send("POST", "/api/agents/1001/break", body={"reason": None})
    assert status == 400 and "needs a reason" in body["error"]
    status, body = await api.send("POST", "/api/agents/1001/break", body={"reason": "lunch"})
    assert (status, body["agent"]["status"]) == (200, "on_break")
    assert await api.send("POST", "/api/calls/c9/transfer", body={"queue": "sales"}) == (
        409, {"error": "call c9 is not connected to an agent"})
    assert await api.send("POST", "/api/calls/c1/transfer", body={"agent": "9999"}) == (
        404, {"error": "no agent '9999'"})
    assert await api.send("POST", "/api/calls/c1/transfer", body={"queue": "sales"}) == (
        200, {"call": "c1", "transferred_to": {"queue": "sales"}})
    assert api.control.transfers == [("c1", "sales", None)]


async def test_unknown_paths_and_methods_under_api_answer_in_the_error_shape(api: Api) -> None:
    assert await api.send("POST", "/api/agents/1001/dance") == (404, {"error": "no route /api/agents/1001/dance"})
    assert await api.send("POST", "/api/agents//login") == (404, {"error": "no route /api/agents//login"})
    assert await api.send("GET", "/api/nothing") == (404, {"error": "no route /api/nothing"})
    assert await api.send("DELETE", "/api/agents") == (405, {"error": "DELETE is not allowed on /api/agents"})


# --- answers fit their declared models --------------------------------------------------------------------------


async def test_every_route_answers_what_it_declares_on_a_fake_control(api: Api) -> None:
    """The server checks each answer against its route's model (check_answers): a drift answers 500 here."""
    asked = [("GET", "/api/health"), ("GET", "/api/events?after=3&limit=2"), ("GET", "/api/agents"),
             ("GET", "/api/queues"), ("GET", "/api/calls"), ("GET", OPENAPI_PATH),
             ("POST", "/api/agents/1001/login"), ("POST", "/api/agents/1001/break"),
             ("POST", "/api/agents/1001/ready"), ("POST", "/api/agents/1001/logout"),
             ("POST", "/api/calls/c1/transfer")]
    bodies = {"/api/agents/1001/break": {"reason": "lunch"}, "/api/calls/c1/transfer": {"agent": "1002"}}
    for method, path in asked:
        status, body = await api.send(method, path, body=bodies.get(path))
        assert status == 200, (path, body)
    assert len(asked) == len(api.routes)  # every declared route was asked


async def test_stored_events_fit_their_model(database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
        writer = EventWriter(pool)
        stream = EventStream(_Clock(), writer, last_seq=0)
        stream.publish(EventSource.AMI, "Newchannel", call_id="c1", leg_id="l1", body={"n": 1}, pbx_time=1.5)
        stream.publish(EventSource.ENGINE, "AgentStatusChanged", agent_id="1001", queue="support",
                       body={"status": "on_break", "reason": "lunch"})
        writer.close()
        await writer.run()
        app = create_http_app(lambda: dict(STATUS), NoFeed(), pool, lambda: None)
        route_book(app).check_answers = True
        async with serve_http(app, "127.0.0.1", 0) as base, aiohttp.ClientSession() as http, \
                http.get(f"{base}/api/events?after=0&limit=10") as response:
            assert response.status == 200
            events = (await response.json())["events"]
        assert [(e["seq"], e["source"], e["type"]) for e in events] == [
            (1, "ami", "Newchannel"), (2, "engine", "AgentStatusChanged")]
        assert json.loads(events[1]["body"]) == {"status": "on_break", "reason": "lunch"}
    finally:
        await pool.close()


class _Clock:
    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def now(self) -> float:
        self.t += 0.25
        return self.t


ENGINE_CENTER = """
queues:
  support: {strategy: longest_idle, wrapup_s: 5, ring_timeout_s: 15}
  sales: {wrapup_s: 5}
agents:
  "1001": {name: Alice, endpoint: PJSIP/1001, queues: [support]}
  "1002": {name: Bruno, endpoint: PJSIP/1002, queues: [support]}
  "2001": {name: Chloe, endpoint: PJSIP/2001, queues: [sales]}
numbers:
  "5000": {queue: support}
"""


@pytest.fixture
async def rig(database_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    async with open_rig(database_url, tmp_path, ENGINE_CENTER) as running:
        yield running


async def test_every_route_of_a_running_engine_answers_what_it_declares(rig: Rig) -> None:
    """The real views (agents on break and on a call, a connected and a waiting call, figures) against the
    declared models, as a client reads them: a field added, dropped or retyped in a view fails here."""
    base = rig.engine.url
    assert base is not None
    declared = {(route.method, route.path): route for route in (*ENGINE_ROUTES, *control_routes())}
    asked: set[tuple[str, str]] = set()

    async def ask(http: aiohttp.ClientSession, method: str, template: str, body: object = None,
                  **values: str) -> Any:
        async with http.request(method, base + template.format(**values), json=body) as response:
            payload = await response.json()
        check_answer(declared[(method, template.partition("?")[0])], response.status, payload)
        asked.add((method, template.partition("?")[0]))
        return payload

    await rig.phone("1001", FarEnd.answers(after=1))
    await rig.phone("2001", FarEnd.answers(after=1))
    async with aiohttp.ClientSession() as http:
        await ask(http, "POST", "/api/agents/{agent_id}/login", agent_id="1001")
        await ask(http, "POST", "/api/agents/{agent_id}/login", agent_id="2001")
        await ask(http, "POST", "/api/agents/{agent_id}/login", agent_id="1002")
        await ask(http, "POST", "/api/agents/{agent_id}/break", {"reason": "lunch"}, agent_id="1002")
        await ask(http, "POST", "/api/agents/{agent_id}/ready", agent_id="1002")
        await ask(http, "POST", "/api/agents/{agent_id}/break", {"reason": "training"}, agent_id="1002")
        rig.call_in("5000", caller="5550001")
        await rig.until("AgentRinging", agent_id="1001")
        await rig.advance(1)
        connected = await rig.until("AgentConnected", agent_id="1001")
        waiting = rig.call_in("5000", caller="5550002")
        await rig.until("CallerEnqueued", leg_id=waiting.id)
        await rig.advance(30)

        agents = await ask(http, "GET", "/api/agents")
        assert {a["id"]: (a["status"], a["state"]) for a in agents["agents"]} == {
            "1001": ("available", "on_call"), "1002": ("on_break", "idle"), "2001": ("available", "idle")}
        queues = await ask(http, "GET", "/api/queues")
        assert {q["queue"]: q["waiting"] for q in queues["queues"]} == {"support": 1, "sales": 0}
        calls = await ask(http, "GET", "/api/calls")
        assert sorted(c["phase"] for c in calls["calls"]) == ["connected", "waiting"]
        await ask(http, "GET", "/api/health")
        await ask(http, "GET", "/api/events?after=0&limit=50")
        transferred = await ask(http, "POST", "/api/calls/{call_id}/transfer", {"queue": "sales"},
                                call_id=connected.call_id or "")
        assert transferred == {"call": connected.call_id, "transferred_to": {"queue": "sales"}}
        await ask(http, "POST", "/api/agents/{agent_id}/logout", agent_id="2001")
        async with http.get(base + OPENAPI_PATH) as response:
            document = await response.json()
    assert asked == set(declared)
    assert {(method.upper(), path) for path, item in document["paths"].items() for method in item} == {
        *declared, ("GET", OPENAPI_PATH)}


# --- the OpenAPI document ---------------------------------------------------------------------------------------


async def test_the_openapi_document_is_valid_and_has_every_route(api: Api) -> None:
    status, document = await api.send("GET", OPENAPI_PATH)
    assert status == 200
    validate_openapi(document)
    schemas = document["components"]["schemas"]
    for route in api.routes:
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["summary"] == route.summary
        declared = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        assert declared == {("path", name) for name in route.path_params.model_fields} | {
            ("query", name) for name in route.query.model_fields}
        assert set(operation["responses"]) == {str(status) for status in route.all_answers}
        for status, answer in route.all_answers.items():
            reference = operation["responses"][str(status)]["content"]["application/json"]["schema"]["$ref"]
            assert reference == f"#/components/schemas/{answer.model.__name__}"
        assert ("requestBody" in operation) == (route.body is not NoBody)
    assert len({op["operationId"] for item in document["paths"].values() for op in item.values()}) == len(api.routes)
    # The one error shape, and the bounds a client must respect, are in the document.
    assert schemas["ErrorBody"]["required"] == ["error"]
    assert set(schemas["FieldError"]["required"]) == {"in", "field", "message"}
    reason = schemas["BreakBody"]["properties"]["reason"]["anyOf"][0]
    assert (reason["type"], reason["maxLength"]) == ("string", BREAK_REASON_MAX)
    after = next(p for p in document["paths"]["/api/events"]["get"]["parameters"] if p["name"] == "after")
    assert (after["schema"]["minimum"], after["schema"]["maximum"]) == (0, 2**63 - 1)
    assert schemas["TransferTarget"]["additionalProperties"] is False
    assert document["paths"]["/api/calls/{call_id}/transfer"]["post"]["requestBody"]["required"] is True


# --- a feature adds its routes the same way ---------------------------------------------------------------------


class GreetingPath(ApiModel):
    name: str


class GreetingQuery(ApiModel):
    times: int = 1


class Greeting(ApiModel):
    greeting: str


async def _greet(call: Call[GreetingPath, GreetingQuery, NoBody]) -> Reply:
    return Reply({"greeting": " ".join([f"hello {call.path.name}"] * call.query.times)})


def greeting_routes() -> list[AnyRoute]:
    """What a later feature's module declares (identity, IVR, dialer...), registered with one call."""
    return [Route("GET", "/api/greetings/{name}", "Greet someone", _greet, path_params=GreetingPath,
                  query=GreetingQuery, body=NoBody, answers={200: Answer(Greeting, "the greeting")})]


async def test_a_feature_adds_its_routes_and_they_are_validated_and_documented() -> None:
    app = create_http_app(lambda: dict(STATUS), NoFeed(), FakePool(), lambda: None)
    add_routes(app, greeting_routes())
    async with serve_http(app, "127.0.0.1", 0) as base, aiohttp.ClientSession() as http:
        async with http.get(f"{base}/api/greetings/ada?times=2") as response:
            assert (response.status, await response.json()) == (200, {"greeting": "hello ada hello ada"})
        async with http.get(f"{base}/api/greetings/ada?times=two") as response:
            assert invalid((response.status, await response.json())) == [("query", "times")]
        async with http.get(f"{base}{OPENAPI_PATH}") as response:
            document = await response.json()
    validate_openapi(document)
    operation = document["paths"]["/api/greetings/{name}"]["get"]
    assert [(p["in"], p["name"], p["required"]) for p in operation["parameters"]] == [
        ("path", "name", True), ("query", "times", False)]
    assert "Greeting" in document["components"]["schemas"]


def test_a_route_whose_path_and_parameters_disagree_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="name exactly the fields of NoParameters"):
        Route("GET", "/api/greetings/{name}", "Greet", _greet,  # type: ignore[arg-type]  # mypy sees it too
              path_params=NoParameters, query=GreetingQuery, body=NoBody,
              answers={200: Answer(Greeting, "the greeting")})


async def test_an_answer_that_drifts_from_its_model_is_caught_in_check_mode() -> None:
    async def drifted(_call: Call[NoParameters, NoParameters, NoBody]) -> Reply:
        return Reply({"greeting": "hi", "extra": 1})

    route = Route("GET", "/api/drifted", "Drifted", drifted, path_params=NoParameters, query=NoParameters,
                  body=NoBody, answers={200: Answer(Greeting, "the greeting")})
    app = web.Application()
    add_routes(app, [route])
    route_book(app).check_answers = True
    async with serve_http(app, "127.0.0.1", 0) as base, aiohttp.ClientSession() as http, \
            http.get(f"{base}/api/drifted") as response:
        assert response.status == 500  # the test server's way of failing; never on in production
    with pytest.raises(AssertionError, match="does not fit Greeting"):
        check_answer(route, 200, {"greeting": "hi", "extra": 1})
    with pytest.raises(AssertionError, match="answered 201, which it does not declare"):
        check_answer(route, 201, {"greeting": "hi"})


# --- the CLI's client -------------------------------------------------------------------------------------------


def test_path_segments_are_encoded_whole_and_never_empty() -> None:
    assert path_segment("9999/../../agents/1005", "agent id") == "9999%2F..%2F..%2Fagents%2F1005"
    assert path_segment("..", "agent id") == "%2E%2E"
    assert path_segment("a b?c#d", "agent id") == "a%20b%3Fc%23d"
    with pytest.raises(CallhiveError, match="the agent id is empty"):
        path_segment("", "agent id")


async def test_the_client_reaches_the_one_agent_named_and_reports_errors_in_one_line(api: Api) -> None:
    settings = load_settings(None, {"CALLHIVE_HTTP_HOST": "127.0.0.1", "CALLHIVE_HTTP_PORT": api.base.rsplit(":")[-1]})
    with pytest.raises(CallhiveError, match=r"^no agent '9999/\.\./\.\./agents/1001'$"):
        await call_api(settings, "POST", f"/api/agents/{path_segment('9999/../../agents/1001', 'id')}/break",
                       {"reason": "lunch"})
    with pytest.raises(CallhiveError, match=r"^no agent '\.\.'$"):
        await call_api(settings, "POST", f"/api/agents/{path_segment('..', 'id')}/login")
    with pytest.raises(CallhiveError, match=r"^invalid request \(reason: String should have at most 200"):
        await call_api(settings, "POST", "/api/agents/1001/break", {"reason": "x" * 201})
    assert api.control.requests == []


async def test_the_client_reports_an_answer_that_is_not_json_in_one_line() -> None:
    async def gateway(_request: web.Request) -> web.Response:
        return web.Response(status=502, text="Bad Gateway\n<html>proxy</html>")

    app = web.Application()
    app.router.add_get("/api/agents", gateway)
    async with serve_http(app, "127.0.0.1", 0) as base:
        settings = load_settings(None, {"CALLHIVE_HTTP_HOST": "127.0.0.1", "CALLHIVE_HTTP_PORT": base.rsplit(":")[-1]})
        with pytest.raises(CallhiveError, match=r"^GET /api/agents answered 502: Bad Gateway$"):
            await call_api(settings, "GET", "/api/agents")


async def test_the_cli_refuses_an_empty_agent_id_and_encodes_the_others(api: Api) -> None:
    env = cli_env(CALLHIVE_HTTP_HOST="127.0.0.1", CALLHIVE_HTTP_PORT=api.base.rsplit(":")[-1])

    async def callhive(*args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "engine.cli", *args, cwd=REPO, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    assert await callhive("agent", "login", "") == (1, "", "callhive: error: the agent id is empty\n")
    assert await callhive("agent", "break", "9999/../../agents/1001", "lunch") == (
        1, "", "callhive: error: no agent '9999/../../agents/1001'\n")
    assert await callhive("call", "transfer", "c1", "--queue", "") == (
        1, "", "callhive: error: invalid request (queue: String should have at least 1 character)\n")
    assert api.control.requests == [] and api.control.transfers == []
    assert await callhive("agent", "login", "a/b") == (0, "agent a/b: available, idle\n", "")
