"""A period's opening date is stored when it opens; the migration fills it from the audit log for existing rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, create_engine, select

from sched import create_app
from sched.extensions import db
from sched.models import Period, utcnow
from tests.conftest import base_config

CREATED = datetime(2026, 9, 1, 8, tzinfo=UTC)
OPENED = datetime(2026, 9, 3, 14, 30, tzinfo=UTC)


def test_opening_a_period_stores_when(client, login_as, territory):
    login_as("coordinator")
    period = Period(territory_id=territory.id, name="mai 2027", start_date=datetime(2027, 5, 1).date(),
                    end_date=datetime(2027, 5, 31).date())  # fmt: skip
    db.session.add(period)
    db.session.commit()
    before = utcnow()
    deadline = (utcnow() + timedelta(days=10)).date().isoformat()
    client.post(f"/coordination/periodes/{period.id}/ouvrir", data={"deadline": deadline})
    db.session.expire_all()
    period = db.session.get(Period, period.id)
    assert period.state == "collecting"
    assert before <= period.opened_at <= utcnow()


def test_migration_reads_the_opening_back_from_the_audit_log_once(databases, tmp_path):
    url = databases.new("period_opened")
    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        upgrade(revision="0001")
        db.engine.dispose()
    engine = create_engine(url)
    meta = MetaData()
    territories, periods, events = (
        Table(n, meta, autoload_with=engine) for n in ("territories", "periods", "audit_events")
    )
    with engine.begin() as conn:
        conn.execute(territories.insert().values(id=1, name="T", department="57", timezone="Europe/Paris",
                                                 auto_approve_swaps=False))  # fmt: skip
        common = {"territory_id": 1, "start_date": OPENED.date(), "end_date": OPENED.date(), "created_at": CREATED}
        conn.execute(periods.insert(), [
            {"id": 1, "name": "logged", "state": "published", **common},
            {"id": 2, "name": "unlogged", "state": "collecting", **common},
            {"id": 3, "name": "draft", "state": "draft", **common},
        ])  # fmt: skip
        conn.execute(events.insert(), [
            {"at": OPENED + timedelta(days=2), "action": "period.open", "object_type": "period", "object_id": "1"},
            {"at": OPENED, "action": "period.open", "object_type": "period", "object_id": "1"},
            {"at": CREATED, "action": "period.open", "object_type": "site", "object_id": "2"},
        ])  # fmt: skip
    engine.dispose()
    with app.app_context():
        upgrade()
        opened = dict(db.session.execute(select(Period.id, Period.opened_at).order_by(Period.id)).all())
        db.session.remove()
        db.engine.dispose()
    assert opened == {1: OPENED, 2: CREATED, 3: None}
