"""`callhive doctor` tells a closed port, a wrong password and a good setup apart, with a hint for each."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator

import pytest

from engine.config import Settings, load_settings
from engine.doctor import run_doctor
from pbxsim.server import PbxSim, PbxSimConfig


@pytest.fixture
async def sim() -> AsyncIterator[PbxSim]:
    async with PbxSim(PbxSimConfig(ami_username="hive", ami_secret="good-secret",
                                   ari_username="hive", ari_password="good-secret")) as running:
        yield running


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings_for(database_url: str, ami_port: int, ari_port: int, secret: str) -> Settings:
    return load_settings(None, {
        "DATABASE_URL": database_url,
        "CALLHIVE_AMI_PORT": str(ami_port),
        "CALLHIVE_AMI_USERNAME": "hive",
        "CALLHIVE_AMI_SECRET": secret,
        "CALLHIVE_ARI_URL": f"http://127.0.0.1:{ari_port}/ari",
        "CALLHIVE_ARI_USERNAME": "hive",
        "CALLHIVE_ARI_PASSWORD": secret,
    })


async def doctor_lines(settings: Settings) -> tuple[bool, dict[str, str]]:
    out = io.StringIO()
    healthy = await run_doctor(settings, out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4, lines
    return healthy, {line.split()[1]: line for line in lines}


async def test_closed_port_wrong_password_and_good_setup(database_url: str, sim: PbxSim) -> None:
    port = closed_port()
    closed_ok, closed = await doctor_lines(settings_for(database_url, port, port, "good-secret"))
    wrong_ok, wrong = await doctor_lines(settings_for(database_url, sim.ami_port, sim.ari_port, "bad-secret"))
    good_ok, good = await doctor_lines(settings_for(database_url, sim.ami_port, sim.ari_port, "good-secret"))

    assert (closed_ok, wrong_ok, good_ok) == (False, False, True)
    assert closed["ami"].startswith(f"FAIL  ami       cannot connect to AMI at 127.0.0.1:{port}: connection refused")
    assert "fix: is Asterisk running" in closed["ami"]
    ari_url = f"http://127.0.0.1:{port}/ari"
    assert closed["ari"].startswith(f"FAIL  ari       cannot reach ARI at {ari_url}: connection refused")
    assert wrong["ami"].startswith("FAIL  ami       AMI login as 'hive' refused: Authentication failed")
    assert "fix: [ami] username/secret must match a [hive] user in manager.conf" in wrong["ami"]
    assert wrong["ari"].startswith("FAIL  ari       ARI refused user 'hive': 401")
    assert good["ami"].startswith(f"ok    ami       logged in to AMI at 127.0.0.1:{sim.ami_port} as hive")
    assert good["ari"].startswith("ok    ari       ARI at")
    assert "Asterisk 22." in good["ari"]
    assert len({closed["ami"], wrong["ami"], good["ami"]}) == 3
    for lines in (closed, wrong, good):
        assert lines["database"].startswith("ok    database  PostgreSQL")
        assert lines["config"].startswith("ok    config")
        assert "good-secret" not in "".join(lines.values())
        assert "bad-secret" not in "".join(lines.values())


async def test_database_failure_has_a_hint(sim: PbxSim) -> None:
    settings = settings_for(f"postgresql://u@127.0.0.1:{closed_port()}/x", sim.ami_port, sim.ari_port, "good-secret")
    healthy, lines = await doctor_lines(settings)
    assert not healthy
    assert lines["database"].startswith("FAIL  database  cannot connect to PostgreSQL at postgresql://u@127.0.0.1:")
    assert "fix: check DATABASE_URL" in lines["database"]
    assert lines["ami"].startswith("ok    ami")
