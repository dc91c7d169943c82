"""Conformance: transcripts/ari_register_devicestate replayed against pbxsim (rules: tests/conformance_ari.py).

The recorded run: GET /endpoints/PJSIP/1003, /endpoints/PJSIP and /deviceStates before registration, while
registered, after unregistration, with the contact unreachable and after the second unregistration; app
`callcenter` subscribed to `endpoint:PJSIP/1003` and `deviceState:PJSIP/1003` (+ 422 for an unknown
endpoint), unsubscribed at the end. The softphone is driven through `sim.model.devices` at the recorded
NOTE moments (a REGISTER with a wrong password changes nothing; a refresh publishes nothing).

REST is compared by `Replay.compare_rest` (status, reason, content type, bodies; error bodies exactly).
The endpoint/device events are not among `COMPARED_TYPES` (they carry no channel/bridge id to order them
by), so this module compares them itself, as one sequence over the whole run:
* names, key order and every field exactly after `normalize()` (timestamps checked for format and masked),
  except `contact_info.roundtrip_usec`, a measured qualify round trip ("617", "430" recorded): compared as
  a decimal string, "0" exactly where the recording has "0" (every status but Reachable);
* each event in the same step as recorded or one step earlier (the rule of conformance_ari);
* order exactly, except one pair compared as a set: DeviceStateChanged NOT_INUSE and ContactStatusChange
  Reachable after a REGISTER. The recording itself shows both orders - DeviceStateChanged first at t=2.322,
  ContactStatusChange first at t=8.343 - because Asterisk raises them from different threads (the device
  state from the taskprocessor of the device-state cache, the contact status from the qualify's). No single
  order reproduces the recording, so pbxsim keeps AMI's order (pbxsim/model/devices.py) and the pair is
  compared as a set.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from pbxsim.clock import ManualClock
from pbxsim.server import PbxSim
from tests.conformance_ami import IdMap
from tests.conformance_ari import Hook, key_order, normalize, replay_recording
from tests.conftest import StartSim

DEVICE_TYPES = {"ContactStatusChange", "PeerStatusChange", "EndpointStateChange", "DeviceStateChanged"}
# Recorded: qualify_frequency 30, qualify_timeout 3 -> the contact went Unreachable 33 s after the OPTIONS
# answered on re-registration (t=8.343 -> t=41.342).
QUALIFY_FREQUENCY, QUALIFY_TIMEOUT = 30.0, 3.0


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim(seed=3)
    world = running.model.world
    for resource in ("1001", "1002", "1003", "1004"):  # etc/pjsip-lab.conf: softphones, none registered
        world.define_endpoint(resource, contact=False)
    world.define_endpoint("loop", contact=True, context="from-caller")  # static contact: online
    return running


def _masked(event: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = normalize(event, IdMap(), "rec")
    info = out.get("contact_info")
    if info is not None:
        rtt = info["roundtrip_usec"]
        assert isinstance(rtt, str) and re.fullmatch(r"\d+", rtt), rtt
        assert (rtt == "0") == (info["contact_status"] != "Reachable"), info
        info["roundtrip_usec"] = "<usec>"
    return out


def _canonical(events: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, str]]:
    """(step, event JSON) in order, the DeviceStateChanged / ContactStatusChange Reachable pair sorted."""
    rows = [(step, json.dumps(_masked(e))) for step, e in events if e["type"] in DEVICE_TYPES]
    for i in range(len(rows) - 1):
        first, second = json.loads(rows[i][1]), json.loads(rows[i + 1][1])
        statuses = {e.get("contact_info", {}).get("contact_status") for e in (first, second)}
        pair = {first["type"], second["type"]} == {"DeviceStateChanged", "ContactStatusChange"}
        if pair and "Reachable" in statuses and rows[i][1] > rows[i + 1][1]:
            rows[i], rows[i + 1] = rows[i + 1], rows[i]
    return rows


async def test_ari_register_devicestate_matches_recording(sim: PbxSim, clock: ManualClock) -> None:
    devices = sim.model.devices

    def stop_answering_options() -> None:
        # The next qualify (30 s after the one answered at registration) times out after 3 s.
        sim.model.later(QUALIFY_FREQUENCY + QUALIFY_TIMEOUT - 1.0, lambda: devices.set_reachable("1003", False))

    hooks: dict[str, Hook] = {
        "REGISTER with a wrong password": lambda: None,  # 401 challenge, then 403: no contact, no events
        "REGISTER Expires 60 (digest auth)": lambda: devices.register("1003"),
        "re-REGISTER (refresh)": lambda: devices.register("1003"),
        "unregister) while the contact is Reachable": lambda: devices.unregister("1003"),
        "REGISTER Expires 60 again": lambda: devices.register("1003"),
        "softphone stops answering OPTIONS": stop_answering_options,  # recorded 1 s after the OPTIONS answer
        "unregister) while the contact is Unreachable": lambda: devices.unregister("1003"),
    }
    replay = await replay_recording(sim, clock, "ari_register_devicestate", hooks)
    assert not hooks, f"hooks never fired: {sorted(hooks)}"

    replay.compare_rest()
    want, got = _canonical(replay.expected), _canonical(replay.events)
    assert [e for _, e in got] == [e for _, e in want]
    for (rec_step, event), (sim_step, _) in zip(want, got, strict=True):
        assert rec_step - 1 <= sim_step <= rec_step, (event, rec_step, sim_step)
    device_events = [e for _, e in replay.events if e["type"] in DEVICE_TYPES]
    recorded_events = [e for _, e in replay.expected if e["type"] in DEVICE_TYPES]
    assert sorted(json.dumps(key_order(e)) for e in device_events) == sorted(
        json.dumps(key_order(e)) for e in recorded_events
    )
    # Sanity of the comparison itself: every status the recording shows was seen.
    statuses = {e["contact_info"]["contact_status"] for e in device_events if "contact_info" in e}
    assert statuses == {"NonQualified", "Reachable", "Removed", "Unreachable"}
    assert devices.device_state("1003") == "UNAVAILABLE"
