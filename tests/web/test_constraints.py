"""Rules the database itself enforces: a bad row never lands, whatever the Python code does."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from sched.extensions import db
from sched.models import (
    GP,
    ConsultationSlot,
    Period,
    Shift,
    ShiftTemplate,
    SlotBooking,
    SolveRequest,
    User,
)
from tests.factories import make_user

START = datetime(2027, 1, 4, 17, 0, tzinfo=UTC)


def expect_refused(obj) -> None:
    db.session.add(obj)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def period(territory) -> Period:
    p = Period(territory=territory, name="janvier 2027", start_date=date(2027, 1, 1), end_date=date(2027, 1, 31))
    db.session.add(p)
    db.session.flush()
    return p


def shift(territory, **overrides) -> Shift:
    values = dict(
        period=period(territory),
        site=territory.sites[0],
        date=date(2027, 1, 4),
        start_time=time(18),
        end_time=time(20),
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        min_gps=1,
        target_gps=2,
    )
    values.update(overrides)
    return Shift(**values)


def test_template_target_below_min_is_refused(territory):
    expect_refused(
        ShiftTemplate(
            site=territory.sites[0], label="x", weekday_mask=31, start_time=time(18), end_time=time(20),
            min_gps=2, target_gps=1,
        )
    )  # fmt: skip


def test_template_end_before_start_is_refused(territory):
    expect_refused(
        ShiftTemplate(site=territory.sites[0], label="x", weekday_mask=31, start_time=time(20), end_time=time(18))
    )


def test_shift_end_before_start_is_refused(territory):
    expect_refused(shift(territory, ends_at=START - timedelta(minutes=1)))


def test_shift_target_below_min_is_refused(territory):
    expect_refused(shift(territory, min_gps=2, target_gps=1))


def test_period_dates_in_order(territory):
    expect_refused(Period(territory=territory, name="x", start_date=date(2027, 2, 1), end_date=date(2027, 1, 1)))


def test_email_unique_and_lowercase(territory):
    make_user(territory, "gp")
    expect_refused(User(email="gp@test.fr", full_name="Doublon"))
    expect_refused(User(email="Majuscule@test.fr", full_name="Casse"))


def test_rpps_eleven_digits_and_one_profile_per_account(territory):
    # The same RPPS may sit in two territories (one person, two accounts): tests/web/test_people.py checks that an
    # RPPS stays one person's; here, the database keeps the length and one profile per account.
    user = make_user(territory, "gp")
    other = make_user(territory, "coordinator")
    expect_refused(GP(user_id=other.id, rpps="123"))
    expect_refused(GP(user_id=user.id, rpps="10000000016"))


def test_unknown_role_is_refused(territory):
    from sched.models import UserRole

    user = make_user(territory, "gp")
    expect_refused(UserRole(user_id=user.id, role="superuser"))


def test_foreign_keys_are_enforced(territory):
    expect_refused(_orphan_shift())


def _orphan_shift() -> Shift:
    return Shift(
        period_id=999999, site_id=999999, date=date(2027, 1, 4), start_time=time(18), end_time=time(20),
        starts_at=START, ends_at=START + timedelta(hours=2),
    )  # fmt: skip


def new_slot(territory) -> ConsultationSlot:
    s = shift(territory)
    db.session.add(s)
    db.session.flush()
    slot = ConsultationSlot(shift_id=s.id, position=0, starts_at=START, ends_at=START + timedelta(minutes=20))
    db.session.add(slot)
    db.session.flush()
    return slot


def test_one_live_booking_per_slot(territory):
    regulator = make_user(territory, "regulator")
    slot = new_slot(territory)
    first = SlotBooking(slot_id=slot.id, regulation_ref="R-1", booked_by_id=regulator.id)
    db.session.add(first)
    db.session.commit()
    expect_refused(SlotBooking(slot_id=slot.id, regulation_ref="R-2", booked_by_id=regulator.id))
    # once cancelled (with a reason), the slot can be booked again
    first.cancelled_at = datetime.now(UTC)
    first.cancel_reason = "Patient réorienté"
    db.session.commit()
    db.session.add(SlotBooking(slot_id=slot.id, regulation_ref="R-3", booked_by_id=regulator.id))
    db.session.commit()


def test_cancelling_needs_a_reason(territory):
    regulator = make_user(territory, "regulator")
    slot = new_slot(territory)
    expect_refused(
        SlotBooking(slot_id=slot.id, regulation_ref="R-1", booked_by_id=regulator.id, cancelled_at=datetime.now(UTC))
    )


def test_one_active_solve_per_period(territory):
    p = period(territory)
    db.session.add(SolveRequest(period_id=p.id, state="running"))
    db.session.commit()
    expect_refused(SolveRequest(period_id=p.id, state="queued"))
    db.session.add(SolveRequest(period_id=p.id, state="done"))
    db.session.commit()
