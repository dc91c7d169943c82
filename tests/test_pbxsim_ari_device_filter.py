"""pbxsim: device state and endpoint events reach an app through its subscriptions, and through its event filter.

Recorded (ari_register_devicestate, NOTES "Later recordings" 9-11): an app subscribed to `endpoint:PJSIP/1003`
and `deviceState:PJSIP/1003` gets ContactStatusChange / PeerStatusChange / EndpointStateChange /
DeviceStateChanged as the softphone registers. Not recorded, from ari-api-docs/applications.json (eventFilter):
the filter governs every event type sent to the app - an allowed list means "no other event messages are
sent", a disallowed type is never sent - so device and endpoint events obey it like channel events.

Real loopback sockets, a ManualClock; "nothing more arrived" is proven with a marker event the filter lets
through (a StasisStart), never by waiting.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from pbxsim.server import PbxSim
from tests.conftest import StartSim
from tests.pbxsim_helpers import GUARD_SECONDS

APP = "hive"
DEVICE_TYPES = {"ContactStatusChange", "PeerStatusChange", "EndpointStateChange", "DeviceStateChanged"}


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim(user="u", secret="p")
    running.model.world.define_endpoint("1003", contact=False)
    return running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Authorization": aiohttp.encode_basic_auth("u", "p")}) as session:
        yield session


def base(sim: PbxSim) -> str:
    return f"http://127.0.0.1:{sim.ari_port}/ari"


async def until_marker(socket: aiohttp.ClientWebSocketResponse, sim: PbxSim) -> list[dict[str, Any]]:
    """Place a call into Stasis (its StasisStart is the marker) and return every event received before it."""
    sim.model.world.place_inbound(APP, ["marker"])
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(GUARD_SECONDS):
        async for message in socket:
            event = json.loads(message.data)
            if event["type"] == "StasisStart" and event["args"] == ["marker"]:
                return seen
            seen.append(event)
    raise AssertionError("socket closed before the marker")


async def subscribe(http: aiohttp.ClientSession, sim: PbxSim) -> None:
    sources = "endpoint:PJSIP/1003,deviceState:PJSIP/1003"
    async with http.post(f"{base(sim)}/applications/{APP}/subscription", params={"eventSource": sources}) as answer:
        assert answer.status == 200
        body = await answer.json()
    assert (body["endpoint_ids"], body["device_names"]) == (["PJSIP/1003"], ["PJSIP/1003"])


async def set_filter(http: aiohttp.ClientSession, sim: PbxSim, body: dict[str, list[dict[str, str]]]) -> None:
    async with http.put(f"{base(sim)}/applications/{APP}/eventFilter", json=body) as answer:
        assert answer.status == 200


async def test_without_a_filter_a_registration_reaches_the_subscribed_app(
    sim: PbxSim, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(f"{base(sim)}/events?app={APP}") as socket:
        await subscribe(http, sim)
        sim.model.devices.register("1003")
        types = [e["type"] for e in await until_marker(socket, sim)]
    # NOTES 9: NonQualified first, then the qualify's Reachable with the endpoint online and NOT_INUSE.
    assert set(types) == DEVICE_TYPES and types[0] == "ContactStatusChange"


async def test_disallowed_device_and_endpoint_events_are_not_sent(sim: PbxSim, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(f"{base(sim)}/events?app={APP}") as socket:
        await subscribe(http, sim)
        await set_filter(http, sim, {"disallowed": [{"type": "ContactStatusChange"}, {"type": "DeviceStateChanged"}]})
        sim.model.devices.register("1003")
        types = [e["type"] for e in await until_marker(socket, sim)]
        assert types == ["EndpointStateChange", "PeerStatusChange"]  # [EndpointState online,] PeerStatus (devices.py)
        sim.model.devices.unregister("1003")  # Unreachable, Removed, UNAVAILABLE, offline
        after = [e["type"] for e in await until_marker(socket, sim)]
    assert sorted(after) == ["EndpointStateChange", "PeerStatusChange"]


async def test_an_allowed_list_keeps_device_events_out_unless_listed(sim: PbxSim, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(f"{base(sim)}/events?app={APP}") as socket:
        await subscribe(http, sim)
        await set_filter(http, sim, {"allowed": [{"type": "StasisStart"}]})
        sim.model.devices.register("1003")
        assert await until_marker(socket, sim) == []  # only StasisStart may pass: the marker itself
        await set_filter(http, sim, {"allowed": [{"type": "StasisStart"}, {"type": "DeviceStateChanged"}]})
        sim.model.devices.unregister("1003")
        events = await until_marker(socket, sim)
    assert [(e["type"], e["device_state"]) for e in events] == [
        ("DeviceStateChanged", {"name": "PJSIP/1003", "state": "UNAVAILABLE"})
    ]
