"""Publishing a planning version: freeze it, create the consultation slots."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from sched.extensions import db
from sched.models import ConsultationSlot, RosterVersion, SlotBooking, User, utcnow
from sched.services import audit
from sched.services.rosters import published_version


def sync_slots(version: RosterVersion) -> None:
    """Make the slots of the period's shifts match the version: a column of slots per GP on duty.

    A GP removed keeps no slots, except those already booked: they stay (without GP) so no booking is lost.
    """
    gps_by_shift: dict[int, list[int]] = defaultdict(list)
    shifts = {}
    for a in version.assignments:
        gps_by_shift[a.shift_id].append(a.gp_id)
        shifts[a.shift_id] = a.shift
    shift_ids = {s.id for s in version.period.shifts}
    existing = db.session.scalars(select(ConsultationSlot).where(ConsultationSlot.shift_id.in_(shift_ids))).all()
    booked = set(
        db.session.scalars(
            select(SlotBooking.slot_id).where(
                SlotBooking.slot_id.in_([s.id for s in existing]), SlotBooking.cancelled_at.is_(None)
            )
        )
    )
    by_shift: dict[int, list[ConsultationSlot]] = defaultdict(list)
    for slot in existing:
        by_shift[slot.shift_id].append(slot)
    for shift_id in shift_ids:
        wanted = set(gps_by_shift.get(shift_id, []))
        slots = by_shift.get(shift_id, [])
        present = {slot.gp_id for slot in slots}
        for slot in slots:
            if slot.gp_id not in wanted:
                if slot.id in booked:
                    slot.gp_id = None
                else:
                    db.session.delete(slot)
        db.session.flush()  # deletes first: a new GP may take the freed position (unique shift/position/start)
        used_positions = {slot.position for slot in slots if slot.gp_id in wanted or slot.id in booked}
        for gp_id in sorted(wanted - present):
            position = next(p for p in range(len(used_positions) + len(wanted) + 1) if p not in used_positions)
            used_positions.add(position)
            shift = shifts[shift_id]
            start = shift.starts_at
            step = timedelta(minutes=shift.slot_minutes)
            while start + step <= shift.ends_at:
                db.session.add(
                    ConsultationSlot(
                        shift_id=shift_id,
                        position=position,
                        gp_id=gp_id,
                        starts_at=start,
                        ends_at=start + step,
                    )
                )
                start += step


def publish(version: RosterVersion, user: User | None = None) -> RosterVersion:
    """Publish `version`: it becomes the period's planning; the previous published one stays readable."""
    if version.published_at is not None:
        raise ValueError("cette version est déjà publiée")
    period = version.period
    amended = published_version(period) is not None
    version.published_at = utcnow()
    version.published_by_id = user.id if user else None
    period.state = "amended" if amended else "published"
    db.session.flush()
    sync_slots(version)
    audit.record("roster.publish", "roster_version", version.id, actor=user, number=version.number, period=period.id)
    if amended:
        from sched.services.bookings import alert_orphaned_bookings

        alert_orphaned_bookings(version)
    return version
