"""Why a shift stays below `min`: who could have taken it, what stopped each of them, and the smallest fix.

Facts only (`Diagnosis`): the solution document carries them as JSON, and the app words them for its users.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from solver.model import Pair, Problem
from solver.roster import Roster

LIMITS = ("max_shifts", "max_per_week", "max_saturdays")


@dataclass(frozen=True)
class Fix:
    """Raising one GP's limit to `raise_to` would let them take the shift."""

    gp: str
    limit: str
    raise_to: int


@dataclass(frozen=True)
class Diagnosis:
    """Shift `shift` lacks `missing` GPs; `blocked_by` gives, for each GP available for it, the hard rules in the way.

    The blockers are `Roster.blockers` codes: target, max_shifts, max_per_week, max_saturdays, overlap, same_day,
    pinned_elsewhere.
    """

    shift: str
    missing: int
    available: tuple[str, ...]
    blocked_by: dict[str, tuple[str, ...]]
    fix: Fix | None = None

    @property
    def free(self) -> list[str]:
        """Available GPs that nothing blocks (the solver left them off for the score's sake)."""
        return [g for g in self.available if not self.blocked_by.get(g)]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form in the solution document's `diagnostics`."""
        return {
            "shift": self.shift,
            "missing": self.missing,
            "available": list(self.available),
            "blocked_by": {g: list(rules) for g, rules in self.blocked_by.items()},
            "fix": None if self.fix is None else asdict(self.fix),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        """Read the JSON form back (extra keys, such as the French `message` of older documents, are ignored)."""
        fix = data.get("fix")
        return cls(
            shift=str(data["shift"]),
            missing=int(data["missing"]),
            available=tuple(data.get("available") or ()),
            blocked_by={g: tuple(rules) for g, rules in (data.get("blocked_by") or {}).items()},
            fix=Fix(fix["gp"], fix["limit"], int(fix["raise_to"])) if fix else None,
        )


def _fix(problem: Problem, r: Roster, blocked: dict[str, tuple[str, ...]], missing: int) -> Fix | None:
    """One limit, raised by one, that lets one more GP take the shift — enough only when one GP is missing."""
    if missing != 1:
        return None
    options = [(r.load[g], g, rules[0]) for g, rules in blocked.items() if len(rules) == 1 and rules[0] in LIMITS]
    if not options:
        return None
    _, gp, limit = min(options)
    return Fix(gp, limit, getattr(problem.gp(gp), limit) + 1)


def diagnose(problem: Problem, pairs: list[Pair]) -> list[Diagnosis]:
    """One diagnosis per shift with fewer than `min` GPs, in shift order."""
    r = Roster(problem, pairs)
    out = []
    for s in problem.shifts:
        missing = s.min - r.count(s.id)
        if missing <= 0:
            continue
        available = sorted(g.id for g in problem.gps if (g.id, s.id) in r.eligible and g.id not in r.on_shift[s.id])
        blocked = {g: tuple(r.blockers(g, s.id)) for g in available}
        out.append(Diagnosis(s.id, missing, tuple(available), blocked, _fix(problem, r, blocked, missing)))
    return out
