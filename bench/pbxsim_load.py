"""pbxsim under load: concurrent calls held and arrivals per second sustained, with pbxsim's CPU share.

pbxsim runs alone as a child process on the wall clock (`python -m pbxsim --scenario <generated>`), with a
scenario of callers on one DID and 5,000 softphones that answer in 0.5-1.5 s and hang up after 70 s.
A minimal ARI application written here (aiohttp only: the bench must not lean on the engine) plays the
engine's part for every call, so each call produces the event volume of a real one: on the caller's
StasisStart it answers the caller and originates a leg to a free softphone into Stasis; on the leg's
StasisStart it creates a mixing bridge and adds both; when either side leaves Stasis it hangs up the other
and destroys the bridge. Per call that is 5-6 REST requests and about 30 WebSocket events.

Phases (seconds after pbxsim starts): 5-65 s at 20 arrivals/s (concurrency climbs past 1,000), 65-125 s the
issue's burst, 50/s for a full minute (concurrency climbs past 3,000 calls), 125-145 s back at 20/s. For each
phase: arrivals/s seen on the socket, calls bridged/s, peak calls held and peak channels in pbxsim (its own
`GET /channels`), the wait from the caller's StasisStart to both parties bridged (p50/p99), events/s, CPU
seconds per wall second of pbxsim (psutil on the child) and of this client, and failed requests. Prints, never
asserts. Each call holds three channels (the caller's Local pair and the softphone's PJSIP leg).

Run: .venv/bin/python -m bench.pbxsim_load [--scale 1.0]   (--scale multiplies every rate)
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil

APP = "bench"
USER = SECRET = "bench"
TALK = 70.0
PHASES = [("steady 20/s", 5.0, 65.0, 20.0), ("burst 50/s", 65.0, 125.0, 50.0), ("tail 20/s", 125.0, 145.0, 20.0)]
END = 148.0  # seconds after start: the last phase is over, measurement stops
AGENTS = (20000, 24999)  # enough softphones for every call held at the end of the burst (~3,200 x 70 s talk)


def scenario_text(scale: float) -> str:
    streams = "\n".join(
        f'  - {{number: "5000", rate: {rate * scale}, window: {{start: {start}, end: {end}}}, patience: 30}}'
        for _, start, end, rate in PHASES
    )
    return (
        "seed: 4\n"
        "agents:\n"
        f'  "{AGENTS[0]}-{AGENTS[1]}": {{answer_after: {{min: 0.5, max: 1.5}}, talk: {TALK}, hangs_up: agent}}\n'
        f"inbound:\n{streams}\n"
    )


@dataclass
class Figures:
    """What the client saw, stamped with wall time relative to pbxsim's start."""

    arrivals: list[float] = field(default_factory=list)
    bridged: list[tuple[float, float]] = field(default_factory=list)  # (time, wait since StasisStart)
    held: list[tuple[float, int]] = field(default_factory=list)  # samples of calls bridged right now
    events: list[float] = field(default_factory=list)
    channels: list[tuple[float, int]] = field(default_factory=list)  # samples of pbxsim's GET /channels
    failures: list[tuple[float, str]] = field(default_factory=list)  # (time, what failed)


class MiniEngine:
    """The engine's part, as small as it gets; see the module docstring."""

    def __init__(self, http: aiohttp.ClientSession, base: str, t0: float, figures: Figures) -> None:
        self.http = http
        self.base = base
        self.t0 = t0
        self.figures = figures
        self.free = collections.deque(str(n) for n in range(AGENTS[0], AGENTS[1] + 1))
        self.calls: dict[str, dict[str, Any]] = {}  # channel id (caller or leg) -> call record
        self.live = 0
        self.serial = 0

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def request(self, method: str, path: str, **params: str) -> int:
        query = {**params, "api_key": f"{USER}:{SECRET}"}
        async with self.http.request(method, f"{self.base}{path}", params=query) as response:
            await response.read()
            if response.status >= 400 and method != "DELETE":
                self.figures.failures.append((self.now(), f"{method} {path.split('/')[1]} {response.status}"))
            return response.status

    async def on_event(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "StasisStart" and event["args"][:1] == ["inbound"]:
            await self.caller_arrived(event["channel"]["id"])
        elif kind == "StasisStart" and event["args"][:1] == ["agent"]:
            await self.agent_answered(event["channel"]["id"])
        elif kind == "StasisEnd":
            await self.left(event["channel"]["id"])

    async def caller_arrived(self, caller: str) -> None:
        self.figures.arrivals.append(self.now())
        call: dict[str, Any] = {"caller": caller, "start": self.now(), "leg": None, "bridge": None, "over": False}
        self.calls[caller] = call
        await self.request("POST", f"/channels/{caller}/answer")
        if not self.free:
            self.figures.failures.append((self.now(), "no free softphone"))
            return
        agent = self.free.popleft()
        self.serial += 1
        leg = f"leg-{self.serial}"
        call.update(leg=leg, agent=agent)
        self.calls[leg] = call
        status = await self.request(
            "POST", "/channels", endpoint=f"PJSIP/{agent}", app=APP, appArgs="agent", channelId=leg
        )
        if status != 200:
            self.free.append(agent)

    async def agent_answered(self, leg: str) -> None:
        call = self.calls.get(leg)
        if call is None or call["over"]:
            await self.request("DELETE", f"/channels/{leg}")
            return
        bridge = f"bridge-{leg}"
        call["bridge"] = bridge
        await self.request("POST", "/bridges", type="mixing", bridgeId=bridge)
        status = await self.request("POST", f"/bridges/{bridge}/addChannel", channel=f"{call['caller']},{leg}")
        if status == 204:
            self.live += 1
            call["bridged"] = True
            self.figures.bridged.append((self.now(), self.now() - call["start"]))

    async def left(self, channel: str) -> None:
        call = self.calls.pop(channel, None)
        if call is None:
            return
        if channel == call.get("leg"):
            self.free.append(call["agent"])
        if call["over"]:
            return
        call["over"] = True
        if call.get("bridged"):
            self.live -= 1
        other = call["leg"] if channel == call["caller"] else call["caller"]
        if other is not None:
            await self.request("DELETE", f"/channels/{other}")
        if call["bridge"] is not None:
            await self.request("DELETE", f"/bridges/{call['bridge']}")


async def start_pbxsim(scenario: Path) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pbxsim", "--scenario", str(scenario), "--app", APP, "--ami-port", "0",
        "--ari-port", "0", "--username", USER, "--secret", SECRET, "--log-level", "WARNING",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    ready = json.loads(await asyncio.wait_for(process.stdout.readline(), 30))
    return process, ready


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(scale: float) -> None:
    with tempfile.TemporaryDirectory(prefix="pbxsim-load-") as folder:
        scenario = Path(folder) / "load.yaml"
        scenario.write_text(scenario_text(scale))
        process, ready = await start_pbxsim(scenario)
        t0 = time.monotonic()  # the scenario's clock started a few ms before the ready line
        child, me = psutil.Process(ready["pid"]), psutil.Process()
        figures = Figures()
        cpu_marks: dict[float, tuple[float, float]] = {}
        base = f"http://127.0.0.1:{ready['ari_port']}/ari"
        connector = aiohttp.TCPConnector(limit=64)
        try:
            async with aiohttp.ClientSession(connector=connector) as http:
                engine = MiniEngine(http, base, t0, figures)
                socket = await http.ws_connect(
                    f"ws://127.0.0.1:{ready['ari_port']}/ari/events?app={APP}&api_key={USER}:{SECRET}"
                )
                async with asyncio.TaskGroup() as tasks:

                    async def read() -> None:
                        async for message in socket:
                            figures.events.append(engine.now())
                            tasks.create_task(engine.on_event(json.loads(message.data)))

                    reader = tasks.create_task(read())
                    marks = sorted({0.0, END} | {start for _, start, _, _ in PHASES} | {end for *_, end, _ in PHASES})
                    for mark in marks:
                        while engine.now() < mark:
                            await asyncio.sleep(min(1.0, mark - engine.now()))
                            figures.held.append((engine.now(), engine.live))
                            if len(figures.held) % 10 == 0:  # pbxsim's own count, now and then (a big body)
                                listing = f"{base}/channels?api_key={USER}:{SECRET}"
                                async with http.get(listing) as response:
                                    figures.channels.append((engine.now(), len(await response.json())))
                        cpu_marks[mark] = (cpu_seconds(child), cpu_seconds(me))
                    await socket.close()
                    reader.cancel()
        finally:
            process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 10)
    report(figures, cpu_marks, scale)


def report(figures: Figures, cpu: dict[float, tuple[float, float]], scale: float) -> None:
    print(f"pbxsim load (wall clock, ARI client in this process, talk {TALK:.0f} s, rates x{scale:g})")
    header = f"{'phase':<13}{'arrivals/s':>11}{'bridged/s':>10}{'peak held':>10}{'channels':>9}{'wait p50':>9}"
    print(header + f"{'p99':>8}{'events/s':>10}{'pbxsim CPU':>11}{'client CPU':>11}{'failures':>9}")
    for name, start, end, _ in PHASES:
        span = end - start
        arrivals = sum(1 for t in figures.arrivals if start <= t < end)
        waits = [wait for t, wait in figures.bridged if start <= t < end]
        held = max((n for t, n in figures.held if start <= t <= end), default=0)
        channels = max((n for t, n in figures.channels if start <= t <= end), default=0)
        events = sum(1 for t in figures.events if start <= t < end)
        failed = sum(1 for t, _ in figures.failures if start <= t < end)
        sim_cpu = (cpu[end][0] - cpu[start][0]) / span
        client_cpu = (cpu[end][1] - cpu[start][1]) / span
        print(
            f"{name:<13}{arrivals / span:>11.1f}{len(waits) / span:>10.1f}{held:>10d}{channels:>9d}"
            f"{percentile(waits, 0.5) * 1000:>7.0f}ms{percentile(waits, 0.99) * 1000:>6.0f}ms"
            f"{events / span:>10.0f}{sim_cpu:>10.0%}{client_cpu:>11.0%}{failed:>9d}"
        )
    total = sum(1 for _ in figures.arrivals)
    print(
        f"calls offered {total}, bridged {len(figures.bridged)}, peak held {max(n for _, n in figures.held)} "
        f"calls, peak {max((n for _, n in figures.channels), default=0)} channels in GET /channels (sampled "
        f"every 10 s), mean wait {statistics.fmean(w for _, w in figures.bridged) * 1000:.0f} ms"
    )
    print(f"failures: {dict(collections.Counter(what for _, what in figures.failures)) or 'none'}")
    print("wait = caller's StasisStart -> both in the bridge, including the softphone's 0.5-1.5 s ring;")
    print("CPU = CPU seconds per wall second (100% = one core).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every arrival rate")
    asyncio.run(run(parser.parse_args().scale))


if __name__ == "__main__":
    main()
