"""What a softphone's device is doing, in Asterisk's device-state words (they are the telephony terms the
routing needs: in use, ringing, unavailable). The AMI vocabulary (engine/pbx/ami_events.py) uses this enum
as it is, so the edge passes the value through."""

from enum import StrEnum


class DeviceState(StrEnum):
    UNKNOWN = "UNKNOWN"
    NOT_INUSE = "NOT_INUSE"
    INUSE = "INUSE"
    BUSY = "BUSY"
    INVALID = "INVALID"
    UNAVAILABLE = "UNAVAILABLE"
    RINGING = "RINGING"
    RINGINUSE = "RINGINUSE"
    ONHOLD = "ONHOLD"
