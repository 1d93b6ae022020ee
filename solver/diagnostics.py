"""Why a shift stays below `min`: who could have taken it, what stopped each of them, and the smallest fix."""

from __future__ import annotations

from typing import Any

from solver.model import Pair, Problem
from solver.roster import Roster

REASONS = {
    "max_shifts": "maximum de gardes sur la période atteint",
    "max_per_week": "maximum par semaine atteint",
    "max_saturdays": "maximum de samedis atteint",
    "same_day": "déjà de garde ce jour-là",
    "overlap": "déjà sur une garde qui chevauche celle-ci",
    "pinned_elsewhere": "imposé sur une autre garde",
    "target": "garde déjà complète",
}
LIMITS = {
    "max_shifts": "le maximum de gardes sur la période",
    "max_per_week": "le maximum par semaine",
    "max_saturdays": "le maximum de samedis",
}


def _fix(problem: Problem, r: Roster, blocked: dict[str, list[str]], missing: int) -> dict[str, Any] | None:
    """One limit, raised by one, that lets one more GP take the shift — enough only when one GP is missing."""
    if missing != 1:
        return None
    options = [(r.load[g], g, rules[0]) for g, rules in blocked.items() if len(rules) == 1 and rules[0] in LIMITS]
    if not options:
        return None
    _, gp, limit = min(options)
    current = getattr(problem.gp(gp), limit)
    return {"gp": gp, "limit": limit, "raise_to": current + 1}


def _message(available: list[str], blocked: dict[str, list[str]], missing: int, fix: dict[str, Any] | None) -> str:
    if not available:
        return "Personne n'est disponible pour cette garde."
    free = [g for g in available if not blocked[g]]
    if free:
        return f"{len(available)} médecin(s) disponible(s), dont {', '.join('Dr ' + g for g in free)} encore libre(s)."
    reasons = ", ".join(f"Dr {g} ({', '.join(REASONS.get(x, x) for x in blocked[g])})" for g in available)
    text = f"{len(available)} médecin(s) disponible(s), aucun ne peut la prendre : {reasons}."
    if missing > 1:
        text += f" Il manque {missing} médecins."
    if fix is not None:
        text += f" Relever d'une unité {LIMITS[fix['limit']]} de Dr {fix['gp']} permettrait de la pourvoir."
    return text


def diagnose(problem: Problem, pairs: list[Pair]) -> list[dict[str, Any]]:
    """One entry per shift with fewer than `min` GPs, in shift order."""
    r = Roster(problem, pairs)
    out = []
    for s in problem.shifts:
        missing = s.min - r.count(s.id)
        if missing <= 0:
            continue
        available = sorted(g.id for g in problem.gps if (g.id, s.id) in r.eligible and g.id not in r.on_shift[s.id])
        blocked = {g: r.blockers(g, s.id) for g in available}
        fix = _fix(problem, r, blocked, missing)
        out.append(
            {
                "shift": s.id,
                "missing": missing,
                "available": available,
                "blocked_by": blocked,
                "fix": fix,
                "message": _message(available, blocked, missing, fix),
            }
        )
    return out
