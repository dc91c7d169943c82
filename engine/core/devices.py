"""What a softphone's device is doing, in Asterisk's device-state words (they are the telephony terms the
routing needs: in use, ringing, unavailable); the edge turns the AMI value into this one."""

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
