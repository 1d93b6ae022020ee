"""Builders of test data: app settings, sites, users and GPs, periods with their shifts, roster versions, API tokens.

Used by the web and e2e tests and by the load script (tests/load/regulation_load.py). Each builder's docstring says
whether it commits; the others only add to the session (and flush when an id is needed).
"""

from __future__ import annotations

import io
import itertools
import re
import secrets
import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from sched.extensions import db
from sched.models import (
    GP,
    Assignment,
    ConsultationSlot,
    OutboxEmail,
    Period,
    RosterVersion,
    Shift,
    ShiftTemplate,
    Site,
    SlotBooking,
    Territory,
    User,
)
from sched.services.accounts import create_user
from sched.services.periods import generate_shifts
from sched.services.publish import publish

PASSWORD = "correct-horse-battery"
PARIS = ZoneInfo("Europe/Paris")  # the zone of the `territory` fixture

# Distinct addresses, phones, e-mails and RPPS numbers across one test run.
_numbers = itertools.count(1)


def base_config(database_url: str, instance_dir: Path | None) -> dict:
    """The settings of a test app on `database_url`: CSRF, rate limits and the scheduler off."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": secrets.token_hex(16),
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SCHEDULER_ENABLED": False,
        "SERVER_NAME": None,
        "BASE_URL": "http://localhost",
        # never the developer's instance/broker (an app that only reads its URL map has no folder)
        **({"TASK_BROKER_FOLDER": str(instance_dir / "broker")} if instance_dir else {}),
    }


# --- sites -------------------------------------------------------------------------------------------------------


def add_site(territory: Territory, name: str, **fields) -> Site:
    """A cabinet de garde of `territory`; `fields` override the generated address, phone and rooms."""
    n = next(_numbers)
    values = {
        "address": f"{n} rue de la Garde",
        "postal_code": "57000",
        "city": "Metz",
        "phone": f"+333870{n:05d}",
        "rooms": 3,
        **fields,
    }
    site = Site(territory=territory, name=name, **values)
    db.session.add(site)
    return site


def second_site(territory: Territory) -> Site:
    """« Cabinet de garde Nord » in Thionville, committed."""
    site = add_site(
        territory,
        "Cabinet de garde Nord",
        address="5 rue du Nord",
        postal_code="57100",
        city="Thionville",
        phone="+33382000000",
        rooms=1,
    )
    db.session.commit()
    return site


# --- users and GPs -----------------------------------------------------------------------------------------------


def make_user(territory: Territory, role: str, email: str | None = None, rpps: str = "10000000008") -> User:
    """A user with `role` (and a GP profile attached to every site for `gp`), password PASSWORD; committed.

    A platform administrator belongs to no territory."""
    home = None if role == "platform" else territory
    user = create_user(email or f"{role}@test.fr", f"Utilisateur {role}", [role], PASSWORD, home)
    if role == "gp":
        db.session.add(GP(user=user, rpps=rpps, phone="+33612345678", sites=list(territory.sites)))
    db.session.commit()
    return user


def luhn_digit(digits: str) -> int:
    """The check digit that makes `digits` + it a valid RPPS number."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10


def numbered_gp(territory: Territory, n: int) -> GP:
    """« Docteur Numéro n », medecin<n>@test.fr, a valid RPPS, in every site of the territory; committed."""
    rpps = f"1000000{n:03d}"
    user = make_user(territory, "gp", f"medecin{n}@test.fr", rpps=rpps + str(luhn_digit(rpps)))
    user.full_name = f"Docteur Numéro {n}"
    db.session.commit()
    return user.gp


def add_gp(territory: Territory, label: str, password: str | None = None) -> GP:
    """« Médecin <label> », in no site (the roster alone puts them on duty); no password unless given."""
    n = next(_numbers)
    address = f"medecin{n}-{label}@test.fr".lower().replace(" ", "-")
    user = create_user(address, f"Médecin {label}", ["gp"], password, territory)
    gp = GP(user=user, rpps=f"{20000000000 + n}", phone="+33612345678", sites=[])
    db.session.add(gp)
    return gp


# --- periods and shifts ------------------------------------------------------------------------------------------


def add_period(territory: Territory, start: date, end: date, name: str | None = None, **fields) -> Period:
    """A period of `territory` (state « review » unless `fields` say otherwise), flushed."""
    values = {"state": "review", **fields}
    period = Period(
        territory=territory,
        name=name or f"Période du {start.isoformat()} #{next(_numbers)}",
        start_date=start,
        end_date=end,
        **values,
    )
    db.session.add(period)
    db.session.flush()
    return period


def add_shift(period: Period, site: Site, day: date, start: time = time(18), end: time = time(20), **fields) -> Shift:
    """A garde at `site` on `day`, its instants in the zone of the site's territory."""
    zone = ZoneInfo(site.territory.timezone)
    shift = Shift(
        period=period,
        site=site,
        date=day,
        start_time=start,
        end_time=end,
        starts_at=datetime.combine(day, start, tzinfo=zone),
        ends_at=datetime.combine(day, end, tzinfo=zone),
        **fields,
    )
    db.session.add(shift)
    return shift


def make_period(territory: Territory, first_day: date, days: int, state: str = "review") -> Period:
    """A period with one 18:00–20:00 garde per day at the territory's first site; committed."""
    period = add_period(territory, first_day, first_day + timedelta(days=days - 1), state=state)
    for i in range(days):
        add_shift(period, territory.sites[0], first_day + timedelta(days=i))
    db.session.commit()
    return period


def open_period(territory: Territory, start: date, end: date, deadline: datetime | None, name: str) -> Period:
    """A period collecting answers until `deadline`, its shifts generated from the sites' templates; committed."""
    period = add_period(territory, start, end, name, state="collecting", deadline=deadline)
    generate_shifts(period, territory)
    db.session.commit()
    return period


# --- roster versions ---------------------------------------------------------------------------------------------


def new_version(period: Period, pairs: list[tuple[Shift, GP]], source: str = "manual") -> RosterVersion:
    """A new (unpublished) version of the period with these (shift, GP) assignments, flushed."""
    numbers = db.session.scalars(select(RosterVersion.number).where(RosterVersion.period_id == period.id))
    version = RosterVersion(period_id=period.id, number=1 + max(numbers, default=0), source=source)
    version.assignments = [Assignment(shift_id=shift.id, gp=gp) for shift, gp in pairs]
    db.session.add(version)
    db.session.flush()
    return version


def publish_version(period: Period, pairs: list[tuple[Shift, GP]]) -> RosterVersion:
    """A new version with these assignments, published; committed."""
    version = new_version(period, pairs)
    publish(version)
    db.session.commit()
    return version


def publish_day(
    territory: Territory,
    day: date,
    staffing: dict[Site, list[GP]],
    start: time = time(18),
    end: time = time(20),
    slot_minutes: int = 20,
) -> RosterVersion:
    """A period of one day, one garde per site staffed by the given GPs, published (slots created); committed."""
    period = add_period(territory, day, day, f"Jour {day.isoformat()} #{next(_numbers)}")
    pairs = []
    for site, gps in staffing.items():
        shift = add_shift(
            period, site, day, start, end, min_gps=1, target_gps=max(1, len(gps)), slot_minutes=slot_minutes
        )
        pairs += [(shift, gp) for gp in gps]
    db.session.flush()
    return publish_version(period, pairs)


def amend(version: RosterVersion, staffing: dict[int, list[GP]]) -> RosterVersion:
    """Publish the next version of the same period with new GPs per shift id; committed."""
    shifts = {shift_id: db.session.get(Shift, shift_id) for shift_id in staffing}
    new = new_version(version.period, [(shifts[sid], gp) for sid, gps in staffing.items() for gp in gps], "amendment")
    publish(new)
    db.session.commit()
    return new


# --- API tokens --------------------------------------------------------------------------------------------------


def create_token(runner, email: str) -> str:
    """An API token for the regulator `email`, created by the CLI as an administrator would; the raw secret."""
    result = runner.invoke(args=["create-token", "--email", email])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def first_slot_id() -> int:
    return db.session.scalar(select(ConsultationSlot.id).order_by(ConsultationSlot.starts_at).limit(1))


def upload(client, text: str, encoding: str = "utf-8"):
    """Post `text` as the GP CSV file of the coordination's import form."""
    return client.post(
        "/coordination/medecins/import",
        data={"file": (io.BytesIO(text.encode(encoding)), "medecins.csv")},
        content_type="multipart/form-data",
    )


def latest_link(kind: str) -> str:
    """The path of the link in the latest outbox e-mail of `kind`."""
    message = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.id.desc())
    ).first()
    assert message is not None, f"no {kind} e-mail in the outbox"
    match = re.search(r"http://localhost(/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def run_concurrently(app, targets: list) -> list[BaseException]:
    """Run each target in its own thread and app context (own database session), all released at once.

    Returns what they raised; a race test asserts on it and on the database afterwards.
    """
    errors: list[BaseException] = []
    start = threading.Barrier(len(targets))

    def worker(target) -> None:
        with app.app_context():
            try:
                start.wait()
                target()
            except BaseException as error:  # reported to the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def run_in_threads(app, count: int, target) -> list[BaseException]:
    return run_concurrently(app, [target] * count)


def add_templates(site: Site) -> None:
    """The default templates: weekday evenings 18–20 h, Saturday mornings 9–13 h."""
    site.templates = [
        ShiftTemplate(label="Soir", weekday_mask=0b0011111, start_time=time(18), end_time=time(20)),
        ShiftTemplate(label="Samedi", weekday_mask=0b0100000, start_time=time(9), end_time=time(13)),
    ]
    db.session.flush()


def shifts_of(period: Period) -> list[Shift]:
    return list(db.session.scalars(select(Shift).where(Shift.period_id == period.id).order_by(Shift.starts_at)))


GOOD_CSV = (
    "nom;prénom;RPPS;e-mail;téléphone;sites\n"
    "Schmitt;Hélène;10000000017;helene.schmitt@test.fr;06 12 34 56 78;Cabinet de garde Test\n"
    "Müller;Jérôme;10000000025;jerome.muller@test.fr;0611223344;\n"
)


def gp_count() -> int:
    return db.session.scalar(select(func.count(GP.id)))


# --- reports -----------------------------------------------------------------------------------------------------


def book_slot(slot: ConsultationSlot, booked_by: User, ref: str, cancelled: bool = False) -> SlotBooking:
    """A regulator's booking of `slot` (cancelled with a reason when `cancelled`), flushed."""
    booking = SlotBooking(slot_id=slot.id, regulation_ref=ref, booked_by_id=booked_by.id)
    if cancelled:
        booking.cancelled_at, booking.cancelled_by_id, booking.cancel_reason = datetime.now(PARIS), booked_by.id, "test"
    db.session.add(booking)
    db.session.flush()
    return booking


def slots_of(shift: Shift, gp: GP | None = None) -> list[ConsultationSlot]:
    query = select(ConsultationSlot).where(ConsultationSlot.shift_id == shift.id)
    if gp is not None:
        query = query.where(ConsultationSlot.gp_id == gp.id)
    return list(db.session.scalars(query.order_by(ConsultationSlot.starts_at, ConsultationSlot.position)))
