"""Bookings under pressure: concurrent regulators on one créneau, and amendments removing a booked GP."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from sched.extensions import db
from sched.i18n import zone
from sched.models import AuditEvent, ConsultationSlot, OutboxEmail, Shift, SlotBooking, utcnow
from sched.services import bookings
from tests.factories import add_gp, amend, create_token, make_user, publish_day


@pytest.fixture
def day(territory):
    return utcnow().astimezone(zone()).date() + timedelta(days=1)


def post_json(url: str, token: str, body: dict) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_concurrent_bookings_of_one_slot_one_wins(app, runner, territory, day):
    """Eight regulators' requests on the same créneau at the same instant, through a threaded live server."""
    make_user(territory, "regulator", "r1@test.fr")
    make_user(territory, "regulator", "r2@test.fr", rpps="10000000016")
    tokens = [create_token(runner, "r1@test.fr"), create_token(runner, "r2@test.fr")]
    publish_day(territory, day, {territory.sites[0]: [add_gp(territory, "Concurrent")]})
    slot_id = db.session.scalar(select(ConsultationSlot.id).order_by(ConsultationSlot.starts_at).limit(1))
    db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/bookings"
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def regulator(i: int) -> None:
        barrier.wait()
        statuses.append(post_json(url, tokens[i % 2], {"slot_id": slot_id, "regulation_ref": f"REF-{i}"}))

    threads = [threading.Thread(target=regulator, args=(i,)) for i in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        server.shutdown()
    assert sorted(statuses) == [201] + [409] * 7
    live = db.session.scalar(
        select(func.count(SlotBooking.id)).where(SlotBooking.slot_id == slot_id, SlotBooking.cancelled_at.is_(None))
    )
    assert live == 1


def test_the_database_index_decides_when_the_check_is_passed(app, territory, day, monkeypatch):
    """Two regulators both pass the 'is it free?' check: the partial unique index refuses the second insert."""
    regulator = make_user(territory, "regulator")
    publish_day(territory, day, {territory.sites[0]: [add_gp(territory, "Index")]})
    slot_id = db.session.scalar(select(ConsultationSlot.id).limit(1))
    bookings.book(slot_id, regulator, "FIRST")
    monkeypatch.setattr(bookings, "live_booking", lambda slot_id: None)  # the other regulator checked too early
    with pytest.raises(bookings.BookingError) as refused:
        bookings.book(slot_id, regulator, "SECOND")
    assert refused.value.status == 409 and refused.value.message == bookings.SLOT_TAKEN
    assert list(db.session.scalars(select(SlotBooking.regulation_ref))) == ["FIRST"]
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "booking.create")) == 1


def test_bookings_follow_the_replacing_gp(app, client, login_as, territory, day):
    """The patient booked with the GP who leaves stays booked, same booking and créneau, with the GP who joins."""
    territory.coordination_email = "coordination@test.fr"
    db.session.commit()
    leaving, staying, replacement = (
        add_gp(territory, "Partant"),
        add_gp(territory, "Restant"),
        add_gp(territory, "Remplaçant"),
    )
    v1 = publish_day(territory, day, {territory.sites[0]: [leaving, staying]})
    regulator = login_as("regulator")
    slot = db.session.scalar(
        select(ConsultationSlot).where(ConsultationSlot.gp_id == leaving.id).order_by(ConsultationSlot.starts_at)
    )
    booking = bookings.book(slot.id, regulator, "DOS-77", "MT", "80+")
    shift_id = db.session.scalar(select(Shift.id))
    amend(v1, {shift_id: [staying, replacement]})

    db.session.refresh(booking)
    assert booking.cancelled_at is None and booking.slot_id == slot.id and booking.slot.gp_id == replacement.id
    assert db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "orphaned_bookings")) == 0
    # The replacing GP's créneau at that hour is the booked one: nothing free to double-book at 18:00.
    at_start = db.session.scalars(
        select(ConsultationSlot).where(
            ConsultationSlot.gp_id == replacement.id, ConsultationSlot.starts_at == slot.starts_at
        )
    ).all()
    assert [s.id for s in at_start] == [slot.id]
    html = client.get(f"/regulation/?date={day.isoformat()}").get_data(as_text=True)
    assert "Médecin retiré du planning" not in html
    assert "dossier n° DOS-77" in html and "Dr Médecin Remplaçant" in html and "Dr Médecin Partant" not in html


def test_booking_moves_to_a_gp_who_stays_when_nobody_joins(app, login_as, territory, day):
    leaving, staying = add_gp(territory, "Partant"), add_gp(territory, "Restant")
    v1 = publish_day(territory, day, {territory.sites[0]: [leaving, staying]})
    regulator = login_as("regulator")
    slot = db.session.scalar(
        select(ConsultationSlot).where(ConsultationSlot.gp_id == leaving.id).order_by(ConsultationSlot.starts_at)
    )
    booking = bookings.book(slot.id, regulator, "DOS-78")
    amend(v1, {db.session.scalar(select(Shift.id)): [staying]})
    db.session.refresh(booking)
    assert booking.id is not None and booking.cancelled_at is None
    assert booking.slot.gp_id == staying.id and booking.slot.starts_at == slot.starts_at
    assert db.session.scalar(select(func.count(ConsultationSlot.id)).where(ConsultationSlot.gp_id.is_(None))) == 0


def test_amendment_leaving_no_gp_keeps_the_booking_and_alerts_the_coordination(app, client, login_as, territory, day):
    territory.coordination_email = "coordination@test.fr"
    db.session.commit()
    leaving = add_gp(territory, "Partant")
    v1 = publish_day(territory, day, {territory.sites[0]: [leaving]})
    regulator = login_as("regulator")
    slot = db.session.scalar(
        select(ConsultationSlot).where(ConsultationSlot.gp_id == leaving.id).order_by(ConsultationSlot.starts_at)
    )
    booking = bookings.book(slot.id, regulator, "DOS-77", "MT", "80+")
    shift_id = db.session.scalar(select(Shift.id))
    amend(v1, {shift_id: []})

    db.session.refresh(booking)
    assert booking.cancelled_at is None and booking.slot.gp_id is None
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "orphaned_bookings"))
    assert mail.to_addr == "coordination@test.fr"
    assert (
        "dossier n° DOS-77" in mail.body_text
        and "18:00" in mail.body_text
        and "Cabinet de garde Test" in mail.body_text
    )
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "booking.orphaned")).details["bookings"] == [
        booking.id
    ]
    html = client.get(f"/regulation/?date={day.isoformat()}").get_data(as_text=True)
    assert "Médecin retiré du planning — contacter la coordination" in html
    assert "dossier n° DOS-77" in html and "Dr Médecin Partant" not in html
    refused = client.post(f"/regulation/creneaux/{slot.id}/reserver", data={"regulation_ref": "X"})
    assert refused.status_code == 302


def test_amendment_without_orphans_sends_nothing(app, territory, day):
    territory.coordination_email = "coordination@test.fr"
    db.session.commit()
    a, b = add_gp(territory, "A"), add_gp(territory, "B")
    v1 = publish_day(territory, day, {territory.sites[0]: [a]})
    amend(v1, {db.session.scalar(select(Shift.id)): [b]})
    assert db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "orphaned_bookings")) == 0


def test_an_orphaned_booking_is_adopted_by_the_next_gp_on_the_garde(app, login_as, territory, day):
    leaving, joining = add_gp(territory, "Parti"), add_gp(territory, "Arrivé")
    v1 = publish_day(territory, day, {territory.sites[0]: [leaving]})
    slot = db.session.scalar(select(ConsultationSlot).order_by(ConsultationSlot.starts_at))
    booking = bookings.book(slot.id, login_as("regulator"), "DOS-90")
    shift_id = db.session.scalar(select(Shift.id))
    v2 = amend(v1, {shift_id: []})
    db.session.refresh(booking)
    assert booking.slot.gp_id is None
    amend(v2, {shift_id: [joining]})
    db.session.refresh(booking)
    assert booking.cancelled_at is None and booking.slot.gp_id == joining.id
    assert booking.slot.starts_at == slot.starts_at
    assert db.session.scalar(select(func.count(ConsultationSlot.id)).where(ConsultationSlot.gp_id.is_(None))) == 0
