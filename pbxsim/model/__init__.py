"""The call model of the simulated PBX: channels, bridges, Stasis apps, media, recordings and the world.

`CallModel` (calls.py) owns the state; every change is published on its `Bus` (events.py), to which the
ARI and AMI faces subscribe. Time comes from `Scheduler` (scheduler.py) on the injectable clock. Tests
drive the world through `CallModel.world` (world.py). Nothing here does network I/O.
"""

from pbxsim.model import amd
from pbxsim.model.calls import CallModel
from pbxsim.model.errors import ModelError
from pbxsim.model.events import Bus, ModelEvent
from pbxsim.model.objects import Bridge, Channel, ChannelState, Heard, HearingSpan, Party
from pbxsim.model.scheduler import Scheduler
from pbxsim.model.world import FarEnd, Outcome, World

__all__ = [
    "Bridge",
    "Bus",
    "CallModel",
    "Channel",
    "ChannelState",
    "FarEnd",
    "Heard",
    "HearingSpan",
    "ModelError",
    "ModelEvent",
    "Outcome",
    "Party",
    "Scheduler",
    "World",
    "amd",
]
