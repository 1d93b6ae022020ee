"""The GP home: periods to answer (deadline, answered or not) and « Mes gardes » with the booked consultations."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.i18n import local
from sched.models import (
    Assignment,
    AvailabilityAnswer,
    ConsultationSlot,
    Period,
    RosterVersion,
    ShiftTemplate,
    SlotBooking,
    utcnow,
)
from sched.services.periods import generate_shifts
from sched.services.publish import publish
from tests.factories import make_user


@pytest.fixture
def published(territory):
    """A published planning over the next ten days, one template every day at 18:00."""
    site = territory.sites[0]
    site.templates = [ShiftTemplate(label="Soir", weekday_mask=127, start_time=time(18), end_time=time(20))]
    today = local(utcnow()).date()
    period = Period(
        territory=territory,
        name="Période en cours",
        start_date=today + timedelta(days=1),
        end_date=today + timedelta(days=10),
        state="review",
    )
    db.session.add(period)
    db.session.flush()
    generate_shifts(period, territory)
    db.session.commit()
    return period


def test_periods_show_deadline_and_answer_state(client, login_as, territory):
    user = login_as("gp")
    deadline = datetime(2031, 3, 10, 22, 59, tzinfo=local(utcnow()).tzinfo)
    waiting = Period(territory=territory, name="mars 2031", start_date=deadline.date(),
                     end_date=deadline.date(), state="collecting", deadline=deadline + timedelta(days=300))  # fmt: skip
    answered = Period(territory=territory, name="avril 2031", start_date=deadline.date() + timedelta(days=31),
                      end_date=deadline.date() + timedelta(days=40), state="collecting", deadline=deadline)  # fmt: skip
    draft = Period(territory=territory, name="brouillon 2031", start_date=deadline.date(),
                   end_date=deadline.date(), state="draft")  # fmt: skip
    db.session.add_all([waiting, answered, draft])
    db.session.flush()
    db.session.add(AvailabilityAnswer(gp_id=user.gp.id, period_id=answered.id))
    db.session.commit()
    html = client.get("/gp/").get_data(as_text=True)
    assert "mars 2031" in html and "avril 2031" in html and "brouillon 2031" not in html
    assert "À donner avant le lundi 10 mars 2031 à" in html
    assert "Donner mes disponibilités" in html and "Modifier mes disponibilités" in html
    assert html.count("pas encore répondu") == 1


def test_my_shifts_list_site_address_phone_and_live_bookings(client, login_as, territory, published):
    user = login_as("gp")
    colleague = make_user(territory, "gp", "confrere@test.fr", rpps="10000000016")
    regulator = make_user(territory, "regulator", "regul@test.fr")
    shifts = published.shifts
    version = RosterVersion(period=published, number=1, source="manual")
    version.assignments = [
        Assignment(shift=shifts[0], gp_id=user.gp.id),
        Assignment(shift=shifts[0], gp_id=colleague.gp.id),
    ]
    version.assignments += [Assignment(shift=shifts[2], gp_id=user.gp.id)]
    db.session.add(version)
    db.session.flush()
    publish(version)
    db.session.flush()
    slots = db.session.scalars(
        select(ConsultationSlot).where(ConsultationSlot.shift_id == shifts[0].id).order_by(ConsultationSlot.starts_at)
    ).all()
    mine = [s for s in slots if s.gp_id == user.gp.id]
    theirs = [s for s in slots if s.gp_id == colleague.gp.id]
    db.session.add_all(
        [
            SlotBooking(slot=mine[1], regulation_ref="R-2031-0042", initials="JD", age_band="65-79",
                        booked_by_id=regulator.id),
            SlotBooking(slot=mine[0], regulation_ref="R-0007", booked_by_id=regulator.id),
            SlotBooking(slot=mine[2], regulation_ref="R-ANNULE", booked_by_id=regulator.id,
                        cancelled_at=utcnow(), cancel_reason="Patient réorienté"),
            SlotBooking(slot=theirs[0], regulation_ref="R-AUTRE", booked_by_id=regulator.id),
        ]
    )  # fmt: skip
    db.session.commit()
    html = client.get("/gp/").get_data(as_text=True)
    assert html.count('class="my-shift"') == 2
    assert "Cabinet de garde Test" in html and "1 place d&#39;Armes, 57000 Metz" in html
    assert "03 87 00 00 00" in html
    assert "2 consultations réservées" in html
    assert "dossier n° R-2031-0042 · JD · 65 à 79 ans" in html
    assert html.index("R-0007") < html.index("R-2031-0042")  # in time order
    assert "R-ANNULE" not in html and "R-AUTRE" not in html
    assert "Aucune consultation réservée pour l'instant." in html
