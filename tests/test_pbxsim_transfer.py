"""A softphone's transfer key over ARI: reported as ChannelTransfer with ari-only handling, else carried out."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from engine.adapters.ari import decode_event
from engine.pbx.ari_events import ChannelTransfer
from pbxsim.model import FarEnd
from pbxsim.server import PbxSim
from tests.conformance_ari import SECRET, USER
from tests.conftest import StartSim


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    return await start_sim()


async def rest(http: aiohttp.ClientSession, sim: PbxSim, method: str, path: str, **query: str) -> Any:
    url = f"http://127.0.0.1:{sim.ari_port}/ari{path}"
    async with http.request(method, url, params={**query, "api_key": f"{USER}:{SECRET}"}) as response:
        assert response.status < 300, await response.text()
        return await response.json() if response.content_type == "application/json" else None


async def next_of(socket: aiohttp.ClientWebSocketResponse, type_: str) -> dict[str, Any]:
    async for message in socket:
        event = json.loads(message.data)
        if event["type"] == type_:
            return dict(event)
    raise AssertionError(f"socket closed before {type_}")


async def bridged_call(sim: PbxSim, http: aiohttp.ClientSession, socket: aiohttp.ClientWebSocketResponse,
                       handling: str | None) -> tuple[Any, str]:
    world = sim.model.world
    world.define_endpoint("1001", contact=True, far_end=FarEnd.answers(after=0))
    caller = world.place_inbound("hive", ["inbound", "5000"])
    await next_of(socket, "StasisStart")
    await rest(http, sim, "POST", f"/channels/{caller.id}/answer")
    variables = {"variables": {"PJSIP_TRANSFER_HANDLING()": handling}} if handling else {}
    async with http.post(f"http://127.0.0.1:{sim.ari_port}/ari/channels",
                         params={"endpoint": "PJSIP/1001", "app": "hive", "channelId": "agent-1",
                                 "api_key": f"{USER}:{SECRET}"}, json=variables) as response:
        assert response.status == 200
    await sim.model.scheduler.settle()
    await next_of(socket, "StasisStart")
    await rest(http, sim, "POST", "/bridges", bridgeId="b1", type="mixing")
    await rest(http, sim, "POST", "/bridges/b1/addChannel", channel=f"{caller.id},agent-1")
    await next_of(socket, "ChannelEnteredBridge")
    await next_of(socket, "ChannelEnteredBridge")
    return caller, "agent-1"


async def test_ari_only_transfer_is_reported_not_carried_out(sim: PbxSim) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(
        f"http://127.0.0.1:{sim.ari_port}/ari/events?app=hive&api_key={USER}:{SECRET}"
    ) as socket:
        caller, agent = await bridged_call(sim, http, socket, "ari-only")
        sim.model.world.transfer(sim.model.channel(agent), "2001")
        event = await next_of(socket, "ChannelTransfer")
        assert event["refer_to"]["requested_destination"] == {"destination": "2001"}
        assert event["referred_by"]["source_channel"]["id"] == agent
        assert event["referred_by"]["connected_channel"]["id"] == caller.id
        assert event["referred_by"]["bridge"]["id"] == "b1"
        # The engine's ARI adapter reads it as its typed ChannelTransfer (shape checked against the Swagger).
        typed = decode_event(json.dumps({**event, "application": "hive"}))
        assert isinstance(typed, ChannelTransfer)
        assert typed.refer_to.requested_destination.destination == "2001"
        # Nothing else happened: both parties are still in the bridge.
        bridge = await rest(http, sim, "GET", "/bridges/b1")
        assert sorted(bridge["channels"]) == sorted([caller.id, agent])


async def test_without_ari_only_the_pbx_carries_the_transfer_out(sim: PbxSim) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(
        f"http://127.0.0.1:{sim.ari_port}/ari/events?app=hive&api_key={USER}:{SECRET}"
    ) as socket:
        caller, agent = await bridged_call(sim, http, socket, None)
        sim.model.world.transfer(sim.model.channel(agent), "2001")
        left = await next_of(socket, "ChannelLeftBridge")
        assert left["channel"]["id"] in (caller.id, agent)
        ended = await next_of(socket, "StasisEnd")
        assert ended["channel"]["id"] in (caller.id, agent)
        assert agent not in sim.model.channels
