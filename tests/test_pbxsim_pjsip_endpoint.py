"""pbxsim: PJSIPShowEndpoint for a static endpoint, against the recording, and its (unrecorded) errors.

The softphone profile (endpoint 1003 registering, five listings) is compared in the ami_register_devicestate
replay (tests/test_conformance_ami_outcomes.py). Here the other recorded profile: endpoint `loop` of
etc/pjsip.conf - a contact configured in pjsip.conf, identified by address, no auth - as listed at the start
of transcripts/ami_pjsip_loop_queue_call (steps 0-3: Login, PJSIPShowEndpoints, PJSIPShowEndpoint loop,
PJSIPShowContacts), every message compared after the `VARYING` masks of tests/pbxsim_helpers.py.
"""

from __future__ import annotations

import asyncio

import pytest

from pbxsim.server import PbxSim
from tests.conftest import StartSim
from tests.pbxsim_helpers import END, GUARD_SECONDS, assert_replay_matches, headers_of, replay

USER = SECRET = "engine"


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim()
    running.model.world.define_endpoint("loop", contact=True, context="from-caller")
    return running


async def test_static_endpoint_listing_matches_recording(sim: PbxSim) -> None:
    results = await replay("ami_pjsip_loop_queue_call", sim.ami_port, steps=[0, 1, 2, 3])
    assert_replay_matches(results)
    listed = [headers_of(message)[0][1] for message in results[2][1]]
    assert listed == [
        "Success", "EndpointDetail", "TransportDetail", "AorDetail", "ContactStatusDetail", "IdentifyDetail",
        "EndpointDetailComplete",
    ]  # fmt: skip


async def ask(sim: PbxSim, action: str) -> list[tuple[str, str]]:
    async with asyncio.timeout(GUARD_SECONDS):
        reader, writer = await asyncio.open_connection("127.0.0.1", sim.ami_port)
        try:
            await reader.readline()
            writer.write(f"Action: Login\r\nUsername: {USER}\r\nSecret: {SECRET}\r\nEvents: off\r\n\r\n".encode())
            await reader.readuntil(END)
            writer.write(action.encode())
            return headers_of(await reader.readuntil(END))
        finally:
            writer.close()


async def test_missing_and_unknown_endpoints_are_errors(sim: PbxSim) -> None:
    missing = await ask(sim, "Action: PJSIPShowEndpoint\r\n\r\n")
    assert missing == [("Response", "Error"), ("Message", "Endpoint parameter missing.")]
    unknown = await ask(sim, "Action: PJSIPShowEndpoint\r\nActionID: u\r\nEndpoint: nobody\r\n\r\n")
    assert unknown == [("Response", "Error"), ("ActionID", "u"), ("Message", "Unable to retrieve endpoint nobody")]
