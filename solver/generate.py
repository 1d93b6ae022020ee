"""Realistic generated instances: the hard slots of a CPTS's duty centres and GPs' clustered availability."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from solver.holidays_fr import french_holidays

WEEKDAY_HOURS = ("18:00", "20:00")
SATURDAY_HOURS = ("09:00", "13:00")


def _shifts(sites: list[dict[str, Any]], start: date, days: int) -> list[dict[str, Any]]:
    """Weekday 18–20 h and Saturday 9–13 h per site; public holidays are left to the PDSA duty system."""
    closed = french_holidays(start.year) | french_holidays(start.year + 1)
    shifts = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day in closed or day.weekday() == 6:
            continue
        begin, end = SATURDAY_HOURS if day.weekday() == 5 else WEEKDAY_HOURS
        for site in sites:
            shifts.append(
                {
                    "id": f"{site['id']}/{day.isoformat()}/{begin}",
                    "site": site["id"],
                    "start": f"{day.isoformat()}T{begin}",
                    "end": f"{day.isoformat()}T{end}",
                    "min": 1,
                    "target": site["rooms"],
                    "priority": site["priority"],
                }
            )
    return shifts


def _gp(rng: random.Random, index: int, n_sites: int, shifts: list[dict[str, Any]], days: int) -> dict[str, Any]:
    """A GP attached to a home site and maybe its neighbour, free on one to three weekdays (and some Saturdays)."""
    home = rng.randrange(n_sites)
    sites = {home}
    if n_sites > 1 and rng.random() < 0.5:
        sites.add(min(n_sites - 1, max(0, home + rng.choice((-1, 1)))))
    site_ids = sorted(f"site-{i:02d}" for i in sites)
    free = set(rng.sample(range(5), rng.choice((1, 1, 2, 2, 3))))
    if rng.random() < 0.4:
        free.add(5)
    keen = rng.uniform(0.3, 0.7)
    availability: dict[str, str] = {}
    for s in shifts:
        weekday = date.fromisoformat(s["start"][:10]).weekday()
        if s["site"] not in site_ids:
            continue
        # Clustered: likely on the GP's free weekdays, rarely elsewhere.
        if rng.random() < (keen if weekday in free else 0.03):
            availability[s["id"]] = "preferred" if rng.random() < 1 / 3 else "available"
    months = max(1.0, days / 30)
    gp: dict[str, Any] = {
        "id": f"gp-{index:04d}",
        "sites": site_ids,
        "availability": availability,
        "max_per_week": rng.choice((1, 1, 1, 2, 2)),
        "max_saturdays": round(rng.choice((0, 1, 1, 2)) * months),
        "history_minutes": rng.randrange(0, 13) * 60,
    }
    if rng.random() < 0.9:
        gp["max_shifts"] = max(1, round(rng.choice((1, 2, 2, 3, 4)) * months))
    return gp


def generate(gps: int, sites: int, days: int, seed: int = 0, start: date = date(2027, 1, 4)) -> dict[str, Any]:
    """A snp-roster/1 problem with `gps` GPs over `sites` duty centres for `days` days from `start`."""
    rng = random.Random(seed)
    site_list = [
        {"id": f"site-{i:02d}", "rooms": rng.choice((1, 1, 2)), "priority": rng.choice((1, 2, 3))} for i in range(sites)
    ]
    shifts = _shifts(site_list, start, days)
    return {
        "format": "snp-roster/1",
        "name": f"generated-{gps}gp-{sites}s-{days}d-seed{seed}",
        "timezone": "Europe/Paris",
        "one_shift_per_day": True,
        "shifts": shifts,
        "gps": [_gp(rng, i, sites, shifts, days) for i in range(gps)],
        "pinned": [],
        "previous": [],
    }
