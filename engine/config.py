"""Settings: one TOML file plus environment overrides, validated once into frozen dataclasses.

Precedence, highest first: `DATABASE_URL` (for the database URL), `CALLHIVE_<SECTION>_<KEY>` environment
variables, the TOML file, built-in defaults. Every value goes through the same typed parser, so a bad value
stops start-up with one line naming where it came from (file and `[section] key`, or the variable), the key,
and what was expected. Relative paths in the file are taken relative to the file; defaults and environment
values relative to the working directory.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import ConfigError
from engine.secret import Secret

DEFAULT_CONFIG_NAME = "callhive.toml"
ENV_PREFIX = "CALLHIVE_"


class LogFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class AmiSettings:
    host: str
    port: int
    username: str
    secret: Secret
    connect_timeout: float


@dataclass(frozen=True, slots=True)
class AriSettings:
    url: str
    username: str
    password: Secret
    app: str

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    # None means: start the embedded PostgreSQL in the data directory.
    url: Secret | None
    # Events the writer may hold while PostgreSQL lags; past 90% of it new callers go to the fallback queue
    # (engine/store/event_writer.py).
    writer_capacity: int


@dataclass(frozen=True, slots=True)
class HttpSettings:
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class PathSettings:
    data_dir: Path
    ivr_flows: Path
    center: Path


@dataclass(frozen=True, slots=True)
class CenterSettings:
    name: str
    timezone: str


@dataclass(frozen=True, slots=True)
class LogSettings:
    level: LogLevel
    format: LogFormat


@dataclass(frozen=True, slots=True)
class Settings:
    ami: AmiSettings
    ari: AriSettings
    database: DatabaseSettings
    http: HttpSettings
    paths: PathSettings
    center: CenterSettings
    logging: LogSettings
    # Where the settings came from, for messages: a file path or "built-in defaults".
    source: str

    def secrets(self) -> list[Secret]:
        """The credentials to mask in logs. A secret equal to a public name (a user or app name) is left
        out: masking it would blank that name everywhere while hiding nothing."""
        public = {self.ami.username, self.ari.username, self.ari.app, self.center.name}
        found = [self.ami.secret, self.ari.password]
        if self.database.url is not None:
            found.append(self.database.url)
        return [secret for secret in found if secret.reveal() not in public]


# ---------------------------------------------------------------------------------------------------
# Value parsers: each takes the raw value (TOML-typed or an environment string) and returns the typed
# value or raises ValueError with the expectation, which the loader turns into a ConfigError.

Parser = Callable[[Any, Path], Any]


def _text(raw: Any, _base: Path) -> str:
    if not isinstance(raw, str):
        raise ValueError("expected a string")
    return raw


def _nonempty(raw: Any, base: Path) -> str:
    value = _text(raw, base).strip()
    if not value:
        raise ValueError("expected a non-empty string")
    return value


def _secret(raw: Any, base: Path) -> Secret:
    return Secret(_text(raw, base))


def _port(raw: Any, _base: Path) -> int:
    try:
        value = int(raw) if not isinstance(raw, bool) else -1
    except (TypeError, ValueError):
        raise ValueError("expected a TCP port number 1-65535") from None
    if not 1 <= value <= 65535:
        raise ValueError("expected a TCP port number 1-65535")
    return value


def _listen_port(raw: Any, base: Path) -> int:
    """Like a port, but 0 asks the system for a free one (the actual port is logged and printed)."""
    if str(raw).strip() == "0":
        return 0
    return _port(raw, base)


def _seconds(raw: Any, _base: Path) -> float:
    try:
        value = float(raw) if not isinstance(raw, bool) else -1.0
    except (TypeError, ValueError):
        raise ValueError("expected a number of seconds greater than 0") from None
    if value <= 0:
        raise ValueError("expected a number of seconds greater than 0")
    return value


def _count(low: int, high: int) -> Parser:
    """A whole number in [low, high]; TOML gives an int, the environment a string (underscores allowed, as in
    TOML: 100_000)."""
    expectation = f"expected a whole number from {low:,} to {high:,}".replace(",", "_")

    def parse(raw: Any, _base: Path) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise ValueError(expectation)
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(expectation) from None
        if not low <= value <= high:
            raise ValueError(expectation)
        return value

    return parse


def _http_url(raw: Any, base: Path) -> str:
    value = _nonempty(raw, base).rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL such as http://127.0.0.1:8088/ari")
    try:
        _ = parts.port
    except ValueError:
        raise ValueError("expected a URL with a numeric port") from None
    return value


def _app_name(raw: Any, base: Path) -> str:
    value = _nonempty(raw, base)
    if not all(ch.isalnum() or ch in "-_" for ch in value):
        raise ValueError("expected an ARI application name of letters, digits, '-' and '_'")
    return value


def _database_url(raw: Any, base: Path) -> Secret | None:
    value = _text(raw, base).strip()
    if not value:
        return None
    if urlsplit(value).scheme not in ("postgres", "postgresql"):
        raise ValueError("expected a postgresql:// URL, or empty for the embedded PostgreSQL")
    return Secret(value)


def _path(raw: Any, base: Path) -> Path:
    value = Path(_nonempty(raw, base)).expanduser()
    return value if value.is_absolute() else (base / value)


def _timezone(raw: Any, base: Path) -> str:
    value = _nonempty(raw, base)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA time zone name such as Europe/Paris or UTC") from None
    return value


def _choice(enum: type[StrEnum]) -> Parser:
    def parse(raw: Any, base: Path) -> StrEnum:
        value = _nonempty(raw, base).lower()
        try:
            return enum(value)
        except ValueError:
            raise ValueError("expected one of " + ", ".join(m.value for m in enum)) from None

    return parse


@dataclass(frozen=True, slots=True)
class _Field:
    parse: Parser
    default: Any


# The whole schema in one table: section -> key -> (parser, default). The example file and the README
# document the same keys; a test checks that the example file sets each of them.
SCHEMA: dict[str, dict[str, _Field]] = {
    "ami": {
        "host": _Field(_nonempty, "127.0.0.1"),
        "port": _Field(_port, 5038),
        "username": _Field(_nonempty, "callhive"),
        "secret": _Field(_secret, "callhive-ami-secret"),
        "connect_timeout": _Field(_seconds, 5.0),
    },
    "ari": {
        "url": _Field(_http_url, "http://127.0.0.1:8088/ari"),
        "username": _Field(_nonempty, "callhive"),
        "password": _Field(_secret, "callhive-ari-secret"),
        "app": _Field(_app_name, "callhive"),
    },
    "database": {
        "url": _Field(_database_url, ""),
        "writer_capacity": _Field(_count(1_000, 10_000_000), 100_000),
    },
    "http": {
        "host": _Field(_nonempty, "127.0.0.1"),
        "port": _Field(_listen_port, 8080),
    },
    "paths": {
        "data_dir": _Field(_path, "var"),
        "ivr_flows": _Field(_path, "ivr_flows"),
        "center": _Field(_path, "center.yaml"),
    },
    "center": {
        "name": _Field(_nonempty, "callhive"),
        "timezone": _Field(_timezone, "UTC"),
    },
    "logging": {
        "level": _Field(_choice(LogLevel), "info"),
        "format": _Field(_choice(LogFormat), "json"),
    },
}

_SECTION_TYPES: dict[str, type[Any]] = {
    "ami": AmiSettings,
    "ari": AriSettings,
    "database": DatabaseSettings,
    "http": HttpSettings,
    "paths": PathSettings,
    "center": CenterSettings,
    "logging": LogSettings,
}


def env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section}_{key}".upper()


def find_config_file(explicit: Path | None, environ: Mapping[str, str]) -> Path | None:
    """The file to read: --config, else $CALLHIVE_CONFIG, else ./callhive.toml when present, else none."""
    if explicit is not None:
        return explicit
    from_env = environ.get("CALLHIVE_CONFIG", "").strip()
    if from_env:
        return Path(from_env)
    local = Path(DEFAULT_CONFIG_NAME)
    return local if local.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration file: {exc.strerror}") from None


def _check_known_keys(path: Path, document: Mapping[str, Any]) -> None:
    for section, table in document.items():
        if section not in SCHEMA:
            known = ", ".join(f"[{name}]" for name in SCHEMA)
            raise ConfigError(f"{path}: unknown section [{section}]; expected one of {known}")
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {section}: expected a [{section}] table")
        for key in table:
            if key not in SCHEMA[section]:
                known = ", ".join(SCHEMA[section])
                raise ConfigError(f"{path}: [{section}] {key}: unknown key; expected one of {known}")


def load_settings(config_file: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, merge and validate all settings; raises ConfigError naming the source, key and expectation."""
    env = os.environ if environ is None else environ
    path = find_config_file(config_file, env)
    document: dict[str, Any] = {}
    if path is not None:
        document = _read_toml(path)
        _check_known_keys(path, document)
    cwd = Path.cwd()
    file_base = path.resolve().parent if path is not None else cwd

    sections: dict[str, Any] = {}
    for section, fields in SCHEMA.items():
        values: dict[str, Any] = {}
        for key, spec in fields.items():
            variable = env_name(section, key)
            if section == "database" and key == "url" and "DATABASE_URL" in env:
                variable = "DATABASE_URL"
            if variable in env:
                raw, origin, base = env[variable], f"environment variable {variable}", cwd
            elif key in document.get(section, {}):
                raw, origin, base = document[section][key], f"{path}: [{section}] {key}", file_base
            else:
                raw, origin, base = spec.default, f"default [{section}] {key}", cwd
            try:
                values[key] = spec.parse(raw, base)
            except ValueError as exc:
                shown = "(hidden)" if isinstance(spec.default, str) and key in ("secret", "password") else raw
                raise ConfigError(f"{origin}: {exc}, got {shown!r}") from None
        sections[section] = _SECTION_TYPES[section](**values)
    return Settings(**sections, source=str(path) if path is not None else "built-in defaults")
