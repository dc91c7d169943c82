"""Skills-based matching, and how a call's requirements relax the longer it waits.

A call carries required skills, each with a minimum proficiency (1-100). An agent qualifies when they
have every required skill at or above its minimum; among qualifying agents the *match score* is the lowest
of their proficiencies in the required skills (a chain is as strong as its weakest link), which the
skills-best-match strategy maximises. A call with no requirements is matched by any agent of the queue.

Relaxation rules lower the bar with wait time, e.g. "after 30 s accept proficiency >= 50, after 60 s any
agent of the queue": each rule, once its time has passed, caps every minimum at its value, and a rule
with no minimum drops the skill requirements altogether. Rules apply in order of their time, so a later
rule can only relax further.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SkillRequirement:
    skill: str
    min_proficiency: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.min_proficiency <= 100:
            raise ValueError(f"skill {self.skill}: minimum proficiency must be 1-100, got {self.min_proficiency}")


@dataclass(frozen=True, slots=True)
class Relaxation:
    after_seconds: float
    # None: after this long, any agent of the queue will do.
    min_proficiency: int | None


def relaxed(
    requirements: Sequence[SkillRequirement], rules: Sequence[Relaxation], waited: float
) -> tuple[SkillRequirement, ...]:
    """The requirements in force after `waited` seconds in queue."""
    current = tuple(requirements)
    for rule in sorted(rules, key=lambda r: r.after_seconds):
        if waited < rule.after_seconds:
            break
        if rule.min_proficiency is None:
            return ()
        cap = rule.min_proficiency
        current = tuple(SkillRequirement(r.skill, min(r.min_proficiency, cap)) for r in current)
    return current


def match_score(agent_skills: Mapping[str, int], requirements: Sequence[SkillRequirement]) -> int | None:
    """None when the agent does not qualify; else the weakest proficiency among the required skills
    (100 when nothing is required, so every agent of the queue qualifies equally)."""
    score = 100
    for requirement in requirements:
        level = agent_skills.get(requirement.skill)
        if level is None or level < requirement.min_proficiency:
            return None
        score = min(score, level)
    return score


def next_relaxation_at(rules: Sequence[Relaxation], enqueued_at: float, now: float) -> float | None:
    """When the requirements of a call enqueued at `enqueued_at` next change, for the runtime's timer."""
    upcoming = [enqueued_at + r.after_seconds for r in rules if enqueued_at + r.after_seconds > now]
    return min(upcoming, default=None)
