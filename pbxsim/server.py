"""`PbxSim`: the simulated Asterisk as one object - AMI and ARI on loopback around a shared `Core`.

    sim = PbxSim(PbxSimConfig(ami_username="engine", ami_secret="engine",
                              ari_username="engine", ari_password="engine", clock=ManualClock()))
    await sim.start()            # binds both; port 0 picks a free port
    sim.ami_port, sim.ari_port   # the real ports
    await sim.stop()

or `async with PbxSim(config) as sim: ...`. The configuration is a frozen dataclass so a test or the
CLI can describe a simulator in one value; the clock is part of it so tests can share a `ManualClock`
with the simulator. The `seed` drives every random choice (session ids, challenges, later call timing),
making a run reproducible.

The call model (`sim.model`: channels, bridges, Stasis apps, media, recordings, and `sim.model.world` for
tests to define endpoints and place calls) lives next to `Core`; its event bus feeds the ARI sockets (and,
growing, the AMI sessions). pbxsim never imports the engine - the two meet only on the wire.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from pbxsim.ami import AmiServer, AmiUser
from pbxsim.ari import AriServer, EventSockets
from pbxsim.clock import Clock, WallClock
from pbxsim.core import Core
from pbxsim.model import CallModel

log = logging.getLogger("pbxsim")


@dataclass(frozen=True)
class PbxSimConfig:
    """Where the simulator listens, who may log in, and what drives time and chance."""

    ami_host: str = "127.0.0.1"
    ami_port: int = 0
    ami_username: str = "callhive"
    ami_secret: str = "callhive"
    ari_host: str = "127.0.0.1"
    ari_port: int = 0
    ari_username: str = "callhive"
    ari_password: str = "callhive"
    seed: int = 0
    clock: Clock = field(default_factory=WallClock)
    # Where ARI recordings are written. None: a fresh temporary directory per run. A path that does not
    # exist is *not* created: record/stored answer 500 as Asterisk does without its spool dir (NOTES ARI 2).
    recordings_dir: Path | None = None
    # Installed sounds: name -> seconds. None: pbxsim.model.media.DEFAULT_SOUNDS.
    sounds: dict[str, float] | None = None


class PbxSim:
    """The running simulator; see the module docstring."""

    def __init__(self, config: PbxSimConfig | None = None) -> None:
        self.config = config if config is not None else PbxSimConfig()
        self._core: Core | None = None
        self._model: CallModel | None = None
        self._ami: AmiServer | None = None
        self._ari: AriServer | None = None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def clock(self) -> Clock:
        return self.config.clock

    @property
    def core(self) -> Core:
        if self._core is None:
            raise RuntimeError("PbxSim not started")
        return self._core

    @property
    def model(self) -> CallModel:
        """The call model: channels, bridges, apps, and `model.world` for tests to place calls."""
        if self._model is None:
            raise RuntimeError("PbxSim not started")
        return self._model

    @property
    def ami(self) -> AmiServer:
        if self._ami is None:
            raise RuntimeError("PbxSim not started")
        return self._ami

    @property
    def ari_sockets(self) -> EventSockets:
        if self._ari is None:
            raise RuntimeError("PbxSim not started")
        return self._ari.sockets

    @property
    def ami_port(self) -> int:
        return self.ami.port

    @property
    def ari_port(self) -> int:
        if self._ari is None:
            raise RuntimeError("PbxSim not started")
        return self._ari.port

    async def start(self) -> None:
        if self._core is not None:
            raise RuntimeError("PbxSim already started")
        cfg = self.config
        # The core is born at start(): its startup time is what Uptime / startup_time report.
        core = Core(cfg.clock, cfg.seed)
        recordings_dir = cfg.recordings_dir
        if recordings_dir is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="pbxsim-recordings-")
            recordings_dir = Path(self._tempdir.name)
        model = CallModel(core, recordings_dir, cfg.sounds)
        ami = AmiServer(core, [AmiUser(cfg.ami_username, cfg.ami_secret)], cfg.ami_host, cfg.ami_port, model)
        ari = AriServer(core, cfg.ari_host, cfg.ari_port, cfg.ari_username, cfg.ari_password, model)
        await ami.start()
        try:
            await ari.start()
        except BaseException:
            await ami.stop()
            raise
        model.scheduler.start()
        self._core, self._model, self._ami, self._ari = core, model, ami, ari
        log.info("pbxsim up: AMI %s:%d, ARI %s:%d", cfg.ami_host, ami.port, cfg.ari_host, ari.port)

    async def stop(self) -> None:
        ami, ari, model = self._ami, self._ari, self._model
        self._core = self._ami = self._ari = self._model = None
        if model is not None:
            await model.scheduler.stop()
        if ari is not None:
            await ari.stop()
        if ami is not None:
            await ami.stop()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    async def __aenter__(self) -> PbxSim:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
