"""Every ARI route pbxsim serves is declared, with that method, in the recorded Swagger (ari-api-docs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aiohttp import web

from pbxsim.ari.app import build_app
from pbxsim.ari.events import EventSockets
from pbxsim.clock import ManualClock
from pbxsim.core import Core
from pbxsim.model import CallModel
from tests.recorded import ARI_DOCS


def declared() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for doc in ARI_DOCS.glob("*.json"):
        for api in json.loads(doc.read_text()).get("apis", []):
            path = re.sub(r"\{[^}]+\}", "{}", api["path"])
            found.update((operation["httpMethod"], "/ari" + path) for operation in api.get("operations", []))
    return found


def served(tmp_path: Path) -> set[tuple[str, str]]:
    core = Core(ManualClock())
    app = build_app(core, EventSockets(core), "u", "p", CallModel(core, tmp_path))
    routes = set()
    for route in app.router.routes():
        assert isinstance(route.resource, web.AbstractResource)
        canonical = route.resource.canonical
        routes.add((route.method, re.sub(r"\{[^}]+\}", "{}", canonical)))
    return routes


def test_every_served_route_is_declared_in_the_swagger(tmp_path: Path) -> None:
    routes = served(tmp_path)
    assert ("POST", "/ari/bridges/{}/addChannel") in routes  # the table really was read
    assert len(routes) > 50
    undeclared = routes - declared()
    assert undeclared == set()


def test_the_resources_callhive_uses_are_served(tmp_path: Path) -> None:
    wanted = {
        ("POST", "/ari/channels"), ("POST", "/ari/channels/create"), ("POST", "/ari/channels/{}/dial"),
        ("POST", "/ari/channels/{}/snoop"), ("POST", "/ari/bridges/{}/record"), ("DELETE", "/ari/bridges/{}/moh"),
        ("GET", "/ari/recordings/stored/{}/file"), ("POST", "/ari/recordings/live/{}/stop"),
        ("GET", "/ari/endpoints/{}/{}"), ("POST", "/ari/applications/{}/subscription"), ("GET", "/ari/asterisk/info"),
        ("GET", "/ari/events"), ("POST", "/ari/channels/{}/continue"), ("POST", "/ari/channels/{}/redirect"),
    }  # fmt: skip
    assert wanted <= served(tmp_path)
