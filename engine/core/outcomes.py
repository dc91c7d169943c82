"""How a leg the engine placed can end without being answered: shared by the ACD's events and the facts."""

from enum import StrEnum


class LegFailure(StrEnum):
    """Why an agent or callback leg never answered (ARI ChannelDestroyed cause/tech_cause, or originate's 500)."""

    NO_ANSWER = "no_answer"  # cause 19 / SIP 480, ring timeout
    BUSY = "busy"  # cause 17 / SIP 486, busy or rejected
    UNREACHABLE = "unreachable"  # cause 18 / SIP 408
    CONGESTION = "congestion"  # cause 34 / SIP 503
    NO_CONTACT = "no_contact"  # originate 500 "Allocation failed": the phone is not registered
