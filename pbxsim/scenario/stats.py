"""What a running scenario did, counted as it happens (for logs, the bench and tests)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class ScenarioStats:
    registered: int = 0  # softphones that registered
    arrivals: int = 0  # inbound callers placed
    stasis_failed: int = 0  # ...of which the app was inactive: dialplan fallback (Queue(fallback))
    abandoned: int = 0  # callers whose patience ran out before an agent was bridged with them
    early_hangups: int = 0  # callers who hung up early whatever happened
    offered: int = 0  # calls dialled to a softphone
    left_ringing: int = 0  # ...that its agent chose not to answer
    agent_answers: int = 0
    dials: Counter[str] = field(default_factory=Counter)  # outbound outcome -> count
    amd: Counter[str] = field(default_factory=Counter)  # AMDSTATUS -> count

    def summary(self) -> str:
        return (
            f"registered={self.registered} arrivals={self.arrivals} stasis_failed={self.stasis_failed} "
            f"abandoned={self.abandoned} early_hangups={self.early_hangups} offered={self.offered} "
            f"answered={self.agent_answers} left_ringing={self.left_ringing} "
            f"dials={dict(self.dials)} amd={dict(self.amd)}"
        )
