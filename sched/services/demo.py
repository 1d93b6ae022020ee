"""The demo territory « CPTS Metz Démo »: sites, 40 GPs, last month's planning and this month's and the next's,
published (the gardes already held have the regulators' bookings and the GPs' end-of-garde counts), a period
collecting answers.

Only `python -m sched demo` calls this; it does nothing when the demo territory already exists.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sched.extensions import db
from sched.i18n import MONTHS
from sched.models import (
    AGE_BANDS,
    GP,
    Availability,
    AvailabilityAnswer,
    ConsultationSlot,
    GardeCount,
    Period,
    Shift,
    ShiftTemplate,
    Site,
    SlotBooking,
    Territory,
    utcnow,
)
from sched.services import accounts, scheduling
from sched.services.identity import luhn_check_digit
from sched.services.periods import generate_shifts
from sched.services.publish import publish

DEMO_NAME = "CPTS Metz Démo"
DEMO_PASSWORD = "demo-cpts-2027"
REUNION_NAME = "CPTS Sud Réunion Démo"
SITES = [
    ("Cabinet de garde Metz Centre", "12 rue des Clercs", "57000", "Metz", "+33387123456", 2),
    (
        "Cabinet de garde Montigny-lès-Metz",
        "24 rue de Pont-à-Mousson",
        "57950",
        "Montigny-lès-Metz",
        "+33387653210",
        2,
    ),
    ("Cabinet de garde Woippy", "5 rue de Metz", "57140", "Woippy", "+33387304512", 1),
]
FIRST_NAMES = (
    "Claire Julien Sophie Thomas Camille Nicolas Isabelle Pierre Aurélie Mathieu Nathalie François Émilie "
    "Sébastien Céline Antoine Hélène Vincent Marion Laurent Élodie Olivier Pauline Guillaume Caroline "
    "Stéphane Anne Maxime Juliette Benoît Valérie Romain Sandrine Hugo Lucie Christophe Agnès Damien Manon Yves"
).split()
LAST_NAMES = (
    "Muller Schmitt Weber Klein Meyer Becker Hoffmann Wagner Schneider Fischer Martin Bernard Dubois Thomas "
    "Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent "
    "Fournier Morel Girard André Mercier Dupont Lambert Bonnet François Martinez Colin"
).split()


def demo_loaded() -> bool:
    return db.session.scalar(select(Territory.id).where(Territory.name == DEMO_NAME)) is not None


def month_start(day: date, months_later: int = 0) -> date:
    index = day.month - 1 + months_later
    return date(day.year + index // 12, index % 12 + 1, 1)


def demo_rpps(n: int) -> str:
    body = f"10{100347 + 7919 * n:08d}"[:10]
    return body + str(luhn_check_digit(body))


def create_places() -> tuple[Territory, list[Site]]:
    territory = Territory(
        name=DEMO_NAME,
        department="57",
        timezone="Europe/Paris",
        regulators_email="regulation@demo.test",
        finess="570004127",  # fictitious, with a valid key (Moselle)
        funded_hours_month=200,
        coordination_email="coordination@demo.test",
    )
    db.session.add(territory)
    sites = []
    for name, address, postal_code, city, phone, rooms in SITES:
        site = Site(
            territory=territory,
            name=name,
            address=address,
            postal_code=postal_code,
            city=city,
            phone=phone,
            rooms=rooms,
        )
        site.templates = duty_templates(rooms)
        db.session.add(site)
        sites.append(site)
    db.session.flush()
    return territory, sites


def duty_templates(rooms: int) -> list[ShiftTemplate]:
    """The hard slots: weekdays 18:00–20:00, Saturdays 09:00–13:00 (two GPs where the cabinet has two rooms)."""
    target = 2 if rooms > 1 else 1
    return [
        ShiftTemplate(
            label="Soir de semaine", weekday_mask=0b0011111, start_time=time(18), end_time=time(20),
            min_gps=1, target_gps=target, priority=2 if rooms > 1 else 1, slot_minutes=20,
        ),
        ShiftTemplate(
            label="Samedi matin", weekday_mask=0b0100000, start_time=time(9), end_time=time(13),
            min_gps=1, target_gps=target, priority=3, slot_minutes=20,
        ),
    ]  # fmt: skip


def create_people(territory: Territory, sites: list[Site], rng: random.Random) -> list[GP]:
    accounts.create_user("plateforme@demo.test", "Plateforme régionale", ["platform"], DEMO_PASSWORD)
    accounts.create_user("admin@demo.test", "Admin Démo", ["admin"], DEMO_PASSWORD, territory)
    accounts.create_user("coordination@demo.test", "Coordination Démo", ["coordinator"], DEMO_PASSWORD, territory)
    accounts.create_user("regulation@demo.test", "Régulation Centre 15", ["regulator"], DEMO_PASSWORD, territory)
    gps = []
    for n in range(1, 41):
        user = accounts.create_user(
            f"medecin{n:02d}@demo.test",
            f"{FIRST_NAMES[n - 1]} {LAST_NAMES[n - 1]}",
            ["gp"],
            DEMO_PASSWORD,
            territory,
        )
        home = sites[(n - 1) % len(sites)]
        near = [home] + ([sites[(n) % len(sites)]] if rng.random() < 0.4 else [])
        gp = GP(
            user=user,
            rpps=demo_rpps(n),
            phone=f"+336{12000000 + 104729 * n:08d}"[:12],
            max_shifts=rng.choice([None, 4, 6, 8]),
            max_per_week=rng.choice([None, 2, 2, 3]),
            max_saturdays=rng.choice([None, 1, 2]),
            history_minutes=rng.choice([0, 240, 480, 720, 1200, 1680]),
            sites=near,
        )
        db.session.add(gp)
        gps.append(gp)
    db.session.flush()
    return gps


def answer(period: Period, gp: GP, rng: random.Random) -> None:
    """A plausible answer: the GP's free weekdays, about a third of them preferred."""
    free_days = set(rng.sample(range(5), rng.choice([1, 2, 2, 3]))) | ({5} if rng.random() < 0.45 else set())
    site_ids = {s.id for s in gp.sites}
    for shift in period.shifts:
        if shift.site_id in site_ids and shift.date.weekday() in free_days and rng.random() < 0.75:
            level = "preferred" if rng.random() < 0.33 else "available"
            db.session.add(Availability(gp_id=gp.id, shift_id=shift.id, level=level))
    db.session.add(AvailabilityAnswer(gp_id=gp.id, period_id=period.id, answered_at=utcnow()))


def add_activity(period: Period, rng: random.Random) -> None:
    """The gardes already begun: the regulation booked about a third of their créneaux, and most GPs gave their
    end-of-garde count (patients seen ≥ those booked; a few counts still missing, as in life)."""
    now = utcnow()
    regulator = accounts.account_by_email("regulation@demo.test", territory=period.territory.name)
    slots = db.session.scalars(
        select(ConsultationSlot)
        .join(Shift, Shift.id == ConsultationSlot.shift_id)
        .where(Shift.period_id == period.id, ConsultationSlot.starts_at < now, ConsultationSlot.gp_id.is_not(None))
        .order_by(ConsultationSlot.id)
    ).all()
    booked: dict[tuple[int, int], int] = {}
    for n, slot in enumerate(slots):
        booked.setdefault((slot.shift_id, slot.gp_id), 0)
        if rng.random() < 0.35:
            db.session.add(
                SlotBooking(
                    slot_id=slot.id, regulation_ref=f"R-{period.id}-{n:05d}", booked_by_id=regulator.id,
                    initials=rng.choice(["JD", "MB", "AL", "CK"]), age_band=rng.choice(AGE_BANDS),
                    booked_at=slot.starts_at - timedelta(minutes=rng.randint(20, 300)),
                )
            )  # fmt: skip
            booked[(slot.shift_id, slot.gp_id)] += 1
    ends = dict(db.session.execute(select(Shift.id, Shift.ends_at).where(Shift.period_id == period.id)).all())
    for (shift_id, gp_id), sent in booked.items():
        if ends[shift_id] <= now and rng.random() < 0.92:
            seen = sent + rng.randint(1, 6)
            db.session.add(GardeCount(shift_id=shift_id, gp_id=gp_id, patients_seen=seen, sent_by_15=sent))
    db.session.flush()


def published_period(
    territory: Territory, gps: list[GP], start: date, end: date, name: str, rng: random.Random, solve_seconds: float
) -> Period:
    """A period whose GPs all answered, solved by the optimiser and published."""
    tz = ZoneInfo(territory.timezone)
    period = Period(
        territory=territory,
        name=name,
        start_date=start,
        end_date=end,
        state="collecting",
        deadline=datetime.combine(start - timedelta(days=10), time(23, 59), tzinfo=tz),
        opened_at=utcnow(),
    )
    db.session.add(period)
    db.session.flush()
    generate_shifts(period, territory)
    for gp in gps:
        answer(period, gp, rng)
    db.session.flush()
    problem, solution = scheduling.solve_period(period, time_limit=solve_seconds, workers=2, seed=0)
    publish(scheduling.apply_solution(period, problem, solution, source="demo"))
    return period


def collecting_period(territory: Territory, start: date, end: date, deadline: datetime) -> Period:
    """A month open for answers until `deadline`, its gardes generated from the cabinets' templates."""
    period = Period(
        territory=territory,
        name=f"{MONTHS[start.month - 1]} {start.year}",
        start_date=start,
        end_date=end,
        state="collecting",
        opened_at=utcnow(),
        deadline=deadline,
    )
    db.session.add(period)
    db.session.flush()
    generate_shifts(period, territory)
    return period


def load_demo(today: date, solve_seconds: float = 10.0) -> bool:
    """Load the demo unless it is there; True when something was created. The caller commits."""
    if demo_loaded():
        return False
    rng = random.Random(2027)
    territory, sites = create_places()
    gps = create_people(territory, sites, rng)
    tz = ZoneInfo(territory.timezone)

    start = month_start(today)
    end = month_start(today, 2) - timedelta(days=1)
    name = f"{MONTHS[start.month - 1]} – {MONTHS[end.month - 1]} {end.year}"
    published = published_period(territory, gps, start, end, name, rng, solve_seconds)

    next_start = month_start(today, 2)
    next_end = month_start(today, 3) - timedelta(days=1)
    deadline = datetime.combine(next_start - timedelta(days=14), time(23, 59), tzinfo=tz)
    late_enough = datetime.combine(today + timedelta(days=7), time(23, 59), tzinfo=tz)
    collecting = collecting_period(territory, next_start, next_end, max(deadline, late_enough))
    for gp in rng.sample(gps, 28):  # 70 % have answered
        answer(collecting, gp, rng)

    # Last month, held: the reports show a whole month (its own random draws: the periods above stay as they were).
    past_rng = random.Random(2026)
    past_start = month_start(today, -1)
    past_name = f"{MONTHS[past_start.month - 1]} {past_start.year}"
    past = published_period(territory, gps, past_start, start - timedelta(days=1), past_name, past_rng, solve_seconds)
    for period in (past, published):
        add_activity(period, past_rng)
    create_second_territory(gps[0], start, end, rng, solve_seconds)
    return True


def create_second_territory(shared: GP, start: date, end: date, rng: random.Random, solve_seconds: float) -> None:
    """A second CPTS of the same platform, in Réunion (its own time zone and holidays), with its own people, and
    one Metz GP who also takes gardes there: one login, two accounts, « Mes autres CPTS » on their home page."""
    place = Territory(
        name=REUNION_NAME,
        department="974",
        timezone="Indian/Reunion",
        subdivision="974",
        coordination_email="coordination-reunion@demo.test",
        regulators_email="regulation-reunion@demo.test",
    )
    site = Site(
        territory=place, name="Cabinet de garde de Saint-Pierre", address="3 rue Victor Le Vigoureux",
        postal_code="97410", city="Saint-Pierre", phone="+262262250000", rooms=1, templates=duty_templates(1),
    )  # fmt: skip
    db.session.add_all([place, site])
    accounts.create_user(
        "coordination-reunion@demo.test", "Coordination Sud Réunion", ["coordinator"], DEMO_PASSWORD, place
    )
    accounts.create_user("regulation-reunion@demo.test", "Régulation SAMU 974", ["regulator"], DEMO_PASSWORD, place)
    account = accounts.create_user(shared.user.email, shared.user.full_name, ["gp"], None, place)
    gps = [GP(user=account, rpps=shared.rpps, phone=shared.phone, sites=[site])]
    db.session.add(gps[0])
    for n, name in enumerate(["Jean-Marc Payet", "Marie Hoarau", "Patrick Grondin", "Sabine Técher", "Eric Fontaine"]):
        user = accounts.create_user(f"medecin-reunion{n + 1}@demo.test", name, ["gp"], DEMO_PASSWORD, place)
        gps.append(GP(user=user, rpps=demo_rpps(101 + n), phone=f"+26269200{n:04d}", sites=[site], max_per_week=2))
        db.session.add(gps[-1])
    db.session.flush()
    name = f"{MONTHS[start.month - 1]} – {MONTHS[end.month - 1]} {end.year}"
    published_period(place, gps, start, end, name, rng, solve_seconds)
    next_start = month_start(end + timedelta(days=1))
    deadline = datetime.combine(next_start - timedelta(days=7), time(23, 59), tzinfo=ZoneInfo(place.timezone))
    collecting = collecting_period(place, next_start, month_start(next_start, 1) - timedelta(days=1), deadline)
    for gp in gps[2:]:  # the shared GP has not answered yet: their home page in Metz says so
        answer(collecting, gp, rng)
