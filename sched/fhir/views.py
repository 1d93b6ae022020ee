"""GET /fhir/Slot?start=ge…&start=lt… and GET /fhir/Schedule: searchset Bundles in application/fhir+json."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta

from flask import current_app, g, request
from sqlalchemy import select

from sched.api.auth import json_error
from sched.extensions import db
from sched.fhir import bp
from sched.i18n import local, zone
from sched.models import Site, utcnow
from sched.services import slots

FHIR_JSON = "application/fhir+json"
MAX_RANGE = timedelta(days=31)
YEARS = range(1900, 9000)  # an instant outside cannot be shifted to UTC or stored (year 1 overflowed: a 500)
PREFIX = re.compile(r"^(ge|gt|le|lt|eq)?(\d{4}-\d{2}-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)$")


def fhir_response(resource: dict, status: int = 200):
    return current_app.response_class(json.dumps(resource, ensure_ascii=False), status, mimetype=FHIR_JSON)


def bundle(resources: list[dict]) -> dict:
    # Absolute URLs from the configured BASE_URL: the Host header is the client's to write.
    root = current_app.config["BASE_URL"].rstrip("/")
    base = root + "/fhir"
    query = request.query_string.decode("latin-1")
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": local(utcnow()).isoformat(timespec="seconds"),
        "total": len(resources),
        "link": [{"relation": "self", "url": root + request.path + (f"?{query}" if query else "")}],
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


def parse_instant(value: str) -> datetime:
    """A FHIR date or dateTime; a date or a time without zone is read in the territory's zone."""
    if "T" not in value:
        return datetime.combine(date.fromisoformat(value), time(0), tzinfo=zone())
    instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return instant if instant.tzinfo else instant.replace(tzinfo=zone())


def start_range() -> tuple[datetime, datetime]:
    """[start, end) from the `start` parameters (ge/gt/lt/le/eq); today's créneaux by default."""
    today = datetime.combine(utcnow().astimezone(zone()).date(), time(0), tzinfo=zone())
    low, high = today, None
    for value in request.args.getlist("start"):
        match = PREFIX.match(value.strip())
        if not match:
            raise ValueError(value)
        prefix, instant = match.group(1) or "eq", parse_instant(match.group(2))
        if instant.year not in YEARS:
            raise ValueError(value)
        if prefix in ("ge", "gt"):
            low = instant + (timedelta(seconds=1) if prefix == "gt" else timedelta(0))
        elif prefix in ("lt", "le"):
            high = instant + (timedelta(seconds=1) if prefix == "le" else timedelta(0))
        else:  # eq on a date: the whole day
            low = instant
            high = instant + (timedelta(days=1) if "T" not in match.group(2) else timedelta(seconds=1))
    high = high or low + timedelta(days=1)
    if high - low > MAX_RANGE:
        raise OverflowError
    return low, high


def schedule_resource(site_id: int, name: str) -> dict:
    return {
        "resourceType": "Schedule",
        "id": f"site-{site_id}",
        "active": True,
        "serviceType": [{"text": "Soins non programmés — consultation de médecine générale"}],
        "actor": [{"reference": f"Location/site-{site_id}", "display": name}],
        "comment": f"Créneaux de consultation du cabinet de garde {name}",
    }


@bp.get("/Slot")
def slot_search():
    """Créneaux of the territory starting in the requested range: free, or busy when booked or past."""
    try:
        low, high = start_range()
    except OverflowError:
        return json_error("Intervalle trop long : 31 jours au plus.", 400)
    except ValueError:
        return json_error("Paramètre start invalide : attendu par exemple start=ge2027-01-04.", 400)
    if high <= low:
        return fhir_response(bundle([]))
    resources = []
    for slot_id, site_id, site_name, gp_name, starts_at, ends_at, status in slots.slot_rows_between(
        g.api_user.territory_id, low, high
    ):
        resource = {
            "resourceType": "Slot",
            "id": str(slot_id),
            "schedule": {"reference": f"Schedule/site-{site_id}", "display": site_name},
            "status": "free" if status == "free" else "busy",
            "start": local(starts_at).isoformat(),
            "end": local(ends_at).isoformat(),
            "comment": {
                "free": f"Dr {gp_name}",
                "booked": "Réservé par la régulation",
                "past": "Créneau passé",
            }[status],
        }
        resources.append(resource)
    return fhir_response(bundle(resources))


@bp.get("/Schedule")
def schedule_search():
    """One Schedule per active cabinet de garde of the territory."""
    sites = db.session.execute(
        select(Site.id, Site.name)
        .where(Site.territory_id == g.api_user.territory_id, Site.active.is_(True))
        .order_by(Site.name)
    ).all()
    return fhir_response(bundle([schedule_resource(site_id, name) for site_id, name in sites]))
