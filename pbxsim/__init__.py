"""pbxsim - a stand-in for Asterisk 22 that speaks AMI (TCP) and ARI (HTTP + WebSocket) on loopback.

It exists so callhive's tests, demo and benchmarks can run against something that behaves like the real
Asterisk 22.10.1 on the wire. "Behaves like" is defined by recordings of that Asterisk (the ones the tests
replay are in tests/recordings/): every reply shape here cites the recording it copies, and behaviour that was
not recorded follows the Asterisk sources and says so.

Layout:
    clock.py    Clock protocol, WallClock, ManualClock (tests drive time; nothing reads time directly)
    core.py     Core: shared state (clock, seeded RNG, identity, startup time) + wire time formats
    ami/        AMI: codec -> session -> actions (dispatch table) -> server
    ari/        ARI: http conventions, event websockets, aiohttp app + server
    server.py   PbxSim / PbxSimConfig: both faces around one Core
    __main__.py `python -m pbxsim`

pbxsim and the engine meet only on the wire: nothing here imports `engine`.
"""

from pbxsim.clock import Clock, ManualClock, WallClock
from pbxsim.server import PbxSim, PbxSimConfig

__all__ = ["Clock", "ManualClock", "PbxSim", "PbxSimConfig", "WallClock"]
