"""pbxsim: AMD() for originates into the dialplan, over the wire, beyond the ari_amd replay.

* the dialer's own path: ARI `POST /channels` with context outbound-amd / extension detect (no app) to a
  scenario destination; the app subscribes to the channel (NOTES AMD 8) and sees AMDSTATUS / AMDCAUSE, then
  StasisStart ["amd", status, cause] - and nothing of the channel before it subscribed;
* AMI Originate with Context/Exten into an AMD extension runs the same (VarSet AMDSTATUS/AMDCAUSE on AMI);
* without the app, [amd-test]'s Hangup() after a failed Stasis(): the PBX's soft 16, the channel gone;
* a far end that names no verdict sends no audio: NOTSURE / TOOLONG-4900 after 5.009 s (the "nomedia" case).
Everything on a ManualClock over real loopback sockets; "nothing more" is proven by a later event arriving
first, never by waiting.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import Channel, FarEnd, amd, dialing
from pbxsim.model import events as ev
from pbxsim.model.objects import Dialplan
from pbxsim.server import PbxSim
from tests.conftest import StartSim
from tests.pbxsim_helpers import END, GUARD_SECONDS, headers_of
from tests.test_pbxsim_scenario_world import record, run_for, start

APP = "callhive"
USER = SECRET = "u"
SCENARIO = """\
outbound:
  trunk: carrier
  destinations:
    - {pattern: "_555XXXX", ring: 2, answered_by: {machine: 1}}
"""


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim(seed=21, user=USER, secret=SECRET)
    running.model.world.define_amd_extension("amd-test", "detect", amd.AmdExtension(APP))
    return running


async def next_events(socket: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    async with asyncio.timeout(GUARD_SECONDS):
        return [json.loads((await socket.receive()).data) for _ in range(count)]


async def test_ari_originate_into_outbound_amd_reaches_the_app_with_the_verdict(
    sim: PbxSim, clock: ManualClock
) -> None:
    start(sim, SCENARIO, app=APP)
    base = f"http://127.0.0.1:{sim.ari_port}/ari"
    headers = {"Authorization": aiohttp.encode_basic_auth(USER, SECRET)}
    async with aiohttp.ClientSession(headers=headers) as http, http.ws_connect(f"{base}/events?app={APP}") as socket:
        params = {"endpoint": "PJSIP/5551234@carrier", "context": "outbound-amd", "extension": "detect",
                  "channelId": "amd-1", "timeout": "30"}  # fmt: skip
        async with http.post(f"{base}/channels", params=params) as response:
            assert response.status == 200
            assert (await response.json())["dialplan"]["context"] == "from-trunk"  # the leg's own, until answered
        await run_for(sim, clock, 1)  # ringing (2 s): the app, not subscribed, hears nothing of it
        sources = {"eventSource": "channel:amd-1"}
        async with http.post(f"{base}/applications/{APP}/subscription", params=sources) as response:
            assert response.status == 200
        await run_for(sim, clock, 4, step=0.1)  # answer at 2 s, MACHINE 1.7 s later (the scenario's table)
        events = await next_events(socket, 6)
    assert [(e["type"], e.get("variable"), e.get("value")) for e in events] == [
        ("ChannelStateChange", None, None),  # Up: nothing of the ringing reached the app before it subscribed
        ("Dial", None, None),
        ("ChannelVarset", "AMDSTATUS", "MACHINE"),
        ("ChannelVarset", "AMDCAUSE", "MAXWORDS-3-2"),
        ("ChannelVarset", "STASISSTATUS", ""),
        ("StasisStart", None, None),
    ]
    assert events[1]["dialstatus"] == "ANSWER"
    assert events[5]["args"] == ["amd", "MACHINE", "MAXWORDS-3-2"]
    assert events[5]["channel"]["dialplan"]["context"] == "outbound-amd"


async def test_ami_originate_into_an_amd_extension_runs_amd(sim: PbxSim, clock: ManualClock) -> None:
    sim.model.stasis.activate(APP)
    sim.model.world.define_far_end("Local/human@amd-test", FarEnd.answers(amd=amd.SHORT_GREETING))
    seen = record(sim)
    async with asyncio.timeout(GUARD_SECONDS):
        reader, writer = await asyncio.open_connection("127.0.0.1", sim.ami_port)
        await reader.readline()
        writer.write(f"Action: Login\r\nUsername: {USER}\r\nSecret: {SECRET}\r\n\r\n".encode())
        writer.write(b"Action: Originate\r\nChannel: Local/human@amd-test\r\nContext: amd-test\r\nExten: detect\r\n"
                     b"Priority: 1\r\nAsync: true\r\n\r\n")  # fmt: skip
        await writer.drain()
        await run_for(sim, clock, 3, step=0.5)
        writer.write(b"Action: Ping\r\nActionID: done\r\n\r\n")
        variables = []
        while ("ActionID", "done") not in (message := headers_of(await reader.readuntil(END))):
            if ("Event", "VarSet") in message and dict(message)["Variable"].startswith("AMD"):
                variables.append((dict(message)["Variable"], dict(message)["Value"]))
        writer.close()
    assert variables == [("AMDSTATUS", "HUMAN"), ("AMDCAUSE", "HUMAN-800-800")]
    (started,) = [e for _, e in seen if isinstance(e, ev.StasisStarted)]
    assert started.args == ("amd", "HUMAN", "HUMAN-800-800") and started.channel.name.endswith(";1")
    (at,) = [now for now, e in seen if isinstance(e, ev.ChannelVarSet) and e.variable == "AMDSTATUS"]
    (answered,) = [now for now, e in seen if isinstance(e, ev.DialUpdate) and e.status == "ANSWER"]
    assert at - answered == pytest.approx(amd.SHORT_GREETING.seconds)


async def test_without_the_app_amd_test_hangs_up_after_the_verdict(sim: PbxSim, clock: ManualClock) -> None:
    sim.model.world.define_far_end("Local/silent@amd-test", FarEnd.answers(amd=amd.SILENCE))
    seen = record(sim)
    leg = dialing_originate(sim, "Local/silent@amd-test")
    await run_for(sim, clock, 4, step=0.5)
    mine = [e for _, e in seen if getattr(e, "channel", None) is leg]
    assert [(type(e).__name__, getattr(e, "variable", ""), getattr(e, "value", ""), getattr(e, "soft", ""))
            for e in mine if not isinstance(e, ev.ChannelCreated | ev.ChannelStateChanged)] == [
        ("ChannelVarSet", "AMDSTATUS", "MACHINE", ""),
        ("ChannelVarSet", "AMDCAUSE", "INITIALSILENCE-2500-2500", ""),
        ("ChannelVarSet", "STASISSTATUS", "FAILED", ""),
        ("ChannelHangupRequested", "", "", True),  # Hangup(): its dialplan ends, the PBX's soft 16
        ("ChannelDestroyed", "", "", ""),
    ]  # fmt: skip
    assert sim.model.channels == {} and not any(isinstance(e, ev.StasisStarted) for _, e in seen)


async def test_a_far_end_without_audio_leaves_amd_not_sure(sim: PbxSim, clock: ManualClock) -> None:
    sim.model.stasis.activate(APP)
    sim.model.world.define_far_end("Local/quiet@amd-test", FarEnd.answers())  # no verdict: sends no audio
    seen = record(sim)
    leg = dialing_originate(sim, "Local/quiet@amd-test")
    t0 = clock.now()
    await run_for(sim, clock, 5)
    assert not any(isinstance(e, ev.ChannelVarSet) and e.variable == "AMDSTATUS" for _, e in seen)
    await run_for(sim, clock, 1)
    verdicts = [(round(now - t0, 3), e.value) for now, e in seen if isinstance(e, ev.ChannelVarSet) and
                e.channel is leg and e.variable in ("AMDSTATUS", "AMDCAUSE")]  # fmt: skip
    assert verdicts == [(5.009, "NOTSURE"), (5.009, "TOOLONG-4900")]
    assert leg.stasis_app == APP and leg.stasis_args == ["amd", "NOTSURE", "TOOLONG-4900"]


def dialing_originate(sim: PbxSim, endpoint: str) -> Channel:
    """An originate into amd-test/detect without an app, as ARI and AMI place it."""
    return dialing.originate(sim.model, endpoint, None, [], location=Dialplan("amd-test", "detect", 1))
