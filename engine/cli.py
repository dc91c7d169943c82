"""The `callhive` command. Every failure the operator can act on ends as one line and exit status 1."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from engine.config import Settings, load_settings
from engine.errors import CallhiveError
from engine.logs import register_secret, setup_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callhive", description="callhive: a call-center engine on Asterisk (AMI + ARI)."
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE",
        help="settings file (TOML); default $CALLHIVE_CONFIG, else ./callhive.toml if present",
    )
    verbs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    verbs.add_parser("serve", help="run the engine against the configured Asterisk",
                     description="Run the engine against the configured Asterisk until SIGINT/SIGTERM.")

    demo = verbs.add_parser(
        "demo", help="run everything on embedded defaults: engine, pbxsim, PostgreSQL, wallboard",
        description="Start pbxsim (a simulated Asterisk), the embedded PostgreSQL, the engine and the "
        "wallboard, print the wallboard URL, and stop cleanly on Ctrl-C or after --duration.",
    )
    demo.add_argument("--duration", type=float, metavar="SECONDS", help="stop by itself after this long")
    demo.add_argument("--scenario", type=Path, default=Path("scenarios/demo.yaml"), metavar="FILE",
                      help="pbxsim world: agents' softphones and callers (default scenarios/demo.yaml)")

    db = verbs.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_verbs = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_verbs.add_parser("migrate", help="apply pending schema migrations",
                        description="Apply pending schema migrations (safe to run twice or concurrently).")

    verbs.add_parser("doctor", help="check config, database, AMI login and ARI, with fix hints",
                     description="Check config, database, AMI login and ARI; one line per check.")

    agent = verbs.add_parser("agent", help="agents: list, login, ready, break, logout (on a running engine)",
                             description="Agent actions, sent to the running engine's HTTP API.")
    agent_verbs = agent.add_subparsers(dest="agent_command", metavar="ACTION", required=True)
    agent_verbs.add_parser("list", help="every agent with status, state and phone",
                           description="List every agent with status, state and phone.")
    for action, text in (("login", "log an agent in"), ("ready", "make an agent available (ends wrap-up)"),
                         ("logout", "log an agent out")):
        verb = agent_verbs.add_parser(action, help=text, description=text.capitalize() + ".")
        verb.add_argument("agent_id", metavar="AGENT")
    pause = agent_verbs.add_parser("break", help="put an agent on break with a reason",
                                   description="Put an agent on break with a reason code.")
    pause.add_argument("agent_id", metavar="AGENT")
    pause.add_argument("reason", help="reason code, e.g. lunch, training")

    queue = verbs.add_parser("queue", help="queue statistics (on a running engine)",
                             description="Queue statistics from the running engine.")
    queue_verbs = queue.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    stats = queue_verbs.add_parser("stats", help="waiting calls and today's KPIs per queue",
                                   description="Waiting calls, agents and today's KPIs per queue, as of a seq.")
    stats.add_argument("--json", action="store_true",
                       help="print the API's answer as JSON (every interval, and the seq it stands at)")

    call = verbs.add_parser("call", help="calls: list, transfer (on a running engine)",
                            description="Calls in the ACD, from the running engine's HTTP API.")
    call_verbs = call.add_subparsers(dest="call_command", metavar="ACTION", required=True)
    call_verbs.add_parser("list", help="calls waiting, ringing, connected, or waiting for a callback",
                          description="Calls the ACD holds, in line order per queue.")
    transfer = call_verbs.add_parser("transfer", help="hand a connected call to a queue or an agent",
                                     description="Hand a connected call to a queue or to a free agent.")
    transfer.add_argument("call_id", metavar="CALL")
    target = transfer.add_mutually_exclusive_group(required=True)
    target.add_argument("--queue", help="the queue to put the caller in")
    target.add_argument("--agent", help="the free agent to ring")

    asterisk = verbs.add_parser("asterisk", help="Asterisk configuration",
                                description="Asterisk configuration helpers.")
    asterisk_verbs = asterisk.add_subparsers(dest="asterisk_command", metavar="ACTION", required=True)
    render = asterisk_verbs.add_parser(
        "render", help="render asterisk-conf/ and dialplans/ from the settings",
        description="Render a deploy-ready Asterisk configuration (manager, http, ari, pjsip, queues, "
        "dialplans...) from the same settings the engine uses, so ports and credentials agree.",
    )
    render.add_argument("--output", type=Path, metavar="DIR", required=True,
                        help="folder to write *.conf and dialplans/*.conf into (copy it to /etc/asterisk)")
    return parser


def _first_callhive_error(exc: BaseException) -> CallhiveError | None:
    """The TaskGroup wraps failures in ExceptionGroups; the operator needs the one that explains them."""
    if isinstance(exc, CallhiveError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _first_callhive_error(inner)
            if found is not None:
                return found
    return None


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    try:
        return asyncio.run(coro)
    except BaseExceptionGroup as group:
        found = _first_callhive_error(group)
        if found is None:
            raise
        raise found from None


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from engine import commands  # imported late: `--help` should not pay for asyncpg and aiohttp

    if args.command == "serve":
        _run(commands.serve(settings, sys.stdout))
    elif args.command == "demo":
        _run(commands.demo(settings, args.duration, args.scenario, sys.stdout))
    elif args.command == "db":
        _run(commands.db_migrate(settings, sys.stdout))
    elif args.command == "doctor":
        from engine.doctor import run_doctor

        return 0 if _run(run_doctor(settings, sys.stdout)) else 1
    elif args.command == "agent":
        return int(_run(_agent_command(settings, args)))
    elif args.command == "call":
        return int(_run(_call_command(settings, args)))
    elif args.command == "queue":
        from engine.api_client import call_api, print_queues

        answer = _run(call_api(settings, "GET", "/api/queues"))
        if args.json:
            print(json.dumps(answer, indent=2))
        else:
            print_queues(answer["queues"], sys.stdout)
            print(f"as of seq {answer['seq']}")
    elif args.command == "asterisk":
        from engine.asterisk import render_asterisk_config

        for path in render_asterisk_config(settings, args.output):
            print(path)
    return 0


async def _agent_command(settings: Settings, args: argparse.Namespace) -> int:
    import time

    from engine.api_client import call_api, path_segment, print_agents

    if args.agent_command == "list":
        print_agents((await call_api(settings, "GET", "/api/agents"))["agents"], time.time(), sys.stdout)
        return 0
    body = {"reason": args.reason} if args.agent_command == "break" else None
    path = f"/api/agents/{path_segment(args.agent_id, 'agent id')}/{args.agent_command}"
    agent = (await call_api(settings, "POST", path, body))["agent"]
    reason = f" ({agent['break_reason']})" if agent.get("break_reason") else ""
    print(f"agent {agent['id']}: {agent['status']}{reason}, {agent['state']}")
    return 0


async def _call_command(settings: Settings, args: argparse.Namespace) -> int:
    from engine.api_client import call_api, path_segment, print_calls

    if args.call_command == "list":
        print_calls((await call_api(settings, "GET", "/api/calls"))["calls"], sys.stdout)
        return 0
    body = {"queue": args.queue} if args.queue is not None else {"agent": args.agent}
    await call_api(settings, "POST", f"/api/calls/{path_segment(args.call_id, 'call id')}/transfer", body)
    target = f"queue {args.queue}" if args.queue is not None else f"agent {args.agent}"
    print(f"call {args.call_id}: transferred to {target}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        for secret in settings.secrets():
            register_secret(secret)
        setup_logging(settings.logging.level, settings.logging.format)
        return _dispatch(args, settings)
    except CallhiveError as exc:
        print(f"callhive: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `callhive agent list | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
