"""Shared fixtures: one real PostgreSQL (the embedded one) per test run, one fresh database per test; the test's
manual clock and the pbxsim instances started on it; the rig of a module's call center; and the rule that no
test may be skipped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

import asyncpg
import pytest

from engine.store.embedded import EmbeddedPostgres
from pbxsim.clock import ManualClock
from pbxsim.server import PbxSim, PbxSimConfig
from tests.acd_rig import Rig, open_rig
from tests.recorded import RECORDED_SECRET, RECORDED_USER

REPO = Path(__file__).resolve().parent.parent

ReportT = TypeVar("ReportT", pytest.TestReport, pytest.CollectReport)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport() -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A skipped test fails the run: every test can run on a plain clone, so a skip only ever hides a test that
    silently stopped running (a missing recording, a wrong marker)."""
    report = yield
    return _skip_as_failure(report)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report() -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """The same for a whole module skipped while it is collected (`pytest.skip(allow_module_level=True)`)."""
    report = yield
    return _skip_as_failure(report)


def _skip_as_failure(report: ReportT) -> ReportT:
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"no test may skip: {reason}"
    return report


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The DSN of the maintenance database of a PostgreSQL started for this run. Its folder is not under
    pytest's own temporary folders, which another pytest run on the machine may prune while this one runs."""
    folder = Path(tempfile.mkdtemp(prefix="callhive-test-pg-"))
    server = EmbeddedPostgres(folder)
    dsn = server.start()
    try:
        yield dsn
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _with_database(dsn: str, name: str) -> str:
    # The embedded server's DSN is postgresql://postgres:@/postgres?host=<socket dir>
    head, _, query = dsn.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


@pytest.fixture
async def new_database(pg_server: str) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """A factory of fresh, empty databases for this test (each dropped afterwards); returns their DSNs."""
    names: list[str] = []

    async def create() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(pg_server)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        names.append(name)
        return _with_database(pg_server, name)

    yield create
    admin = await asyncpg.connect(pg_server)
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def database_url(new_database: Callable[[], Awaitable[str]]) -> str:
    """A database of its own for this test."""
    return await new_database()


@pytest.fixture
async def db_conn(database_url: str) -> AsyncIterator[Any]:
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
def clock() -> ManualClock:
    """The test's clock: time moves only when the test advances it, for pbxsim and the engine alike."""
    return ManualClock()


class StartSim(Protocol):
    def __call__(
        self, *, seed: int = 0, user: str = RECORDED_USER, secret: str = RECORDED_SECRET,
        recordings_dir: Path | None = None,
    ) -> Awaitable[PbxSim]: ...


@pytest.fixture
async def start_sim(clock: ManualClock, tmp_path: Path) -> AsyncIterator[StartSim]:
    """Starts a pbxsim on the test's clock and stops it when the test ends: AMI and ARI on ports it picks,
    `user`/`secret` accepted on both (by default the recorded ones), the files it records (MixMonitor, ARI
    record) under `tmp_path` unless `recordings_dir` says otherwise, every random choice drawn from `seed`."""
    async with contextlib.AsyncExitStack() as running:

        async def start(
            *, seed: int = 0, user: str = RECORDED_USER, secret: str = RECORDED_SECRET,
            recordings_dir: Path | None = None,
        ) -> PbxSim:
            config = PbxSimConfig(
                ami_username=user, ami_secret=secret, ari_username=user, ari_password=secret, seed=seed,
                clock=clock, recordings_dir=tmp_path if recordings_dir is None else recordings_dir,
            )
            return await running.enter_async_context(PbxSim(config))

        yield start


@pytest.fixture
async def rig(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    """The engine and pbxsim over real sockets (tests/acd_rig.py), on the call center that the requesting
    test module describes in its `CENTER` YAML."""
    async with open_rig(database_url, tmp_path, request.module.CENTER) as running:
        yield running


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback TCP port this test keeps bound and never listens on: connecting there is refused, whatever
    else runs on the machine (a real Asterisk on 5038 and 8088, another test run), and nobody can take it."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


def cli_env(**overrides: str) -> dict[str, str]:
    """The environment for a `callhive` subprocess: this one minus any CALLHIVE_/DATABASE_URL leakage."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLHIVE_") and k != "DATABASE_URL"}
    env.update(overrides)
    return env


async def wait_process(process: asyncio.subprocess.Process, timeout: float = 60.0) -> int:
    return await asyncio.wait_for(process.wait(), timeout)
