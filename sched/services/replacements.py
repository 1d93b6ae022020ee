"""Changing a published planning: one new published version with the minimal diff.

Every path that changes a published planning after the fact — the coordination's one-step replacement,
`python -m sched replace`, an offer taken on the market, a swap, an absence, a deactivation — ends in
`amend_published`, so bookings follow the doctor, feeds change their SEQUENCE and only the GPs concerned are told.
"""

from __future__ import annotations

from collections import defaultdict

from sched.extensions import db
from sched.models import (
    GP,
    Assignment,
    Period,
    RosterVersion,
    Shift,
    Territory,
    User,
    utcnow,
)
from sched.services import audit, notifications, scheduling
from sched.services.eligibility import candidates, on_shift, refusal
from sched.services.mail import queue_template
from sched.services.publish import publish
from sched.services.review import working_draft
from sched.services.rosters import published_version
from sched.services.wording import shift_label


class ReplacementError(ValueError):
    """A change refused; the message is French and says why."""


Change = tuple[Shift, GP, GP | None]  # garde, GP leaving it, GP taking it (None: left uncovered)


def not_begun(shift: Shift) -> None:
    """A garde already begun is history: the published planning no longer changes for it."""
    if shift.starts_at <= utcnow():
        raise ReplacementError(f"La {shift_label(shift)} est commencée ou passée : le planning n'en change plus.")


def amend_published(
    period: Period, changes: list[Change], actor: User | None, source: str = "replacement", note: str = ""
) -> RosterVersion:
    """Publish version n+1 = the published planning with `changes`; the caller commits.

    A working draft in progress keeps its own edits: the same changes are applied to it and it is renumbered
    after the new version, so it stays the draft.
    """
    published = published_version(period)
    if published is None:
        raise ReplacementError("Cette période n'a pas de planning publié.")
    draft = working_draft(period)
    number = scheduling.next_version_number(period)
    if draft is not None:
        number = draft.number
        draft.number = number + 1
        db.session.flush()
    current = {(a.shift_id, a.gp_id): a for a in published.assignments}
    for shift, leaving, taking in changes:
        not_begun(shift)
        if (shift.id, leaving.id) not in current:
            raise ReplacementError(f"{leaving.name} n'est pas sur la {shift_label(shift)}.")
        if taking is not None and (shift.id, taking.id) in current:
            raise ReplacementError(f"{taking.name} est déjà sur la {shift_label(shift)}.")
    version = RosterVersion(
        period_id=period.id,
        number=number,
        source=source,
        created_by_id=actor.id if actor else None,
        solver_status=published.solver_status,
        diagnostics=[],
        note=note or None,
        assignments=[
            Assignment(shift_id=a.shift_id, gp_id=a.gp_id, pinned=a.pinned, override_reason=a.override_reason)
            for a in published.assignments
        ],
    )
    for target in (version, draft) if draft is not None else (version,):
        apply_changes(target, changes)
    db.session.add(version)
    db.session.flush()
    publish(version, actor)
    notifications.roster_published(version, published)
    left_empty = [
        s for s, _, taking in changes if taking is None and not any(a.shift_id == s.id for a in version.assignments)
    ]
    if left_empty:
        tell_regulators(period, left_empty)
    audit.record(
        "roster.replace", "roster_version", version.id, actor=actor, source=source,
        changes=[[s.id, a.id, b.id if b else None] for s, a, b in changes],
    )  # fmt: skip
    return version


def tell_regulators(period: Period, shifts: list[Shift]) -> None:
    """Gardes left with no doctor after publication: the regulators must not send patients there."""
    territory = db.session.get(Territory, period.territory_id)
    if not territory.regulators_email:
        return
    queue_template(
        territory.regulators_email, "Garde sans médecin : ne pas orienter de patient", "notice", "garde_uncovered",
        name=None, link=None, action=None,
        paragraphs=[f"Plus aucun médecin n'assure la {shift_label(s)} au {s.site.name}." for s in shifts]
        + ["La coordination de la CPTS cherche un remplaçant ; la liste de la régulation est à jour."],
    )  # fmt: skip


def apply_changes(version: RosterVersion, changes: list[Change]) -> None:
    by_key = defaultdict(list)
    for a in version.assignments:
        by_key[(a.shift_id, a.gp_id)].append(a)
    for shift, leaving, taking in changes:
        for a in by_key.get((shift.id, leaving.id), []):
            version.assignments.remove(a)
        if taking is not None and not by_key.get((shift.id, taking.id)):
            version.assignments.append(Assignment(shift_id=shift.id, gp_id=taking.id))


def replace(
    shift: Shift, leaving: GP, taking: GP | None, actor: User | None, reason: str = ""
) -> tuple[RosterVersion, GP]:
    """Replace `leaving` by `taking` on a published garde (the best-ranked eligible GP when `taking` is None)."""
    not_begun(shift)
    if leaving.id not in on_shift(shift):
        raise ReplacementError(f"{leaving.name} n'est pas sur la {shift_label(shift)}.")
    if taking is None:
        ranked = candidates(shift, exclude={leaving.id})
        if not ranked:
            raise ReplacementError(f"Aucun médecin ne peut prendre la {shift_label(shift)}.")
        taking = ranked[0].gp
    refused = refusal(shift, taking)
    if refused:
        raise ReplacementError(refused)
    note = f"{leaving.name} remplacé(e) par {taking.name}" + (f" : {reason.strip()}" if reason.strip() else "")
    version = amend_published(shift.period, [(shift, leaving, taking)], actor, "replacement", note)
    return version, taking


def leave_uncovered(shift: Shift, leaving: GP, actor: User | None, note: str) -> RosterVersion:
    """Take `leaving` off a published garde with nobody in their place; the regulators are told."""
    return amend_published(shift.period, [(shift, leaving, None)], actor, "replacement", note)
