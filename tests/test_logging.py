from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest

from engine.config import LogFormat, LogLevel
from engine.logs import bind, register_secret, setup_logging
from engine.secret import Secret, masked_url
from tests.conftest import REPO, cli_env


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    setup_logging(LogLevel.DEBUG, LogFormat.JSON, stream)
    yield stream
    logging.getLogger().handlers.clear()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_line_per_event_with_bound_ids(captured: io.StringIO) -> None:
    log = logging.getLogger("callhive.test")
    with bind(call_id="call-7", agent_id="1001"):
        log.info("agent answered", extra={"fields": {"queue": "support"}})
        with bind(leg_id="leg-2"):
            log.info("bridged")
    log.info("outside")
    got = lines(captured)
    assert [entry["msg"] for entry in got] == ["agent answered", "bridged", "outside"]
    assert got[0]["call_id"] == "call-7"
    assert got[0]["agent_id"] == "1001"
    assert got[0]["queue"] == "support"
    assert got[1]["leg_id"] == "leg-2"
    assert got[1]["call_id"] == "call-7"
    assert "call_id" not in got[2]


def test_traceback_stays_on_the_line(captured: io.StringIO) -> None:
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        logging.getLogger("callhive.test").exception("failed")
    assert len(captured.getvalue().splitlines()) == 1
    assert "ValueError" in str(lines(captured)[0]["exc"])


def test_registered_secret_is_masked_everywhere(captured: io.StringIO) -> None:
    register_secret(Secret("hunter2-very-secret"))
    log = logging.getLogger("callhive.test")
    log.warning("login with hunter2-very-secret failed", extra={"fields": {"sent": "x hunter2-very-secret"}})
    text = captured.getvalue()
    assert "hunter2-very-secret" not in text
    assert text.count("***") == 2


def test_secret_repr_and_url_masking() -> None:
    secret = Secret("pa55word")
    assert "pa55word" not in repr(secret)
    assert "pa55word" not in str(secret)
    assert "pa55word" not in f"{secret}"
    assert masked_url("postgresql://app:pa55word@db.example:5432/cc") == "postgresql://app:***@db.example:5432/cc"
    assert masked_url("postgresql://app@db/cc") == "postgresql://app@db/cc"


@pytest.mark.slow
def test_cli_never_prints_secrets(closed_port: int) -> None:
    """doctor with everything failing, at debug level: neither the AMI/ARI secrets nor the DB password show."""
    port = closed_port
    env = cli_env(
        CALLHIVE_AMI_SECRET="ami-s3cret-value",
        CALLHIVE_ARI_PASSWORD="ari-s3cret-value",
        CALLHIVE_AMI_PORT=str(port),
        CALLHIVE_ARI_URL=f"http://127.0.0.1:{port}/ari",
        CALLHIVE_LOGGING_LEVEL="debug",
        DATABASE_URL=f"postgresql://app:db-s3cret-value@127.0.0.1:{port}/cc",
    )
    result = subprocess.run(
        [sys.executable, "-m", "engine.cli", "doctor"], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "FAIL  database" in output
    assert "app:***@127.0.0.1" in output
    for secret in ("ami-s3cret-value", "ari-s3cret-value", "db-s3cret-value"):
        assert secret not in output
