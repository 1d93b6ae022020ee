"""The solver's facts in French, with names: checker violations, pin conflicts, diagnoses of uncovered shifts.

The solver speaks in ids (g12, s345) and rule codes; this is the one place that turns them into sentences.
"""

from __future__ import annotations

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
    Rule.PINNED: "{gp} est épinglé(e) sur la {shift} mais n'y est pas affecté(e).",
}

CONFLICTS = {
    Rule.SITES: "{gp} est imposé(e) sur la {shift}, dans un cabinet où il n'exerce pas.",
    Rule.TARGET: "{count} médecins sont imposés sur la {shift}, qui n'en accueille que {limit}.",
    Rule.MAX_SHIFTS: "Les {count} gardes imposées à {gp} dépassent son maximum de gardes sur la période ({limit}).",
    Rule.MAX_PER_WEEK: "Les {count} gardes imposées à {gp} dépassent son maximum de gardes par semaine ({limit}).",
    Rule.MAX_SATURDAYS: "Les {count} gardes imposées à {gp} dépassent son maximum de samedis ({limit}).",
    Rule.OVERLAP: "{gp} est imposé(e) sur deux gardes qui se chevauchent : {shift} et {other}.",
    Rule.SAME_DAY: "{gp} est imposé(e) sur deux gardes le même jour : {shift} et {other}.",
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


def diagnosis_fr(diagnosis: Diagnosis, names: Names) -> str:
    """Why a shift stays below its minimum: who was available, what stopped each, and the smallest fix."""
    available = diagnosis.available
    if not available:
        return "Personne n'est disponible pour cette garde."
    if free := diagnosis.free:
        return f"{len(available)} médecin(s) disponible(s), dont {', '.join(map(names.gp, free))} encore libre(s)."
    reasons = ", ".join(
        f"{names.gp(g)} ({', '.join(BLOCKERS.get(r, r) for r in diagnosis.blocked_by[g])})" for g in available
    )
    text = f"{len(available)} médecin(s) disponible(s), aucun ne peut la prendre : {reasons}."
    if diagnosis.missing > 1:
        text += f" Il manque {diagnosis.missing} médecins."
    if (fix := diagnosis.fix) is not None:
        text += f" Relever d'une unité {LIMITS[fix.limit]} pour {names.gp(fix.gp)} permettrait de la pourvoir."
    return text
