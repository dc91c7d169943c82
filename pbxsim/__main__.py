"""`python -m pbxsim`: run the simulator on the wall clock until SIGINT/SIGTERM.

    python -m pbxsim --ami-port 5038 --ari-port 8088 --username callhive --secret callhive \\
        [--host 127.0.0.1] [--seed N] [--recordings-dir DIR] [--ready-file PATH] [--log-level INFO]
        [--scenario scenarios/demo.yaml [--app callhive]]

`--scenario` runs a simulated world from a YAML file (pbxsim.scenario, scenarios/README.md): softphones
registering and answering, callers arriving on DIDs into `Stasis(<app>,inbound,<number>)`, outbound
destinations. `--app` is the ARI application the dialplan hands calls to - the engine's, so the engine
passes it. The scenario's seed is used unless `--seed` is given, which then seeds both the PBX and the
world. A scenario with an error is refused before anything binds (exit 2, the error names file:line:field).

Credentials can also come from the environment (PBXSIM_AMI_USERNAME, PBXSIM_AMI_SECRET,
PBXSIM_ARI_USERNAME, PBXSIM_ARI_PASSWORD), which keeps them out of process listings and lets AMI and ARI
users differ, as they may on a real Asterisk; the environment wins over --username/--secret.

Once both listeners are bound it prints exactly one line to stdout and flushes it:

    {"ami_host": "127.0.0.1", "ami_port": 5038, "ari_host": "127.0.0.1", "ari_port": 8088, "pid": 4242}

so a parent process (tests, the demo, benchmarks) can read stdout instead of polling; with port 0 this is
also how it learns the ports. `--ready-file` writes the same JSON atomically (write + rename) for parents
that prefer a file. Logs go to stderr, one line per event. SIGINT/SIGTERM stop both servers cleanly and the
process exits 0 (1 if it cannot bind); it never forks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path

from pbxsim.clock import WallClock
from pbxsim.scenario import ScenarioError, ScenarioRunner, load_scenario
from pbxsim.server import PbxSim, PbxSimConfig

log = logging.getLogger("pbxsim")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m pbxsim", description="Simulated Asterisk 22 (AMI + ARI).")
    parser.add_argument("--ami-port", type=int, default=5038, help="AMI TCP port (0 = pick a free one)")
    parser.add_argument("--ari-port", type=int, default=8088, help="ARI HTTP port (0 = pick a free one)")
    parser.add_argument("--username", default="callhive", help="AMI user and ARI user")
    parser.add_argument("--secret", default="callhive", help="AMI secret and ARI password")
    parser.add_argument("--host", default="127.0.0.1", help="address both servers bind to")
    parser.add_argument("--seed", type=int, default=None, help="seed for every random choice (default 0)")
    parser.add_argument("--scenario", type=Path, help="YAML scenario of the simulated world to run")
    parser.add_argument("--app", default="callhive", help="ARI application the dialplan's Stasis() names")
    parser.add_argument("--recordings-dir", type=Path, help="where ARI recordings go (default: a temporary dir)")
    parser.add_argument("--ready-file", type=Path, help="also write the ready JSON to this file")
    parser.add_argument("--log-level", default="INFO", help="stdlib logging level for stderr")
    return parser.parse_args(argv)


def _write_ready_file(path: Path, payload: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(payload + "\n", encoding="utf-8")
    temporary.replace(path)  # atomic: a reader never sees half a file


async def run(args: argparse.Namespace) -> int:
    scenario = None
    if args.scenario is not None:
        try:
            scenario = load_scenario(args.scenario)
        except ScenarioError as error:
            log.error("%s", error)
            return 2
    seed = args.seed if args.seed is not None else (scenario.seed if scenario is not None else 0)
    config = PbxSimConfig(
        ami_host=args.host,
        ami_port=args.ami_port,
        ami_username=os.environ.get("PBXSIM_AMI_USERNAME", args.username),
        ami_secret=os.environ.get("PBXSIM_AMI_SECRET", args.secret),
        ari_host=args.host,
        ari_port=args.ari_port,
        ari_username=os.environ.get("PBXSIM_ARI_USERNAME", args.username),
        ari_password=os.environ.get("PBXSIM_ARI_PASSWORD", args.secret),
        seed=seed,
        clock=WallClock(),
        recordings_dir=args.recordings_dir,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    sim = PbxSim(config)
    try:
        await sim.start()
    except OSError as error:  # typically: port already in use
        log.error("cannot start: %s", error)
        return 1
    runner = None
    if scenario is not None:
        runner = ScenarioRunner(sim.model, scenario, app=args.app, seed=seed)
        runner.start()
    try:
        ready = json.dumps(
            {
                "ami_host": args.host,
                "ami_port": sim.ami_port,
                "ari_host": args.host,
                "ari_port": sim.ari_port,
                "pid": os.getpid(),
            }
        )
        if args.ready_file is not None:
            _write_ready_file(args.ready_file, ready)
        print(ready, flush=True)
        await stop.wait()
        log.info("signal received, stopping")
    finally:
        if runner is not None:
            runner.stop()
            log.info("scenario: %s", runner.stats.summary())
        await sim.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
