"""Conformance: AMI originates and device registration replayed against pbxsim (rules: tests/conformance_ami.py).

* ami_outbound_outcomes: async Originate (Application Playback) to the lab's SIP far ends over the loop and to
  Local/...@customers - answer after 3 s, busy, no answer until the 8 s timeout, congestion, unreachable (SIP
  timer B), no such endpoint, an endpoint without contact, a nonexistent Local extension - with
  OriginateResponse Reason 4/0/3/5/8 and CoreShowChannels after each. The far ends are defined the way
  etc/extensions.conf [customers] behaves on the recorded box.
* ami_register_devicestate: softphone 1003 registers, is refreshed, unregisters, registers again, stops
  answering qualifies, unregisters - driven through `sim.model.devices` at the recorded moments - with
  DeviceStateList / PJSIPShowContacts / PJSIPShowEndpoint (EndpointDetail, AuthDetail, TransportDetail,
  AorDetail, ContactStatusDetail: every field, in order) between.
"""

from __future__ import annotations

import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd
from pbxsim.server import PbxSim
from tests.conformance_ami import AmiReplay, Hook, compare, far_end_channels, load_items, recorded_steps
from tests.conftest import StartSim
from tests.pbxsim_helpers import customer


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim(seed=5)
    world = running.model.world
    world.define_endpoint("loop", contact=True, context="from-caller")
    for name in ("1001", "1002", "1003", "1004"):
        world.define_endpoint(name, contact=False, context="agents")
    for number in ("5550001", "6660001", "7770001", "8880001"):
        world.define_far_end(f"PJSIP/cust-{number}@loop", customer(number))
    world.define_far_end("PJSIP/loop/sip:5550001@127.0.0.1:5999", FarEnd.unreachable())
    for number in ("5550002", "6660002", "7770002", "8880002"):
        world.define_far_end(f"Local/{number}@customers", customer(number))
    return running


async def test_ami_outbound_outcomes_match_recording(sim: PbxSim, clock: ManualClock) -> None:
    expected = recorded_steps(load_items("ami_outbound_outcomes"))
    actual = await AmiReplay(sim, clock).run("ami_outbound_outcomes", {})
    compare(expected, actual, far_end_channels(expected))
    reasons = sorted({dict(m)["Reason"] for step in actual for m in step if ("Event", "OriginateResponse") in m})
    assert reasons == ["0", "3", "4", "5", "8"]  # every outcome the recording shows was compared
    assert sim.model.channels == {}


async def test_ami_register_devicestate_matches_recording(sim: PbxSim, clock: ManualClock) -> None:
    devices = sim.model.devices
    uri = "sip:1003@127.0.0.1:5070"
    hooks: dict[str, Hook] = {
        "REGISTER Expires 60 (digest auth)": lambda: devices.register("1003", contact_uri=uri),
        "re-REGISTER (refresh)": lambda: devices.register("1003", contact_uri=uri),
        "unregister) while the contact is Reachable": lambda: devices.unregister("1003"),
        "REGISTER Expires 60 again": lambda: devices.register("1003", contact_uri=uri),
        "unregister) while the contact is Unreachable": lambda: devices.unregister("1003"),
    }
    items = load_items("ami_register_devicestate")
    expected = recorded_steps(items)
    replay = AmiReplay(sim, clock)

    async def unreachable() -> None:  # the qualify at +30 s went unanswered; Unreachable 3 s later (t=41.342)
        await replay.at(41.342)
        devices.set_reachable("1003", False)

    hooks["waiting up to 40 s for the next qualify"] = unreachable
    actual = await replay.run_items(items, hooks)
    compare(expected, actual, set())
    assert devices.device_state("1003") == "UNAVAILABLE" and devices.contacts("1003") == []
    # Sanity of the comparison itself: the five PJSIPShowEndpoint listings were compared, contacts and all.
    details = [dict(m) for step in actual for m in step if dict(m).get("Event") == "ContactStatusDetail"]
    assert [d["Status"] for d in details] == ["Reachable", "Unreachable"]
    completes = [dict(m)["ListItems"] for step in actual for m in step if ("Event", "EndpointDetailComplete") in m]
    assert completes == ["4", "5", "4", "5", "4"]
