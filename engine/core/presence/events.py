"""What the PBX says of an agent's softphone, as the roster hears it (the edge translates AMI into these)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.devices import DeviceState


@dataclass(frozen=True, slots=True)
class DeviceStateObserved:
    endpoint: str
    state: DeviceState


@dataclass(frozen=True, slots=True)
class ContactObserved:
    endpoint: str
    reachable: bool
