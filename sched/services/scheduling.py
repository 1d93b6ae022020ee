"""THE adapter between the database and the solver's snp-roster/1 format — the only module importing both."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

import solver
from sched.extensions import db
from sched.models import (
    GP,
    Absence,
    Assignment,
    Availability,
    AvailabilityAnswer,
    Period,
    RosterVersion,
    Shift,
    Territory,
    User,
)
from sched.services.rosters import latest_published_ids, published_version
from solver import Diagnosis, PinConflict
from solver import Rule as Rule  # re-exported: services/wording.py words the solver's facts, reached only here
from solver import Violation as Violation


def shift_key(shift_id: int) -> str:
    return f"s{shift_id}"


def gp_key(gp_id: int) -> str:
    return f"g{gp_id}"


def site_key(site_id: int) -> str:
    return f"site-{site_id}"


def parse_key(key: str) -> int:
    """The database id in a shift or GP key (s345 → 345, g12 → 12): the app's only parser of solver keys."""
    if key[:1] not in ("s", "g") or not key[1:].isdigit():
        raise ValueError(f"not a shift or GP key: {key!r}")
    return int(key[1:])


def history_minutes(period: Period) -> dict[int, int]:
    """Minutes each GP worked in the published plannings of earlier periods of the territory."""
    rows = db.session.execute(
        select(Assignment.gp_id, Shift.starts_at, Shift.ends_at)
        .join(Assignment.shift)
        .join(Shift.period)
        .where(
            Assignment.version_id.in_(latest_published_ids()),
            Period.territory_id == period.territory_id,
            Period.end_date < period.start_date,
        )
    )
    minutes: dict[int, int] = defaultdict(int)
    for gp_id, starts, ends in rows:
        minutes[gp_id] += int((ends - starts).total_seconds() // 60)
    return minutes


def busy_elsewhere(period: Period, shifts: list[Shift]) -> dict[int, list[tuple[datetime, datetime]]]:
    """The published gardes that the GPs of `period`'s territory hold in their other CPTS (the same person's other
    accounts), as (start, end) by GP of this territory: only times, nothing else of the other CPTS."""
    if not shifts:
        return {}
    mine, theirs, other_gp = aliased(User), aliased(User), aliased(GP)
    rows = db.session.execute(
        select(GP.id, Shift.starts_at, Shift.ends_at)
        .join(mine, mine.id == GP.user_id)
        .join(theirs, (theirs.person_id == mine.person_id) & (theirs.id != mine.id))
        .join(other_gp, other_gp.user_id == theirs.id)
        .join(Assignment, Assignment.gp_id == other_gp.id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(mine.territory_id == period.territory_id, Assignment.version_id.in_(latest_published_ids()))
        .where(Shift.starts_at < max(s.ends_at for s in shifts), Shift.ends_at > min(s.starts_at for s in shifts))
    )
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for gp_id, start, end in rows:
        busy[gp_id].append((start, end))
    return busy


def problem_from_db(period: Period, draft: RosterVersion | None = None) -> dict[str, Any]:
    """The period as an snp-roster/1 problem: open shifts, answering GPs, pins of `draft`, the published roster."""
    territory = db.session.get(Territory, period.territory_id)
    tz = ZoneInfo(territory.timezone)
    shifts = [s for s in period.shifts if not s.closed]
    shift_ids = {s.id for s in shifts}
    availability: dict[int, dict[str, str]] = defaultdict(dict)
    rows = db.session.scalars(select(Availability).where(Availability.shift_id.in_(shift_ids))).all()
    away: dict[int, list[Absence]] = defaultdict(list)
    for absence in db.session.scalars(
        select(Absence).where(Absence.start_date <= period.end_date, Absence.end_date >= period.start_date)
    ):
        away[absence.gp_id].append(absence)
    day_of = {s.id: s.date for s in shifts}
    by_id = {s.id: s for s in shifts}
    elsewhere = busy_elsewhere(period, shifts)
    for row in rows:
        # An absence declared after the answer wins: the solver sees the GP unavailable on those days; so does a
        # garde the same person holds in another CPTS at an overlapping time.
        shift = by_id[row.shift_id]
        if not any(a.covers(day_of[row.shift_id]) for a in away.get(row.gp_id, ())) and not any(
            start < shift.ends_at and shift.starts_at < end for start, end in elsewhere.get(row.gp_id, ())
        ):
            availability[row.gp_id][shift_key(row.shift_id)] = row.level
    answers = {
        a.gp_id: a
        for a in db.session.scalars(select(AvailabilityAnswer).where(AvailabilityAnswer.period_id == period.id))
    }
    published = published_version(period)
    previous = [a for a in published.assignments if a.shift_id in shift_ids] if published else []
    pins = [a for a in draft.assignments if a.pinned and a.shift_id in shift_ids] if draft else []
    # Everyone on the draft is exported too, so that the checker can judge a manual change.
    kept = {a.gp_id for a in previous} | ({a.gp_id for a in draft.assignments} if draft else set())
    involved = set(answers) | set(availability)
    gps = db.session.scalars(
        select(GP)
        .join(GP.user)
        .where(GP.id.in_(involved | kept), GP.active | GP.id.in_(kept or {0}))
        .order_by(func.lower(User.full_name))
    ).all()
    history = history_minutes(period)
    site_of = {s.id: s.site_id for s in shifts}
    # A coordinator's pin counts as available (the format says so); it also opens that shift's site to the GP.
    pinned_sites: dict[int, set[int]] = defaultdict(set)
    for a in pins:
        pinned_sites[a.gp_id].add(site_of[a.shift_id])

    def limit(gp: GP, name: str) -> dict[str, int]:
        answer = answers.get(gp.id)
        value = getattr(answer, name) if answer is not None and getattr(answer, name) is not None else None
        value = value if value is not None else getattr(gp, name)
        return {} if value is None else {name: value}

    return {
        "format": "snp-roster/1",
        "name": f"period-{period.id}",
        "timezone": territory.timezone,
        "one_shift_per_day": True,
        "shifts": [
            {
                "id": shift_key(s.id),
                "site": site_key(s.site_id),
                "start": s.starts_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
                "end": s.ends_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
                "min": s.min_gps,
                "target": s.target_gps,
                "priority": s.priority,
            }
            for s in shifts
        ],
        "gps": [
            {
                "id": gp_key(gp.id),
                **limit(gp, "max_shifts"),
                **limit(gp, "max_per_week"),
                **limit(gp, "max_saturdays"),
                "history_minutes": gp.history_minutes + history.get(gp.id, 0),
                "sites": [site_key(i) for i in sorted({site.id for site in gp.sites} | pinned_sites[gp.id])],
                "availability": availability.get(gp.id, {}),
            }
            for gp in gps
        ],
        "pinned": [{"gp": gp_key(a.gp_id), "shift": shift_key(a.shift_id)} for a in pins],
        "previous": [{"gp": gp_key(a.gp_id), "shift": shift_key(a.shift_id)} for a in previous],
    }


def next_version_number(period: Period) -> int:
    current = db.session.scalar(select(func.max(RosterVersion.number)).where(RosterVersion.period_id == period.id))
    return (current or 0) + 1


def apply_solution(
    period: Period,
    problem: dict[str, Any],
    solution: dict[str, Any],
    source: str = "solver",
    user: User | None = None,
) -> RosterVersion:
    """Store a solution as the period's next (unpublished) planning version."""
    pinned = {(p["gp"], p["shift"]) for p in problem.get("pinned", [])}
    version = RosterVersion(
        period_id=period.id,
        number=next_version_number(period),
        source=source,
        created_by_id=user.id if user else None,
        solver_status=solution.get("status"),
        score=solution.get("score"),
        diagnostics=solution.get("diagnostics") or [],
        assignments=[
            Assignment(
                shift_id=parse_key(a["shift"]),
                gp_id=parse_key(a["gp"]),
                pinned=(a["gp"], a["shift"]) in pinned,
            )
            for a in solution.get("assignments", [])
        ],
    )
    db.session.add(version)
    db.session.flush()
    return version


def roster_solution(version: RosterVersion, problem: dict[str, Any] | None = None) -> dict[str, Any]:
    """A stored planning version as an snp-roster/1-solution (the roster the app holds), score by the checker."""
    shift_ids = {shift_key(s.id) for s in version.period.shifts if not s.closed}
    assignments = sorted(
        ({"shift": shift_key(a.shift_id), "gp": gp_key(a.gp_id)} for a in version.assignments),
        key=lambda a: (parse_key(a["shift"]), parse_key(a["gp"])),
    )
    solution: dict[str, Any] = {
        "format": "snp-roster/1-solution",
        "problem": f"period-{version.period_id}",
        "status": version.solver_status or "feasible",
        "assignments": [a for a in assignments if a["shift"] in shift_ids],
        "version": version.number,
        "published": version.published_at is not None,
    }
    if problem is not None:
        solution["score"] = solver.check(problem, solution).score
    return solution


def check_version(period: Period, version: RosterVersion) -> solver.CheckReport:
    """The checker's report on `version` against the period's problem with that version's pins."""
    problem = problem_from_db(period, version)
    return solver.check(problem, roster_solution(version))


def diagnoses_of(version: RosterVersion) -> list[Diagnosis]:
    """The stored diagnoses of a version (rows stored with a French `message` read the same: it is ignored)."""
    return [Diagnosis.from_dict(d) for d in version.diagnostics or []]


def conflicts_of(solution: dict[str, Any]) -> list[PinConflict]:
    """The pin conflicts of an infeasible solution."""
    return [PinConflict.from_dict(c) for c in solution.get("conflicts") or []]


def print_progress(event: Any) -> None:
    """The solver's progress line on stderr, for the command line."""
    solver.print_progress(event)


def chosen_engine() -> str | None:
    """The engine named by the SOLVER_ENGINE setting (config/settings.py), else None: the solver's default."""
    return current_app.config["SOLVER_ENGINE"] if has_app_context() else None


def solve_period(period: Period, draft: RosterVersion | None = None, **options: Any) -> tuple[dict, dict]:
    """Export, solve and check: (problem, solution). The solver's score is verified by the checker."""
    problem = problem_from_db(period, draft)
    if "engine" not in options and (engine := chosen_engine()):
        options["engine"] = engine
    if has_app_context():
        options.setdefault("milp_fallback", current_app.config["SOLVER_MILP"])
    solution = solver.solve(problem, **options)
    if solution.get("status") in ("optimal", "feasible"):
        report = solver.check(problem, solution)
        if not report.valid:
            raise RuntimeError("solver returned an invalid roster: " + "; ".join(map(str, report.violations)))
    return problem, solution
