"""iCal feeds (RFC 5545) of the published plannings: per GP, per site, for the coordination.

Nothing is stored for the feeds: each event's history is read from the published roster versions. An event's
SEQUENCE is the number of later publications that changed it (the GP added again or removed; for a site, the
GPs on the garde), DTSTAMP / LAST-MODIFIED the time of its last change (a publication or a booking).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.i18n import phone_fr, zone
from sched.models import (
    GP,
    Assignment,
    ConsultationSlot,
    Period,
    RosterVersion,
    Shift,
    SlotBooking,
    utcnow,
)

CANCELLED_KEPT = timedelta(days=30)  # a removed garde stays in the feed as STATUS:CANCELLED this long
PAST_KEPT = timedelta(days=62)  # periods that ended longer ago leave the feeds
EPOCH = datetime(2020, 1, 1, tzinfo=utcnow().tzinfo)
UID_DOMAIN = "planning-snp.cpts"


@dataclass
class History:
    """What the published versions say of one event: its current value, SEQUENCE and last change."""

    value: object
    sequence: int
    changed_at: datetime


@dataclass
class FeedEvent:
    uid: str
    shift: Shift
    summary: str
    description: str
    sequence: int
    cancelled: bool
    stamp: datetime


def recent_periods(territory_id: int) -> list[Period]:
    since = (utcnow() - PAST_KEPT).date()
    return list(
        db.session.scalars(
            select(Period)
            .where(Period.territory_id == territory_id, Period.end_date >= since)
            .order_by(Period.start_date)
        )
    )


def published_versions(periods: list[Period]) -> list[RosterVersion]:
    if not periods:
        return []
    return list(
        db.session.scalars(
            select(RosterVersion)
            .where(RosterVersion.period_id.in_([p.id for p in periods]), RosterVersion.published_at.is_not(None))
            .order_by(RosterVersion.period_id, RosterVersion.number)
        )
    )


def track(versions: list[RosterVersion], values: dict[int, dict[int, object]]) -> dict[int, History]:
    """Walk the published versions in order: `values[version_id][key]` (absent = None) → each key's history."""
    histories: dict[int, History] = {}
    seen_period: dict[int, int] = {}  # key → period id, so absence is only read within that period
    by_period: dict[int, list[RosterVersion]] = defaultdict(list)
    for version in versions:
        by_period[version.period_id].append(version)
    for period_versions in by_period.values():
        for version in period_versions:
            current = values.get(version.id, {})
            keys = set(current) | {k for k, p in seen_period.items() if p == version.period_id}
            for key in keys:
                value = current.get(key)
                history = histories.get(key)
                if history is None:
                    histories[key] = History(value, 0, version.published_at)
                    seen_period[key] = version.period_id
                elif history.value != value:
                    history.value, history.sequence, history.changed_at = (
                        value,
                        history.sequence + 1,
                        version.published_at,
                    )
    return histories


def bookings(shift_ids: set[int], gp_id: int | None = None) -> tuple[dict[int, int], dict[int, datetime]]:
    """Live bookings per shift (of one GP's slots if `gp_id`), and the time of the last booking change."""
    count: dict[int, int] = defaultdict(int)
    last: dict[int, datetime] = {}
    if not shift_ids:
        return count, last
    query = (
        select(ConsultationSlot.shift_id, ConsultationSlot.gp_id, SlotBooking.booked_at, SlotBooking.cancelled_at)
        .join(SlotBooking, SlotBooking.slot_id == ConsultationSlot.id)
        .where(ConsultationSlot.shift_id.in_(shift_ids))
    )
    for shift_id, slot_gp, booked_at, cancelled_at in db.session.execute(query):
        if gp_id is not None and slot_gp != gp_id:
            continue
        if cancelled_at is None:
            count[shift_id] += 1
        changed = max(booked_at, cancelled_at or booked_at)
        last[shift_id] = max(last.get(shift_id, changed), changed)
    return count, last


def load_shifts(ids: set[int]) -> dict[int, Shift]:
    if not ids:
        return {}
    query = select(Shift).where(Shift.id.in_(ids)).options(joinedload(Shift.site))
    return {s.id: s for s in db.session.scalars(query)}


def booked_text(n: int) -> str:
    if n == 0:
        return "Aucune consultation réservée par la régulation."
    return f"{n} consultation{'s' if n > 1 else ''} réservée{'s' if n > 1 else ''} par la régulation."


def gp_events(gp: GP) -> list[FeedEvent]:
    """A GP's gardes in the published plannings, and those removed less than 30 days ago (cancelled)."""
    versions = published_versions(recent_periods(gp.user.territory_id))
    values: dict[int, dict[int, object]] = defaultdict(dict)
    if versions:
        rows = db.session.execute(
            select(Assignment.version_id, Assignment.shift_id).where(
                Assignment.gp_id == gp.id, Assignment.version_id.in_([v.id for v in versions])
            )
        )
        for version_id, shift_id in rows:
            values[version_id][shift_id] = True
    histories = track(versions, values)
    now = utcnow()
    keep = {k for k, h in histories.items() if h.value or h.changed_at >= now - CANCELLED_KEPT}
    shifts = load_shifts(keep)
    count, last_booking = bookings(keep, gp.id)
    events = []
    for shift_id in keep:
        shift, history = shifts[shift_id], histories[shift_id]
        cancelled = not history.value
        lines = [f"Cabinet de garde : {shift.site.name}", f"Adresse : {shift.site.full_address}"]
        lines.append(f"Téléphone pour la régulation (centre 15) : {phone_fr(shift.site.phone)}")
        if cancelled:
            lines.insert(0, "Cette garde ne vous est plus attribuée.")
        else:
            lines.append(booked_text(count[shift_id]))
        stamp = history.changed_at if cancelled else max(history.changed_at, last_booking.get(shift_id, EPOCH))
        events.append(
            FeedEvent(
                uid=f"garde-{shift_id}-medecin-{gp.id}@{UID_DOMAIN}",
                shift=shift,
                summary=f"Garde SNP — {shift.site.name}",
                description="\n".join(lines),
                sequence=history.sequence,
                cancelled=cancelled,
                stamp=stamp,
            )
        )
    return sorted(events, key=lambda e: (e.shift.starts_at, e.uid))


def person_events(gp: GP) -> list[FeedEvent]:
    """One calendar for the person: the gardes of each CPTS where they are a GP (this one first), the CPTS named
    in each garde when there are several."""
    profiles = [gp] + [a.gp for a in gp.user.sibling_accounts() if a.gp is not None and a.gp.active]
    events = [e for profile in profiles for e in gp_events(profile)]
    if len(profiles) > 1:
        for event in events:
            event.summary += f" ({event.shift.site.territory.name})"
    return sorted(events, key=lambda e: (e.shift.starts_at, e.uid))


def site_events(territory_id: int, site_ids: set[int] | None = None) -> list[FeedEvent]:
    """Every garde of the published plannings at these sites (all when None), with the GPs on duty."""
    periods = recent_periods(territory_id)
    versions = published_versions(periods)
    published_periods = {v.period_id for v in versions}
    query = select(Shift).where(Shift.period_id.in_(published_periods)).options(joinedload(Shift.site))
    if site_ids is not None:
        query = query.where(Shift.site_id.in_(site_ids))
    shifts = {s.id: s for s in db.session.scalars(query)}
    gps_of: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    if versions and shifts:
        rows = db.session.execute(
            select(Assignment.version_id, Assignment.shift_id, Assignment.gp_id).where(
                Assignment.version_id.in_([v.id for v in versions]), Assignment.shift_id.in_(shifts)
            )
        )
        for version_id, shift_id, gp_id in rows:
            gps_of[version_id][shift_id].add(gp_id)
    values: dict[int, dict[int, object]] = {}
    for version in versions:
        values[version.id] = {
            shift_id: frozenset(gps_of[version.id].get(shift_id, ()))
            for shift_id, shift in shifts.items()
            if shift.period_id == version.period_id
        }
    histories = track(versions, values)
    all_gps = set().union(*(h.value for h in histories.values())) if histories else set()
    names = {
        g.id: g.user.full_name
        for g in db.session.scalars(select(GP).where(GP.id.in_(all_gps)).options(joinedload(GP.user)))
    }
    count, last_booking = bookings(set(shifts))
    events = []
    for shift_id, history in histories.items():
        shift = shifts[shift_id]
        doctors = sorted(names[g] for g in history.value)
        lines = [
            "Médecins de garde : " + (", ".join(doctors) if doctors else "garde non pourvue"),
            f"Adresse : {shift.site.full_address}",
            f"Téléphone pour la régulation (centre 15) : {phone_fr(shift.site.phone)}",
            booked_text(count[shift_id]),
        ]
        events.append(
            FeedEvent(
                uid=f"garde-{shift_id}@{UID_DOMAIN}",
                shift=shift,
                summary=f"Garde SNP — {shift.site.name}" + ("" if doctors else " (non pourvue)"),
                description="\n".join(lines),
                sequence=history.sequence,
                cancelled=shift.closed,
                stamp=max(history.changed_at, last_booking.get(shift_id, EPOCH)),
            )
        )
    return sorted(events, key=lambda e: (e.shift.starts_at, e.uid))


def vtimezone(tz: ZoneInfo, events: list[FeedEvent]) -> Timezone:
    """The zone's VTIMEZONE, built from the tz database, covering the events' dates (today's year when none)."""
    days = [e.shift.starts_at.astimezone(tz).date() for e in events] or [utcnow().astimezone(tz).date()]
    first, last = min(days), max(days)
    return Timezone.from_tzinfo(tz, first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 1, 1))


def event_zone(event: FeedEvent) -> ZoneInfo:
    return ZoneInfo(event.shift.site.territory.timezone)


def render(name: str, events: list[FeedEvent]) -> bytes:
    """The VCALENDAR text: CRLF lines folded at 75 octets, each event in its territory's zone with its VTIMEZONE
    (a person's calendar may hold a garde in Metz and one in Réunion)."""
    tz = zone()
    zones = {tz.key: tz} | {z.key: z for z in map(event_zone, events)}
    calendar = Calendar()
    calendar.add("prodid", "-//CPTS//Planning des soins non programmes//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    calendar.add("x-wr-timezone", tz.key)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for key, other in sorted(zones.items()):
        calendar.add_component(vtimezone(other, [e for e in events if event_zone(e).key == key]))
    for item in events:
        here = event_zone(item)
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.stamp)
        event.add("last-modified", item.stamp)
        event.add("dtstart", item.shift.starts_at.astimezone(here))
        event.add("dtend", item.shift.ends_at.astimezone(here))
        event.add("summary", item.summary)
        event.add("location", item.shift.site.full_address)
        event.add("description", item.description)
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


def last_modified(events: list[FeedEvent]) -> datetime:
    return max((e.stamp for e in events), default=EPOCH)
