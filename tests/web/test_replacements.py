"""Replacing a GP on a published garde: who is eligible, the new version, bookings that follow, the CLI."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import (
    GP,
    Absence,
    AuditEvent,
    AvailabilityAnswer,
    ConsultationSlot,
    OutboxEmail,
    RosterVersion,
    Shift,
    SlotBooking,
    User,
)
from sched.services import bookings, eligibility, ical, replacements
from sched.services.rosters import published_version
from tests.factories import make_user, run_concurrently
from tests.web.market_support import build_market


@pytest.fixture
def market(territory):
    return build_market(territory)


def names(candidates):
    return [c.gp.user.email.split("@")[0] for c in candidates]


def test_eligible_gps_are_free_that_day_at_the_site_and_ranked_fairest_first(market):
    a_shift = market.shift_of("a")
    market.gps["b"].history_minutes = 600
    db.session.commit()
    # d has no garde (0 min), c has one (120 min), b one plus 600 min of history.
    assert names(eligibility.candidates(a_shift, exclude={market.gps["a"].id})) == ["d", "c", "b"]


def test_absent_busy_limited_or_other_site_gps_are_not_eligible(market):
    a_shift, gps = market.shift_of("a"), market.gps
    db.session.add(Absence(gp_id=gps["d"].id, start_date=a_shift.date, end_date=a_shift.date, reason="congés"))
    db.session.add(AvailabilityAnswer(gp_id=gps["b"].id, period_id=market.period.id, max_shifts=1))
    gps["c"].sites = []
    db.session.commit()
    assert eligibility.candidates(a_shift, exclude={gps["a"].id}) == []
    assert eligibility.refusal(a_shift, gps["d"]) == "Dr D est absent(e) ce jour-là."
    assert eligibility.refusal(a_shift, gps["b"]) == "Dr B a déjà 1 garde sur la période (maximum 1)."
    assert eligibility.refusal(a_shift, gps["c"]) == "Dr C n'exerce pas à ce cabinet de garde."
    assert eligibility.refusal(market.shift_of("b"), gps["a"]) is None
    assert eligibility.refusal(a_shift, gps["a"]) == "Dr A est déjà sur cette garde."


def test_a_replacement_is_one_new_published_version_with_the_minimal_diff(market):
    a_shift, gps = market.shift_of("a"), market.gps
    db.session.execute(OutboxEmail.__table__.delete())
    version, _ = replacements.replace(a_shift, gps["a"], gps["d"], None, "malade")
    db.session.commit()
    assert version.number == 2 and version.published_at is not None and version.source == "replacement"
    assert published_version(market.period).id == version.id
    assert sorted((a.shift_id, a.gp_id) for a in version.assignments) == sorted(
        [(a_shift.id, gps["d"].id), (market.shift_of("b").id, gps["b"].id), (market.shift_of("c").id, gps["c"].id)]
    )
    assert set(db.session.scalars(select(OutboxEmail.to_addr))) == {"a@test.fr", "d@test.fr"}
    # iCal: the garde leaves a's feed (cancelled, SEQUENCE 1) and enters d's (new, SEQUENCE 0).
    a_event = next(e for e in ical.gp_events(gps["a"]) if e.shift.id == a_shift.id)
    d_event = next(e for e in ical.gp_events(gps["d"]) if e.shift.id == a_shift.id)
    assert (a_event.cancelled, a_event.sequence) == (True, 1)
    assert (d_event.cancelled, d_event.sequence) == (False, 0)
    assert all(not e.cancelled and e.sequence == 0 for e in ical.gp_events(gps["b"]))


def test_the_replaced_gps_patients_follow_with_the_same_booking_ids(market, territory):
    a_shift, gps = market.shift_of("a"), market.gps
    regulator = make_user(territory, "regulator")
    slots = db.session.scalars(
        select(ConsultationSlot).where(ConsultationSlot.gp_id == gps["a"].id).order_by(ConsultationSlot.starts_at)
    ).all()
    booked = [bookings.book(s.id, regulator, f"DOS-{i}") for i, s in enumerate(slots[:3])]
    replacements.replace(a_shift, gps["a"], gps["d"], None)
    db.session.commit()
    for booking, slot in zip(booked, slots, strict=False):
        db.session.refresh(booking)
        assert booking.cancelled_at is None and booking.slot_id == slot.id and booking.slot.gp_id == gps["d"].id
    # d's créneaux are a's: the three booked ones stay booked, nothing free at their hours.
    d_slots = db.session.scalars(select(ConsultationSlot).where(ConsultationSlot.gp_id == gps["d"].id)).all()
    assert sorted(s.id for s in d_slots) == sorted(s.id for s in slots)
    assert db.session.scalar(select(func.count(ConsultationSlot.id)).where(ConsultationSlot.gp_id.is_(None))) == 0


def test_a_draft_in_progress_keeps_its_edits_and_stays_the_draft(market):
    from sched.services import review

    gps = market.gps
    review.remove(market.period, market.shift_of("c"), gps["c"], None)  # the coordination's unfinished edit
    db.session.commit()
    draft = review.working_draft(market.period)
    assert draft.number == 2
    version, _ = replacements.replace(market.shift_of("a"), gps["a"], gps["d"], None)
    db.session.commit()
    assert version.number == 2 and draft.number == 3
    assert review.working_draft(market.period).id == draft.id
    kept = {(a.shift_id, a.gp_id) for a in draft.assignments}
    assert (market.shift_of("a").id, gps["d"].id) in kept and (market.shift_of("c").id, gps["c"].id) not in kept


def test_replacement_racing_a_booking_never_leaves_the_patient_on_the_removed_gp(app, market, territory):
    """A regulator books a's 18:00 créneau while the coordination replaces a by d: the booking ends with d."""
    a_shift, gps = market.shift_of("a"), market.gps
    regulator = make_user(territory, "regulator")
    slot_id = db.session.scalar(
        select(ConsultationSlot.id).where(ConsultationSlot.gp_id == gps["a"].id).order_by(ConsultationSlot.starts_at)
    )
    ids = {"shift": a_shift.id, "a": gps["a"].id, "d": gps["d"].id, "regulator": regulator.id}
    db.session.remove()

    def book() -> None:
        bookings.book(slot_id, db.session.get(User, ids["regulator"]), "RACE-1")

    def replace() -> None:
        replacements.replace(
            db.session.get(Shift, ids["shift"]), db.session.get(GP, ids["a"]), db.session.get(GP, ids["d"]), None
        )
        db.session.commit()

    assert run_concurrently(app, [book, replace]) == []
    booking = db.session.scalar(select(SlotBooking).where(SlotBooking.regulation_ref == "RACE-1"))
    assert booking.cancelled_at is None and booking.slot.gp_id == ids["d"]
    assert db.session.scalar(select(func.count(ConsultationSlot.id)).where(ConsultationSlot.gp_id == ids["a"])) == 0


# --- python -m sched replace --------------------------------------------------------------------------------


def test_cli_replace_takes_the_best_ranked_gp_and_prints_json(runner, market):
    a_shift = market.shift_of("a")
    result = runner.invoke(["replace", str(a_shift.id), "--from", "a@test.fr", "--reason", "grippe", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "shift_id": a_shift.id, "from": market.gps["a"].id, "to": market.gps["d"].id, "version": 2,
    }  # fmt: skip
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.replace"))
    assert event.details["changes"] == [[a_shift.id, market.gps["a"].id, market.gps["d"].id]]


def test_cli_replace_accepts_the_gp_id_and_a_chosen_gp(runner, market):
    a_shift, gps = market.shift_of("a"), market.gps
    result = runner.invoke(["replace", str(a_shift.id), "--from", str(gps["a"].id), "--to", "c@test.fr"])
    assert result.exit_code == 0, result.output
    assert "Dr C" in result.output and "version 2" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "b@test.fr"], "Dr B n'est pas sur la garde"),
        (["--from", "a@test.fr", "--to", "b@test.fr"], "Dr B a déjà"),
        (["--from", "nobody@test.fr"], "Aucun médecin"),
        (["--from", "a@test.fr", "--to", "a@test.fr"], "Dr A est déjà sur cette garde"),
    ],
)
def test_cli_replace_refuses_clearly_and_changes_nothing(runner, market, args, message):
    market.gps["d"].active = False
    market.gps["b"].max_shifts = 1
    db.session.commit()
    result = runner.invoke(["replace", str(market.shift_of("a").id), *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert db.session.scalar(select(func.count(RosterVersion.id))) == 1


def test_cli_replace_with_nobody_eligible(runner, market):
    for name in "bcd":
        market.gps[name].active = False
    db.session.commit()
    result = runner.invoke(["replace", str(market.shift_of("a").id), "--from", "a@test.fr"])
    assert result.exit_code == 1 and "Aucun médecin ne peut prendre" in result.output
    assert db.session.scalar(select(func.count(RosterVersion.id))) == 1


def test_cli_replace_unknown_shift(runner, market):
    result = runner.invoke(["replace", "999999", "--from", "a@test.fr"])
    assert result.exit_code == 1 and "garde 999999" in result.output


def test_a_garde_in_the_past_cannot_be_replaced(market):
    a_shift = market.shift_of("a")
    a_shift.starts_at -= timedelta(days=30)
    a_shift.ends_at -= timedelta(days=30)
    db.session.commit()
    with pytest.raises(replacements.ReplacementError, match="commencée ou passée"):
        replacements.replace(a_shift, market.gps["a"], market.gps["d"], None)
