"""Helpers shared by the feed, mail, notification and scheduler tests: a small published planning, an SMTP server.

`smtp_server` is a real aiosmtpd server on a free loopback port, started in the test process.
"""

from __future__ import annotations

import email
import email.policy
import socket
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from sched.extensions import db
from sched.models import GP, Assignment, Period, RosterVersion, Shift, Site, Territory
from sched.services.publish import publish
from tests.conftest import make_user

PARIS = ZoneInfo("Europe/Paris")


class Inbox:
    """aiosmtpd handler keeping every message the server accepted."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.refuse:
            return "451 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server for this test; the app sends to it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False, SMTP_USER="")
    yield inbox
    controller.stop()


def text_of(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def add_gp(territory: Territory, n: int) -> GP:
    rpps = f"1000000{n:03d}"
    rpps += str(luhn_digit(rpps))
    user = make_user(territory, "gp", f"medecin{n}@test.fr", rpps=rpps)
    user.full_name = f"Docteur Numéro {n}"
    db.session.commit()
    return user.gp


def luhn_digit(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10


def make_period(territory: Territory, first_day: date, days: int, state: str = "review") -> Period:
    """A period with one 18:00–20:00 garde per day at the territory's first site."""
    site = territory.sites[0]
    period = Period(
        territory_id=territory.id,
        name=f"Période du {first_day.isoformat()}",
        start_date=first_day,
        end_date=first_day + timedelta(days=days - 1),
        state=state,
    )
    db.session.add(period)
    for i in range(days):
        day = first_day + timedelta(days=i)
        db.session.add(
            Shift(
                period=period,
                site_id=site.id,
                date=day,
                start_time=time(18),
                end_time=time(20),
                starts_at=datetime.combine(day, time(18), tzinfo=PARIS),
                ends_at=datetime.combine(day, time(20), tzinfo=PARIS),
            )
        )
    db.session.commit()
    return period


def new_version(period: Period, pairs: list[tuple[Shift, GP]]) -> RosterVersion:
    """A new (unpublished) version of the period with these (shift, GP) assignments."""
    numbers = db.session.scalars(select(RosterVersion.number).where(RosterVersion.period_id == period.id))
    number = 1 + max(numbers, default=0)
    version = RosterVersion(period_id=period.id, number=number, source="manual")
    version.assignments = [Assignment(shift_id=shift.id, gp_id=gp.id) for shift, gp in pairs]
    db.session.add(version)
    db.session.flush()
    return version


def publish_version(period: Period, pairs: list[tuple[Shift, GP]]) -> RosterVersion:
    version = new_version(period, pairs)
    publish(version)
    db.session.commit()
    return version


def second_site(territory: Territory) -> Site:
    site = Site(
        territory=territory,
        name="Cabinet de garde Nord",
        address="5 rue du Nord",
        postal_code="57100",
        city="Thionville",
        phone="+33382000000",
        rooms=1,
    )
    db.session.add(site)
    db.session.commit()
    return site
