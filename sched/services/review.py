"""Reviewing a planning: the working draft, manual changes checked at once, fairness, versions compared."""

from __future__ import annotations

from sqlalchemy import select

from sched.extensions import db
from sched.models import GP, Assignment, Availability, AvailabilityAnswer, Period, RosterVersion, Shift, User
from sched.services import audit, scheduling, wording
from sched.services.rosters import published_version


class ReviewError(ValueError):
    """A manual change refused, with the rules it breaks (French)."""

    def __init__(self, message: str, violations: list[str] | None = None) -> None:
        super().__init__(message)
        self.violations = violations or []


def versions(period: Period) -> list[RosterVersion]:
    return list(
        db.session.scalars(
            select(RosterVersion).where(RosterVersion.period_id == period.id).order_by(RosterVersion.number)
        )
    )


def working_draft(period: Period) -> RosterVersion | None:
    """The unpublished version newer than the published one: the planning being worked on."""
    published = published_version(period)
    drafts = [
        v for v in versions(period) if v.published_at is None and (published is None or v.number > published.number)
    ]
    return drafts[-1] if drafts else None


def ensure_draft(period: Period, user: User | None) -> RosterVersion:
    """The working draft, created from the published planning (an amendment) or empty when there is none."""
    draft = working_draft(period)
    if draft is not None:
        return draft
    published = published_version(period)
    draft = RosterVersion(
        period_id=period.id,
        number=scheduling.next_version_number(period),
        source="amendment" if published else "manual",
        created_by_id=user.id if user else None,
        solver_status=published.solver_status if published else None,
        diagnostics=[],
        assignments=[
            Assignment(shift_id=a.shift_id, gp_id=a.gp_id, pinned=a.pinned, override_reason=a.override_reason)
            for a in (published.assignments if published else [])
        ],
    )
    db.session.add(draft)
    db.session.flush()
    audit.record("roster.draft", "roster_version", draft.id, actor=user, number=draft.number)
    return draft


def check_draft(period: Period, draft: RosterVersion) -> list[str]:
    """The hard rules the draft breaks, in French with names (empty = valid)."""
    names = wording.Names(period)
    return [wording.violation_fr(v, names) for v in scheduling.check_version(period, draft).violations]


def find(draft: RosterVersion, shift_id: int, gp_id: int) -> Assignment | None:
    return next((a for a in draft.assignments if a.shift_id == shift_id and a.gp_id == gp_id), None)


def assign(period: Period, shift: Shift, gp: GP, user: User, pin: bool = False, reason: str = "") -> list[str]:
    """Put `gp` on `shift` in the draft. Breaking a rule needs a written reason (then it is pinned and audited).

    Returns the rules still broken after an override (the solver will call those pins infeasible).
    """
    draft = ensure_draft(period, user)
    if find(draft, shift.id, gp.id) is not None:
        raise ReviewError(f"{gp.name} est déjà sur cette garde.")
    reason = reason.strip()
    assignment = Assignment(shift_id=shift.id, gp_id=gp.id, pinned=pin or bool(reason))
    draft.assignments.append(assignment)
    db.session.flush()
    violations = check_draft(period, draft)
    if violations and not reason:
        raise ReviewError("Cette affectation enfreint les règles :", violations)
    if reason:
        assignment.override_reason = reason
    audit.record(
        "roster.assign", "roster_version", draft.id, actor=user, shift=shift.id, gp=gp.id,
        pinned=assignment.pinned, override_reason=reason or None, violations=violations or None,
    )  # fmt: skip
    return violations


FIXABLE_LIMITS = ("max_shifts", "max_per_week", "max_saturdays")


def apply_fix(period: Period, shift: Shift, gp: GP, limit: str, raise_to: int, user: User) -> None:
    """A diagnosis's fix: raise `gp`'s `limit` to `raise_to` for this period only (on their answer), then assign.

    Refused (ReviewError) when the GP has no answer for the period (their limits are their profile's: the
    coordination enters the answer first), when the limit would go down, or when the rules still refuse.
    """
    if limit not in FIXABLE_LIMITS:
        raise ReviewError("Limite inconnue.")
    answer = db.session.scalar(
        select(AvailabilityAnswer).where(AvailabilityAnswer.gp_id == gp.id, AvailabilityAnswer.period_id == period.id)
    )
    if answer is None:
        raise ReviewError(f"{gp.name} n'a pas de réponse pour cette période : saisissez d'abord sa réponse.")
    current = getattr(answer, limit) if getattr(answer, limit) is not None else getattr(gp, limit)
    if current is not None and raise_to <= current:
        raise ReviewError(f"La limite de {gp.name} est déjà de {current} : la suggestion n'est plus à jour.")
    setattr(answer, limit, raise_to)
    audit.record("answer.limit", "gp", gp.id, actor=user, period=period.id, limit=limit, value=raise_to)
    db.session.flush()
    assign(period, shift, gp, user)


def remove(period: Period, shift: Shift, gp: GP, user: User, withdrawal: bool = False) -> None:
    """Take `gp` off `shift` in the draft; a withdrawal also marks the GP unavailable for that shift."""
    draft = ensure_draft(period, user)
    assignment = find(draft, shift.id, gp.id)
    if assignment is None:
        raise ReviewError(f"{gp.name} n'est pas sur cette garde.")
    draft.assignments.remove(assignment)
    if withdrawal:
        row = db.session.get(Availability, (gp.id, shift.id))
        if row is not None:
            db.session.delete(row)
    db.session.flush()
    audit.record(
        "roster.remove", "roster_version", draft.id, actor=user, shift=shift.id, gp=gp.id, withdrawal=withdrawal
    )


def toggle_pin(period: Period, shift: Shift, gp: GP, user: User) -> bool:
    """Pin or unpin an assignment of the draft; returns the new state."""
    draft = ensure_draft(period, user)
    assignment = find(draft, shift.id, gp.id)
    if assignment is None:
        raise ReviewError(f"{gp.name} n'est pas sur cette garde.")
    assignment.pinned = not assignment.pinned
    if not assignment.pinned:
        assignment.override_reason = None
    audit.record(
        "roster.pin", "roster_version", draft.id, actor=user, shift=shift.id, gp=gp.id, pinned=assignment.pinned
    )
    return assignment.pinned


def publish_draft(period: Period, user: User) -> tuple[RosterVersion, RosterVersion | None]:
    """Publish the working draft as the period's planning and queue the notifications (caller commits)."""
    from sched.services import notifications
    from sched.services.publish import publish

    draft = working_draft(period)
    if draft is None:
        raise ReviewError("Aucun planning en cours de relecture à publier.")
    previous = published_version(period)
    publish(draft, user)
    notifications.roster_published(draft, previous)
    return draft, previous
