"""The e-mails the roster sends: each queued (French text + HTML) in the caller's transaction."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.models import GP, Assignment, Period, RosterVersion, Shift, Territory, User
from sched.services.mail import queue_template as send


def absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def active_gps(territory_id: int) -> list[GP]:
    return list(
        db.session.scalars(
            select(GP)
            .join(GP.user)
            .where(User.territory_id == territory_id, GP.active, User.active)
            .options(joinedload(GP.user))
            .order_by(User.full_name)
        )
    )


def period_opened(period: Period) -> int:
    """Tell every active GP of the territory that the period is open for availability; returns how many."""
    gps = active_gps(period.territory_id)
    for gp in gps:
        send(
            gp.user.email,
            f"Disponibilités à saisir : {period.name}",
            "period_opened",
            "availability_opened",
            gp=gp,
            period=period,
            link=absolute("/gp/"),
        )
    return len(gps)


def availability_reminder(period: Period, gps: list[GP], moment: str) -> None:
    """Remind `gps` (those who have not answered) of the deadline; `moment` says which reminder it is."""
    for gp in gps:
        send(
            gp.user.email,
            f"Rappel : vos disponibilités pour {period.name}",
            "availability_reminder",
            "availability_reminder",
            gp=gp,
            period=period,
            moment=moment,
            link=absolute("/gp/"),
        )


def collection_closed(period: Period, answered: int, total: int) -> None:
    """Tell the coordination that the collection is closed, with the answer rate."""
    territory = db.session.get(Territory, period.territory_id)
    if territory is None or not territory.coordination_email:
        return
    rate = round(100 * answered / total) if total else 0
    send(
        territory.coordination_email,
        f"Recueil clos : {period.name} ({rate} % de réponses)",
        "collection_closed",
        "collection_closed",
        period=period,
        answered=answered,
        total=total,
        rate=rate,
        link=absolute("/coordination/"),
    )


def shifts_by_gp(version: RosterVersion | None) -> dict[int, set[int]]:
    result: dict[int, set[int]] = defaultdict(set)
    if version is not None:
        for a in db.session.scalars(select(Assignment).where(Assignment.version_id == version.id)):
            result[a.gp_id].add(a.shift_id)
    return result


def load_shifts(ids: set[int]) -> dict[int, Shift]:
    if not ids:
        return {}
    query = select(Shift).where(Shift.id.in_(ids)).options(joinedload(Shift.site))
    return {s.id: s for s in db.session.scalars(query)}


def roster_published(version: RosterVersion, previous: RosterVersion | None) -> int:
    """Tell GPs about a publication; returns how many messages were queued.

    First publication: every GP with shifts receives their list. Amendment: only the GPs whose shifts
    changed receive what changed (added and removed gardes).
    """
    now_by_gp = shifts_by_gp(version)
    before_by_gp = shifts_by_gp(previous)
    gp_ids = set(now_by_gp) | set(before_by_gp)
    shifts = load_shifts(set().union(*now_by_gp.values(), *before_by_gp.values()) if gp_ids else set())
    gps = {g.id: g for g in db.session.scalars(select(GP).where(GP.id.in_(gp_ids)))} if gp_ids else {}
    period = version.period
    in_order = lambda ids: sorted((shifts[i] for i in ids), key=lambda s: s.starts_at)  # noqa: E731
    sent = 0
    for gp_id in sorted(gp_ids):
        gp, now, before = gps[gp_id], now_by_gp.get(gp_id, set()), before_by_gp.get(gp_id, set())
        if previous is None:
            if not now:
                continue
            send(
                gp.user.email,
                f"Planning publié : {period.name}",
                "roster_published",
                "roster_published",
                gp=gp,
                period=period,
                version=version,
                shifts=in_order(now),
                link=absolute("/gp/"),
            )
        else:
            added, removed = now - before, before - now
            if not added and not removed:
                continue
            send(
                gp.user.email,
                f"Vos gardes ont changé : {period.name}",
                "roster_changed",
                "roster_changed",
                gp=gp,
                period=period,
                version=version,
                added=in_order(added),
                removed=in_order(removed),
                shifts=in_order(now),
                link=absolute("/gp/"),
            )
        sent += 1
    return sent


def shift_reminder(assignment: Assignment) -> None:
    """The day before: remind the GP of tomorrow's garde (site, address, hours)."""
    send(
        assignment.gp.user.email,
        f"Rappel : garde demain à {assignment.shift.site.name}",
        "shift_reminder",
        "shift_reminder",
        gp=assignment.gp,
        shift=assignment.shift,
        site=assignment.shift.site,
        link=absolute("/gp/"),
    )


def regulators_list(territory: Territory, day: date, sites: list[dict]) -> bool:
    """The next day's list for the regulators' address: per site, its phone, hours and GPs on duty."""
    if not territory.regulators_email:
        return False
    from sched.i18n import date_fr

    send(
        territory.regulators_email,
        f"Gardes SNP du {date_fr(day)}",
        "regulators_list",
        "regulators_list",
        territory=territory,
        day=day,
        sites=sites,
        link=absolute("/regulation/"),
    )
    return True
