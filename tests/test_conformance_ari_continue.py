"""Conformance: transcripts/ari_continue_redirect replayed against pbxsim (rules: tests/conformance_ari.py).

The recorded run (NOTES 15-17): a Local caller into Stasis(callcenter) - ring / DELETE ring, answer, moh
default / nonexistent class / none and DELETE twice, silence, hold, a bridge with moh (+ 409 when not
playing, 404 for an unknown bridge), redirect errors (400 "Not Found", 422 x2) and a Local redirect that is
accepted and ignored (204), continue with an unknown label (404), back into Stasis (StasisEnd +
StasisStart), with no parameters (next priority: Hangup), on the gone channel (404 for continue/moh/ring);
a second Local caller continued into a nonexistent context; a ringing SIP caller redirected (302: cause
23/302, StasisEnd, the calling side follows as Local/cust-5550003@from-caller); an answered SIP caller
redirected (REFER: 204, nothing), GET /channels, DELETEs (the other halves/legs 404 afterwards).

Compared and ignored exactly as `Replay.compare_rest` / `Replay.compare_events` state (ChannelVarset of
BRIDGEPEER and RTPAUDIOQOS*, ChannelConnectedLine are not compared; `dialplan`/`caller`/`connected` by
shape; GET /channels as a set, Asterisk lists them in hash order). The SIP callers are the lab's AMI
Originate PJSIP/200@loop, modelled by `pbxsim.model.redirect.place_sip_inbound`.
"""

from __future__ import annotations

import aiohttp
import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import Party
from pbxsim.model.redirect import place_sip_inbound
from pbxsim.server import PbxSim
from tests.conformance_ari import APP, Hook, Replay, load_log
from tests.conftest import StartSim
from tests.pbxsim_helpers import customer


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim(seed=7)
    world = running.model.world
    world.define_endpoint("loop", contact=True, context="from-caller")
    world.dialplan_stasis[("from-caller", "200")] = (APP, ())  # 200 => NoOp, Stasis(callcenter), Hangup
    world.define_far_end("Local/cust-5550003@from-caller", customer("5550003"))
    return running


async def test_ari_continue_redirect_matches_recording(sim: PbxSim, clock: ManualClock) -> None:
    model = sim.model
    world = model.world

    async with aiohttp.ClientSession() as http:
        replay = Replay(sim, clock, http)

        def local_caller(recorded_id: str, name: str, number: str) -> Hook:
            def place() -> None:
                caller = world.place_inbound(APP, [], exten="200", context="from-caller", caller=Party(name, number))
                replay.ids.bind(recorded_id, caller.id)

            return place

        def sip_caller(called_id: str, calling_id: str, name: str, number: str) -> Hook:
            def place() -> None:
                called = place_sip_inbound(model, APP, [], caller=Party(name, number))
                assert called.peer is not None
                replay.ids.bind(called_id, called.id)
                replay.ids.bind(calling_id, called.peer.id)

            return place

        def answered_sip_caller() -> None:
            # The calling side of the first SIP call followed its 302 as a Local pair (t=17.926).
            forwarded = sorted(
                (c for c in model.channels.values() if c.name.startswith("Local/cust-5550003@from-caller")),
                key=lambda c: c.name,
            )
            assert [c.state.value for c in forwarded] == ["Up", "Up"]
            replay.ids.bind("1795641645.95", forwarded[0].id)
            replay.ids.bind("1795641645.96", forwarded[1].id)
            sip_caller("1795641650.98", "1795641650.97", "Mia Caller", "5551013")()

        hooks: dict[str, Hook] = {
            "=== Local caller: AMI Originate": local_caller("1795641628.86", "Judy Caller", "5551010"),
            "=== Local caller 2:": local_caller("1795641643.92", "Ken Caller", "5551011"),
            "SIP caller (unanswered": sip_caller("1795641645.94", "1795641645.93", "Leo Caller", "5551012"),
            "SIP caller (answered)": answered_sip_caller,
        }
        await replay.connect()
        await replay.run(load_log("ari_continue_redirect"), hooks)
        await replay.close()
    assert not hooks, f"hooks never fired: {sorted(hooks)}"

    replay.compare_rest()
    replay.compare_events()
    # Sanity of the comparison itself: it saw the 302 and the re-entry into Stasis.
    hangups = [(e["cause"], e.get("tech_cause")) for _, e in replay.events if e["type"] == "ChannelHangupRequest"]
    assert (23, 302) in hangups
    types = [e["type"] for _, e in replay.events]
    assert types.count("StasisStart") == 5 and types.count("StasisEnd") == 5
    assert model.channels == {}
