from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, cli_env

VERBS = [
    ["serve"], ["demo"], ["db"], ["db", "migrate"], ["doctor"], ["asterisk"], ["asterisk", "render"], ["agent"],
    ["agent", "list"], ["agent", "login"], ["agent", "ready"], ["agent", "break"], ["agent", "logout"], ["queue"],
    ["queue", "stats"],
]


def callhive(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *args], cwd=cwd, env=env or cli_env(),
        capture_output=True, text=True, timeout=120,
    )


def test_help_lists_every_command() -> None:
    result = callhive("--help")
    assert result.returncode == 0
    for verb in ("serve", "demo", "db", "doctor", "asterisk", "agent", "queue"):
        assert f"    {verb} " in result.stdout


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_each_command_has_help(verb: list[str]) -> None:
    result = callhive(*verb, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: callhive {' '.join(verb)}")


def test_bad_config_is_one_line_and_nonzero(tmp_path: Path) -> None:
    config = tmp_path / "callhive.toml"
    config.write_text("[ami]\nport = 99999\n")
    result = callhive("--config", str(config), "doctor")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"callhive: error: {config}: [ami] port: expected a TCP port number")
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = callhive("db", "migrate", env=cli_env(DATABASE_URL="postgresql://u@127.0.0.1:1/x"))
    assert result.returncode == 1
    assert result.stderr.startswith("callhive: error: cannot connect to PostgreSQL at postgresql://u@127.0.0.1:1/x")
    assert "Traceback" not in result.stderr


def test_config_found_in_working_directory(tmp_path: Path) -> None:
    (tmp_path / "callhive.toml").write_text("[ami]\nport = 0\n")
    result = callhive("doctor", cwd=tmp_path, env=cli_env(PYTHONPATH=str(REPO)))
    assert result.returncode == 1
    assert "callhive.toml: [ami] port" in result.stderr
