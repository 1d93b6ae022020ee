"""The solver's facts in French, with names: checker violations, pin conflicts, diagnoses of uncovered shifts.

The solver speaks in ids (g12, s345) and rule codes; this is the one place that turns them into sentences.
"""

from __future__ import annotations

from typing import Any

from sched.extensions import db
from sched.i18n import date_fr, time_fr
from sched.models import GP, Period, Shift
from sched.services.scheduling import Diagnosis, PinConflict, Rule, Violation, parse_key


def shift_label(shift: Shift) -> str:
    return f"garde du {date_fr(shift.date, year=False)}, {time_fr(shift.start_time)} – {time_fr(shift.end_time)}"


class Names:
    """The period's solver keys as a coordinator reads them: a GP's name, a shift's day, hours and site."""

    def __init__(self, period: Period) -> None:
        self.shifts = {s.id: s for s in period.shifts}

    def gp(self, key: str | None) -> str:
        gp = db.session.get(GP, parse_key(key)) if key else None
        return gp.name if gp is not None else key or ""

    def shift(self, key: str | None) -> str:
        shift = self.shifts.get(parse_key(key)) if key else None
        return f"{shift_label(shift)} ({shift.site.name})" if shift is not None else key or ""


VIOLATIONS = {
    Rule.UNKNOWN_ID: "Une affectation désigne une garde ou un médecin inconnu.",
    Rule.DUPLICATE: "{gp} figure deux fois sur la {shift}.",
    Rule.AVAILABILITY: "{gp} n'est pas disponible pour la {shift}.",
    Rule.SITES: "{gp} n'exerce pas au cabinet de la {shift}.",
    Rule.TARGET: "La {shift} aurait {count} médecins pour {limit} au plus.",
    Rule.OVERLAP: "{gp} aurait deux gardes en même temps : {shift} et {other}.",
    Rule.SAME_DAY: "{gp} aurait deux gardes le même jour : {shift} et {other}.",
    Rule.MAX_SHIFTS: "{gp} aurait {count} gardes sur la période (maximum {limit}).",
    Rule.MAX_PER_WEEK: "{gp} aurait {count} gardes dans la même semaine (maximum {limit}).",
    Rule.MAX_SATURDAYS: "{gp} aurait {count} samedis (maximum {limit}).",
    Rule.PINNED: "Épingle non tenue : {gp} n'est pas sur la {shift}.",
}

CONFLICTS = {
    Rule.SITES: "La {shift} est imposée à {gp}, dans un cabinet où ce médecin n'exerce pas.",
    Rule.TARGET: "{count} médecins sont imposés sur la {shift}, qui n'en accueille que {limit}.",
    Rule.MAX_SHIFTS: "Les {count} gardes imposées à {gp} dépassent son maximum de gardes sur la période ({limit}).",
    Rule.MAX_PER_WEEK: "Les {count} gardes imposées à {gp} dépassent son maximum de gardes par semaine ({limit}).",
    Rule.MAX_SATURDAYS: "Les {count} gardes imposées à {gp} dépassent son maximum de samedis ({limit}).",
    Rule.OVERLAP: "Deux gardes qui se chevauchent sont imposées à {gp} : {shift} et {other}.",
    Rule.SAME_DAY: "Deux gardes du même jour sont imposées à {gp} : {shift} et {other}.",
}

BLOCKERS = {
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


def violation_fr(violation: Violation, names: Names) -> str:
    """A broken hard rule, as a coordinator reads it next to a manual change."""
    return VIOLATIONS[violation.rule].format(
        gp=names.gp(violation.gp), shift=names.shift(violation.shift), other=names.shift(violation.other),
        count=violation.count, limit=violation.limit,
    )  # fmt: skip


def conflict_fr(conflict: PinConflict, names: Names) -> str:
    """Pins that cannot hold together, as the failed solve explains it."""
    shift, other = (conflict.shifts + ["", ""])[:2]
    return CONFLICTS[conflict.rule].format(
        gp=", ".join(names.gp(g) for g in conflict.gps), shift=names.shift(shift), other=names.shift(other),
        count=conflict.count, limit=conflict.limit,
    )  # fmt: skip


def plural(count: int, singular: str, plural: str | None = None) -> str:
    """« 1 médecin », « 2 médecins »: the count and the noun phrase that agrees with it."""
    return f"{count} {singular if count < 2 else plural or singular + 's'}"


def diagnosis_fr(diagnosis: Diagnosis, names: Names) -> str:
    """Why a shift stays below its minimum: who was available, what stopped each, and the smallest fix."""
    available = diagnosis.available
    if not available:
        return "Personne n'est disponible pour cette garde."
    them = plural(len(available), "médecin disponible", "médecins disponibles")
    if free := diagnosis.free:
        still = "encore libre" if len(free) == 1 else "encore libres"
        return f"{them}, dont {', '.join(map(names.gp, free))} {still}."
    reasons = ", ".join(
        f"{names.gp(g)} ({', '.join(BLOCKERS.get(r, 'une autre règle') for r in diagnosis.blocked_by[g])})"
        for g in available
    )
    nobody = "ne peut la prendre" if len(available) == 1 else "aucun ne peut la prendre"
    text = f"{them}, {nobody} : {reasons}." if len(available) > 1 else f"{them}, qui {nobody} : {reasons}."
    if diagnosis.missing > 1:
        text += f" Il manque {diagnosis.missing} médecins."
    if (fix := diagnosis.fix) is not None:
        text += f" Relever d'une unité {LIMITS[fix.limit]} pour {names.gp(fix.gp)} permettrait de la pourvoir."
    return text


def fix_button_fr(fix: Any, names: Names) -> str:
    """The one-click fix's button: what it does, in full."""
    return f"Relever {LIMITS[fix.limit]} de {names.gp(fix.gp)} à {fix.raise_to} et lui confier cette garde"
