"""Territories (CPTS) of the instance: create one with its time zone and its public-holiday subdivision."""

from __future__ import annotations

from zoneinfo import available_timezones

import holidays
from sqlalchemy import select

from sched.extensions import db
from sched.models import Period, Territory
from sched.services import audit


class TerritoryError(ValueError):
    """A territory that cannot be saved as asked; the message is French, `field` the setting it is about."""

    def __init__(self, message: str, field: str = "name"):
        super().__init__(message)
        self.field = field


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
        raise TerritoryError(f"fuseau horaire inconnu : {raw!r} (exemples : Europe/Paris, Indian/Reunion)", "timezone")
    return raw


def department_of(subdivision: str | None, department: str | None) -> str:
    """The department number: given, else the subdivision's when it is one (971–976), else an error."""
    if department:
        department = department.strip().upper()
        if not (department.isdigit() and len(department) in (2, 3)) and department not in ("2A", "2B"):
            raise TerritoryError(f"numéro de département invalide : {department!r} (ex. 57, 974, 2A)", "department")
        return department
    if subdivision and subdivision.isdigit() and len(subdivision) == 3:
        return subdivision
    raise TerritoryError("indiquez le département, par exemple 57", "department")


SETTINGS = ("finess", "ars_email", "funded_hours_month")


def create_territory(
    name: str, timezone: str, subdivision: str | None = None, department: str | None = None, **settings
) -> Territory:
    """A new, empty territory; its administrator then invites its own people."""
    territory = Territory()
    save_territory(territory, name, timezone, subdivision, department, **settings)
    audit.record(
        "territory.create",
        "territory",
        territory.id,
        name=territory.name,
        timezone=territory.timezone,
        subdivision=territory.subdivision,
    )
    return territory


def save_territory(
    territory: Territory, name: str, timezone: str, subdivision: str | None, department: str | None, **settings
) -> None:
    """Check and set a territory's identity, zone, holidays and settings; TerritoryError names the bad field.

    Gardes are stored in UTC: once a territory has periods, its zone no longer changes (18:00 would move)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise TerritoryError("le nom de la CPTS compte 1 à 200 caractères")
    zone = timezone_name(timezone)
    code = subdivision_code(subdivision)
    dep = department_of(code, department)
    same_name = select(Territory.id).where(Territory.name == name)
    if territory.id is not None:
        same_name = same_name.where(Territory.id != territory.id)
        if zone != territory.timezone and db.session.scalar(
            select(Period.id).where(Period.territory_id == territory.id).limit(1)
        ):
            raise TerritoryError(
                "le fuseau horaire ne peut plus changer : la CPTS a déjà des périodes (leurs gardes sont datées)",
                "timezone",
            )
    if db.session.scalar(same_name) is not None:
        raise TerritoryError(f"une CPTS porte déjà ce nom : {name}")
    territory.name, territory.timezone, territory.subdivision, territory.department = name, zone, code, dep
    for key, value in settings.items():
        if key not in SETTINGS:
            raise TypeError(key)
        setattr(territory, key, None if value == "" else value)
    db.session.add(territory)
    db.session.flush()


def audit_update(territory: Territory, before: dict) -> None:
    """Audit what changed of `before` (the settings as they were, by name), old and new values side by side."""
    changed = {key: getattr(territory, key) for key in before if getattr(territory, key) != before[key]}
    if changed:
        audit.record(
            "territory.update", "territory", territory.id, before={key: before[key] for key in changed}, after=changed
        )
