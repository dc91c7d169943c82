"""pbxsim with a stopwatch: `python -m pbxsim`, plus when pbxsim saw what the routing bench times.

    python -m bench.pbxsim_stamped --stamps FILE [python -m pbxsim arguments...]

Runs pbxsim exactly as `python -m pbxsim` does (same arguments, same ready line) in this process, with three
hooks installed from outside, so the simulator's code stays as it is:
* an outermost aiohttp middleware stamps every `POST /ari/channels` (an originate) with the time its request
  reached pbxsim's handler chain, keyed by its `channelId` (the engine chooses it);
* the ARI WebSocket's `send_str` stamps each `StasisStart` of an inbound caller (args `inbound,<number>`) once
  written to the socket, with the number of inbound callers then in Stasis (the caller included);
* the caller streams' early hang-up and patience timers note whether the caller was connected (in a mixing
  bridge with an agent) when they hung up.
At SIGTERM, when the scenario stops, every caller gets a fate, counted on pbxsim's side alone: `connected`
(bridged with someone at their hang-up or at the end), `waiting` (still in Stasis, not bridged, at the end),
or `lost` (hung up or gone without ever being connected). The stamps and fates go to FILE as one JSON object.

Times are `time.time()` (CLOCK_REALTIME, shared by every process of the machine), so the bench compares them
with the engine's own stamps taken in another process.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

import pbxsim.__main__ as pbxsim_main
from pbxsim.ari import app as ari_app
from pbxsim.model.objects import Channel
from pbxsim.scenario import ScenarioRunner
from pbxsim.scenario.callers import CallerStream, connected
from pbxsim.scenario.stats import ScenarioStats

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Stamps:
    def __init__(self) -> None:
        self.caller_stasis: dict[str, float] = {}  # inbound caller channel -> its StasisStart written
        self.live_at_arrival: dict[str, int] = {}  # ...and the inbound callers in Stasis at that moment
        self.originates: dict[str, float] = {}  # channelId of POST /ari/channels -> request reached pbxsim
        self.left: dict[str, bool] = {}  # caller -> connected when they hung up (early or out of patience)
        self.fates: dict[str, str] = {}
        self.summary: dict[str, Any] = {}
        self._live: set[str] = set()

    def frame_sent(self, text: str, at: float) -> None:
        if not text.startswith('{"type":"Stasis'):
            return
        event = json.loads(text)
        channel = event.get("channel", {}).get("id", "")
        if event["type"] == "StasisEnd":
            self._live.discard(channel)
        elif event["type"] == "StasisStart" and event.get("args", [""])[0] == "inbound":
            self._live.add(channel)
            self.caller_stasis.setdefault(channel, at)
            self.live_at_arrival.setdefault(channel, len(self._live))

    def settle(self, channels: Mapping[str, Channel], stats: ScenarioStats) -> None:
        """Every caller's fate, once the scenario has stopped placing calls (`channels`: those still up)."""
        for caller in self.caller_stasis:
            channel = channels.get(caller)
            if caller in self.left:
                self.fates[caller] = "connected" if self.left[caller] else "lost"
            elif channel is not None:
                self.fates[caller] = "connected" if connected(channel) else "waiting"
            else:
                self.fates[caller] = "lost"  # gone, and not by the caller's own hang-up
        self.summary = {"arrivals": stats.arrivals, "stasis_failed": stats.stasis_failed,
                        "abandoned": stats.abandoned, "early_hangups": stats.early_hangups,
                        "offered": stats.offered, "answered": stats.agent_answers}  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"caller_stasis": self.caller_stasis, "live_at_arrival": self.live_at_arrival,
                "originates": self.originates, "fates": self.fates, "scenario": self.summary}  # fmt: skip


def install(stamps: Stamps, out: Path) -> None:
    @web.middleware
    async def stamp_originates(request: web.Request, handler: _Handler) -> web.StreamResponse:
        if request.method == "POST" and request.path == "/ari/channels":
            leg = request.query.get("channelId")
            if leg:
                stamps.originates.setdefault(leg, time.time())
        return await handler(request)

    build_app = ari_app.build_app

    def build_stamped_app(*args: Any, **kwargs: Any) -> web.Application:
        app = build_app(*args, **kwargs)
        app.middlewares.insert(0, stamp_originates)  # outermost: before authentication and routing
        return app

    ari_app.build_app = build_stamped_app

    send_str = web.WebSocketResponse.send_str

    async def stamped_send_str(self: web.WebSocketResponse, data: str, *args: Any, **kwargs: Any) -> None:
        await send_str(self, data, *args, **kwargs)
        stamps.frame_sent(data, time.time())

    setattr(web.WebSocketResponse, "send_str", stamped_send_str)  # noqa: B010 - for this process only

    for name in ("_hang_up_early", "_patience_over"):
        original: Callable[[CallerStream, Channel], None] = getattr(CallerStream, name)

        def noting(self: CallerStream, caller: Channel, original: Callable[[CallerStream, Channel], None] = original,
                   ) -> None:  # fmt: skip
            if not caller.hangup_requested and caller.id not in stamps.left:
                stamps.left[caller.id] = connected(caller)
            original(self, caller)

        setattr(CallerStream, name, noting)

    class SettlingRunner(ScenarioRunner):
        def stop(self) -> None:
            if self.started_at is not None:
                stamps.settle(self.model.channels, self.stats)
                out.write_text(json.dumps(stamps.to_json()))
            super().stop()

    setattr(pbxsim_main, "ScenarioRunner", SettlingRunner)  # noqa: B010 - the name `run()` looks up


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "--stamps":
        print("usage: python -m bench.pbxsim_stamped --stamps FILE [pbxsim arguments]", file=sys.stderr)
        return 2
    install(Stamps(), Path(argv[1]))
    return pbxsim_main.main(argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
