"""State shared by the AMI and ARI faces of the simulated PBX, and the time formats they print.

`Core` is the one object both protocol servers hold: the injectable clock, a seeded RNG (so session ids,
challenges and - later - channel ids are reproducible for a given `--seed`), the identity of the Asterisk
being simulated, and its startup time. The call model (channels, bridges, queues) will hang off this
object as it grows; the protocol layers stay thin translators of it.

The identity defaults are the values of the recorded box (Asterisk 22.10.1), taken from
transcripts/ari_stasis_flow.rest.jsonl (`GET /ari/asterisk/info`) and transcripts/ami_misc_and_errors.txt
(`core show version`, `CoreSettings`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pbxsim.clock import Clock


@dataclass(frozen=True)
class BuildInfo:
    """How the simulated Asterisk was built (ARI BuildInfo model + `core show version`)."""

    os: str = "Linux"
    kernel: str = "6.18.44-fc-v669"
    machine: str = "x86_64"
    options: str = "OPTIONAL_API"
    date: str = "2026-11-24 11:12:40 UTC"
    user: str = "root"
    host: str = "vm"  # "built by root @ vm" in `core show version`


@dataclass(frozen=True)
class Identity:
    """Who the simulator claims to be."""

    version: str = "22.10.1"
    ami_version: str = "11.0.0"  # the AMI *protocol* version of the banner, not the Asterisk version (NOTES AMI 1)
    entity_id: str = "02:fc:00:00:00:01"  # ARI `asterisk_id` / SystemInfo.entity_id
    system_name: str = ""  # asterisk.conf systemname; empty on the recorded box
    default_language: str = "en"
    build: BuildInfo = field(default_factory=BuildInfo)


class Core:
    """The simulated PBX's shared state; see the module docstring."""

    def __init__(self, clock: Clock, seed: int = 0, identity: Identity | None = None) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        self.identity = identity if identity is not None else Identity()
        self.startup_time = clock.now()
        self.last_reload_time = self.startup_time
        # CoreStatus counters; the call model will drive them.
        self.current_calls = 0
        self.processed_calls = 0


def _microseconds(epoch: float) -> int:
    # Round to the microsecond first so float noise (x.9999999) never shows up as a truncated digit.
    return round(epoch * 1_000_000)


def epoch_micro(epoch: float) -> str:
    """`1795519085.968370` - AMI Ping `Timestamp:` (manager.c prints `%ld.%06lu` of a timeval)."""
    us = _microseconds(epoch)
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def iso_millis(epoch: float) -> str:
    """`2026-11-24T11:18:08.977+0000` - AMI `EventTV`/`SessionTV` and every ARI timestamp.

    Milliseconds truncated, offset without a colon, exactly as recorded (NOTES ARI 1). The recorded box ran
    in UTC; the simulator always prints UTC.
    """
    us = _microseconds(epoch)
    moment = datetime.fromtimestamp(us // 1_000_000, tz=UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{(us // 1000) % 1000:03d}+0000"


def local_date_time(epoch: float) -> tuple[str, str]:
    """(`2026-11-24`, `11:16:27`) - the CoreStatus date/time pairs (UTC, as on the recorded box)."""
    moment = datetime.fromtimestamp(int(epoch), tz=UTC)
    return f"{moment:%Y-%m-%d}", f"{moment:%H:%M:%S}"
