"""Concurrent saves of one GP's answer (two tabs, ten writers): the last writer wins whole, on both databases."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlalchemy import select

from sched.extensions import db
from sched.models import GP, Availability, AvailabilityAnswer, Period, utcnow
from sched.services import availability as av
from tests.factories import add_templates, make_user, open_period, shifts_of

WRITERS = 10


def save_in_thread(app, period_id: int, gp_id: int, levels: dict[int, str], comment: str, start, errors) -> None:
    with app.app_context():
        try:
            period, gp = db.session.get(Period, period_id), db.session.get(GP, gp_id)
            start.wait()
            av.save_answer(period, gp, levels, av.Limits(), comment)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 — reported by the test, not lost in the thread
            errors.append(repr(error))
        finally:
            db.session.remove()


def test_concurrent_saves_keep_exactly_one_whole_answer(app, territory):
    add_templates(territory.sites[0])
    period = open_period(territory, date(2027, 2, 1), date(2027, 2, 28), utcnow() + timedelta(days=10), "février")
    gp = make_user(territory, "gp").gp
    shifts = shifts_of(period)
    assert len(shifts) >= WRITERS * 2
    # Writer i is available on its own shifts only: a merge of two writers shows at once.
    answers = {f"writer {i}": {s.id: "available" for s in shifts[i::WRITERS]} for i in range(WRITERS)}
    for _round in range(3):
        start, errors = threading.Barrier(WRITERS), []
        threads = [
            threading.Thread(target=save_in_thread, args=(app, period.id, gp.id, levels, name, start, errors))
            for name, levels in answers.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        db.session.expire_all()
        answer = db.session.scalar(select(AvailabilityAnswer).where(AvailabilityAnswer.gp_id == gp.id))
        stored = {a.shift_id: a.level for a in db.session.scalars(select(Availability))}
        assert stored == answers[answer.comment], (answer.comment, len(stored))
