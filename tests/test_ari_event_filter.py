"""The application event filter: the engine drops at the source the ARI events it never reads."""

from __future__ import annotations

import json

import aiohttp

from engine.adapters.ari.wire import encode
from engine.pbx.ari_commands import FilterApplicationEvents
from tests.conftest import StartSim


def test_the_filter_is_the_body_itself() -> None:
    # Asterisk hands the whole JSON body to the `filter` parameter (unlike originate's `variables` key).
    request = encode(FilterApplicationEvents.disallowing("hive", ("ChannelVarset",)))
    assert (request.method, request.path) == ("PUT", "/applications/hive/eventFilter")
    assert request.json_body == {"disallowed": [{"type": "ChannelVarset"}]}


async def test_pbxsim_applies_the_filter_per_app(start_sim: StartSim) -> None:
    sim = await start_sim(user="u", secret="p")
    async with aiohttp.ClientSession(headers={"Authorization": aiohttp.encode_basic_auth("u", "p")}) as http:
        base = f"http://127.0.0.1:{sim.ari_port}/ari"
        async with http.ws_connect(f"{base}/events?app=hive") as socket:
            async with http.put(f"{base}/applications/hive/eventFilter",
                                json={"disallowed": [{"type": "ChannelVarset"}]}) as response:
                assert response.status == 200
                app = await response.json()
            assert app["events_disallowed"] == [{"type": "ChannelVarset"}]
            assert app["events_allowed"] == []
            caller = sim.model.world.place_inbound("hive", ["inbound", "5000"])
            async with http.post(f"{base}/channels/{caller.id}/variable",
                                 params={"variable": "X", "value": "1"}) as response:
                assert response.status == 204
            async with http.post(f"{base}/channels/{caller.id}/answer") as response:
                assert response.status == 204
            seen = []
            async for message in socket:
                event = json.loads(message.data)
                seen.append(event["type"])
                if event["type"] == "ChannelStateChange":
                    break
            assert seen == ["StasisStart", "ChannelStateChange"]  # the ChannelVarset in between was dropped
            async with http.put(f"{base}/applications/hive/eventFilter") as response:  # empty body clears
                assert (await response.json())["events_disallowed"] == []
