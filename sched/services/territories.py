"""Territories (CPTS) of the instance: create one with its time zone and its public-holiday subdivision."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays
from sqlalchemy import select

from sched.extensions import db
from sched.models import Territory
from sched.services import audit


class TerritoryError(ValueError):
    """A territory that cannot be created as asked; the message is French and names the field."""


def subdivision_code(raw: str | None) -> str | None:
    """The `holidays` library's French subdivision for `raw` (a code such as 974 or an alias such as RE,
    « La Réunion »), None for metropolitan France without local holidays; TerritoryError when unknown."""
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    codes = holidays.France.subdivisions
    if raw.upper() in codes:
        return raw.upper()
    aliases = {alias.casefold(): code for alias, code in holidays.France.subdivisions_aliases.items()}
    if raw.casefold() in aliases:
        return aliases[raw.casefold()]
    raise TerritoryError(f"subdivision inconnue : {raw!r} (codes du calendrier des jours fériés : {', '.join(codes)})")


def timezone_name(raw: str) -> str:
    raw = raw.strip()
    if raw not in available_timezones():
        raise TerritoryError(f"fuseau horaire inconnu : {raw!r} (exemples : Europe/Paris, Indian/Reunion)")
    ZoneInfo(raw)  # loads: the zone exists in the system's or tzdata's database
    return raw


def department_of(subdivision: str | None, department: str | None) -> str:
    """The department number: given, else the subdivision's when it is one (971–976), else an error."""
    if department:
        department = department.strip().upper()
        if not (department.isdigit() and len(department) in (2, 3)) and department not in ("2A", "2B"):
            raise TerritoryError(f"numéro de département invalide : {department!r} (ex. 57, 974, 2A)")
        return department
    if subdivision and subdivision.isdigit() and len(subdivision) == 3:
        return subdivision
    raise TerritoryError("indiquez le département (--department), par exemple 57")


def create_territory(
    name: str, timezone: str, subdivision: str | None = None, department: str | None = None
) -> Territory:
    """A new, empty territory; its administrator then invites its own people."""
    name = name.strip()
    if not name or len(name) > 200:
        raise TerritoryError("le nom de la CPTS compte 1 à 200 caractères")
    try:
        zone = timezone_name(timezone)
    except ZoneInfoNotFoundError:
        raise TerritoryError(f"fuseau horaire introuvable : {timezone!r}") from None
    code = subdivision_code(subdivision)
    dep = department_of(code, department)
    if db.session.scalar(select(Territory.id).where(Territory.name == name)) is not None:
        raise TerritoryError(f"une CPTS porte déjà ce nom : {name}")
    territory = Territory(name=name, timezone=zone, subdivision=code, department=dep)
    db.session.add(territory)
    db.session.flush()
    audit.record("territory.create", "territory", territory.id, actor=None, name=name, timezone=zone, subdivision=code)
    return territory
