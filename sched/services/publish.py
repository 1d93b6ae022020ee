"""Publishing a planning version: freeze it, create the consultation slots."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from sched.extensions import db
from sched.models import ConsultationSlot, RosterVersion, Shift, SlotBooking, User, utcnow
from sched.services import audit
from sched.services.rosters import published_version


def slot_column(shift: Shift, position: int, gp_id: int) -> list[ConsultationSlot]:
    """The créneaux of one GP on `shift`: slot_minutes each, from its start to its end."""
    column, start, step = [], shift.starts_at, timedelta(minutes=shift.slot_minutes)
    while start + step <= shift.ends_at:
        column.append(
            ConsultationSlot(shift_id=shift.id, position=position, gp_id=gp_id, starts_at=start, ends_at=start + step)
        )
        start += step
    return column


def sync_slots(version: RosterVersion) -> None:
    """Make the créneaux of the period's gardes match the version: a column of créneaux per GP on duty.

    Bookings follow the doctor: a GP leaving a garde hands their column (same créneaux, same bookings) to a GP
    joining it; a booking still on a departed GP's créneau moves to a free créneau at the same start of a GP who
    stays. Only when no doctor is left at that hour does a booking stay on a créneau without GP (the regulators'
    list and the coordination say so). A departed GP's créneaux that hold no booking are deleted.
    """
    wanted_by_shift: dict[int, set[int]] = defaultdict(set)
    for a in version.assignments:
        wanted_by_shift[a.shift_id].add(a.gp_id)
    shifts = {s.id: s for s in version.period.shifts}
    existing = db.session.scalars(select(ConsultationSlot).where(ConsultationSlot.shift_id.in_(shifts))).all()
    live = {
        b.slot_id: b
        for b in db.session.scalars(
            select(SlotBooking).where(
                SlotBooking.slot_id.in_([s.id for s in existing]), SlotBooking.cancelled_at.is_(None)
            )
        )
    }
    by_shift: dict[int, list[ConsultationSlot]] = defaultdict(list)
    for slot in existing:
        by_shift[slot.shift_id].append(slot)
    for shift_id, shift in shifts.items():
        wanted = wanted_by_shift.get(shift_id, set())
        slots = by_shift.get(shift_id, [])
        if not wanted and not slots:
            continue
        present = {slot.gp_id for slot in slots if slot.gp_id is not None}
        joining = sorted(wanted - present)
        for leaving in sorted(present - wanted):
            heir = joining.pop(0) if joining else None
            for slot in slots:
                if slot.gp_id == leaving:
                    slot.gp_id = heir
        used = {slot.position for slot in slots}
        for gp_id in joining:
            position = next(p for p in range(len(used) + 1) if p not in used)
            used.add(position)
            column = slot_column(shift, position, gp_id)
            db.session.add_all(column)
            slots.extend(column)
        db.session.flush()
        rehome_bookings(slots, live)


def rehome_bookings(slots: list[ConsultationSlot], live: dict[int, SlotBooking]) -> None:
    """Move bookings left on créneaux without GP to a free créneau at the same start; drop empty orphans."""
    free_at: dict[object, list[ConsultationSlot]] = defaultdict(list)
    for slot in sorted(slots, key=lambda s: s.position):
        if slot.gp_id is not None and slot.id not in live:
            free_at[slot.starts_at].append(slot)
    for slot in slots:
        if slot.gp_id is not None:
            continue
        booking = live.get(slot.id)
        if booking is not None and free_at[slot.starts_at]:
            target = free_at[slot.starts_at].pop(0)
            booking.slot_id = target.id
            live[target.id] = live.pop(slot.id)
            audit.record("booking.move", "slot_booking", booking.id, from_slot=slot.id, to_slot=target.id)
            booking = None
        if booking is None:
            db.session.flush()  # the booking's move first: the empty créneau can then go
            db.session.delete(slot)
    db.session.flush()


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
