from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import SCHEMA, LogFormat, env_name, load_settings
from engine.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "callhive.toml"
    path.write_text(text)
    return path


def test_defaults_need_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {})
    assert settings.source == "built-in defaults"
    assert (settings.ami.host, settings.ami.port) == ("127.0.0.1", 5038)
    assert settings.ari.url == "http://127.0.0.1:8088/ari"
    assert settings.ari.port == 8088
    assert settings.database.url is None
    assert settings.paths.data_dir == tmp_path / "var"


def test_file_values_and_relative_paths(tmp_path: Path) -> None:
    path = write(tmp_path, '[ami]\nport = 6038\n[paths]\ndata_dir = "state"\n[logging]\nformat = "TEXT"\n')
    settings = load_settings(path, {})
    assert settings.ami.port == 6038
    assert settings.paths.data_dir == tmp_path / "state"
    assert settings.logging.format is LogFormat.TEXT
    assert settings.source == str(path)


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[ami]\nsecret = "from-file"\n[ari]\napp = "file-app"\n')
    env = {"CALLHIVE_AMI_SECRET": "from-env", "CALLHIVE_ARI_APP": "env-app", "CALLHIVE_HTTP_PORT": "0"}
    settings = load_settings(path, env)
    assert settings.ami.secret.reveal() == "from-env"
    assert settings.ari.app == "env-app"
    assert settings.http.port == 0


def test_database_url_wins_over_callhive_variable(tmp_path: Path) -> None:
    env = {"CALLHIVE_DATABASE_URL": "postgresql://a@h/x", "DATABASE_URL": "postgresql://u:pw@db/cc"}
    settings = load_settings(write(tmp_path, ""), env)
    assert settings.database.url is not None
    assert settings.database.url.reveal() == "postgresql://u:pw@db/cc"
    assert "pw" not in repr(settings)


def test_writer_capacity_defaults_to_100_000_and_reads_from_file_or_environment(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, ""), {}).database.writer_capacity == 100_000
    assert load_settings(write(tmp_path, "[database]\nwriter_capacity = 5_000\n"), {}).database.writer_capacity == 5000
    from_env = load_settings(write(tmp_path, ""), {"CALLHIVE_DATABASE_WRITER_CAPACITY": "250_000"})
    assert from_env.database.writer_capacity == 250_000


def test_config_file_env_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "[http]\nport = 9191\n")
    assert load_settings(None, {"CALLHIVE_CONFIG": str(path)}).http.port == 9191


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[ami]\nport = "abc"\n', "[ami] port: expected a TCP port number 1-65535, got 'abc'"),
        ("[ami]\nport = 70000\n", "[ami] port: expected a TCP port number 1-65535, got 70000"),
        ('[ari]\nurl = "ftp://x"\n', "[ari] url: expected an http:// or https:// URL"),
        ('[ari]\napp = "bad app"\n', "[ari] app: expected an ARI application name"),
        ('[database]\nurl = "mysql://x"\n', "[database] url: expected a postgresql:// URL"),
        ("[database]\nwriter_capacity = 10\n",
         "[database] writer_capacity: expected a whole number from 1_000 to 10_000_000, got 10"),
        ("[database]\nwriter_capacity = 2.5e5\n", "[database] writer_capacity: expected a whole number"),
        ('[center]\ntimezone = "Mars/Olympus"\n', "[center] timezone: expected an IANA time zone name"),
        ('[logging]\nlevel = "loud"\n', "[logging] level: expected one of debug, info, warning, error"),
        ("[ami]\nhots = 1\n", "[ami] hots: unknown key; expected one of host, port"),
        ("[amy]\nhost = 1\n", "unknown section [amy]"),
        ("[ami\n", "not valid TOML"),
    ],
)
def test_bad_values_name_file_key_and_expectation(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert expected in message


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"environment variable CALLHIVE_AMI_CONNECT_TIMEOUT: expected a number"):
        load_settings(write(tmp_path, ""), {"CALLHIVE_AMI_CONNECT_TIMEOUT": "-3"})


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(tmp_path / "nope.toml", {})


def test_bad_secret_is_not_echoed(tmp_path: Path) -> None:
    # A secret of the wrong type must not end up in the error message.
    path = write(tmp_path, "[ami]\nsecret = 123456789\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert "123456789" not in str(caught.value)
    assert "[ami] secret: expected a string" in str(caught.value)


def test_settings_are_frozen() -> None:
    settings = load_settings(None, {})
    with pytest.raises(AttributeError):
        settings.ami.port = 1  # type: ignore[misc]


def test_example_file_sets_every_key_and_loads() -> None:
    example = REPO / "callhive.example.toml"
    text = example.read_text()
    for section, fields in SCHEMA.items():
        assert f"[{section}]" in text
        for key in fields:
            assert f"\n{key} = " in text, f"example config does not document [{section}] {key}"
    settings = load_settings(example, {})
    assert settings.ari.app == "callhive"


def test_env_names_follow_section_and_key() -> None:
    assert env_name("ari", "app") == "CALLHIVE_ARI_APP"
    assert env_name("paths", "data_dir") == "CALLHIVE_PATHS_DATA_DIR"


def test_secrets_to_mask_leave_out_public_names() -> None:
    settings = load_settings(None, {"CALLHIVE_AMI_SECRET": "callhive", "CALLHIVE_ARI_PASSWORD": "long-ari-pw"})
    assert [secret.reveal() for secret in settings.secrets()] == ["long-ari-pw"]
    with_db = load_settings(None, {"DATABASE_URL": "postgresql://u:pw@h/db"})
    assert "postgresql://u:pw@h/db" in [secret.reveal() for secret in with_db.secrets()]
