"""French formatting for the UI: « lundi 4 janvier 2027 », « 18:00 », « 03 87 12 34 56 »."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Flask, g, has_app_context, has_request_context
from flask_login import current_user

from sched.models.people import DEFAULT_TIMEZONE

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def use_zone(name: str | None) -> None:
    """Speak in this territory's time zone until the end of the app context (jobs, API tokens)."""
    g.timezone = name


def zone() -> ZoneInfo:
    """The time zone of the territory being served: the one set by use_zone, else the signed-in user's.

    One source: `Territory.timezone`. Only a context with no territory (an anonymous page, an empty
    database) falls back to the zone a new territory gets.
    """
    name = g.get("timezone") if has_app_context() else None
    if name is None and has_request_context() and current_user.is_authenticated:
        territory = current_user.territory
        name = territory.timezone if territory is not None else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def local(instant: datetime) -> datetime:
    """A stored UTC instant in the territory's time zone."""
    return instant.astimezone(zone())


def day_number(d: date) -> str:
    return "1er" if d.day == 1 else str(d.day)


def date_fr(value: date | datetime, weekday: bool = True, year: bool = True) -> str:
    if isinstance(value, datetime):
        value = local(value).date() if value.tzinfo else value.date()
    text = f"{day_number(value)} {MONTHS[value.month - 1]}"
    if year:
        text += f" {value.year}"
    return f"{WEEKDAYS[value.weekday()]} {text}" if weekday else text


def time_fr(value: time | datetime) -> str:
    if isinstance(value, datetime):
        value = local(value).time() if value.tzinfo else value.time()
    return f"{value.hour:02d}:{value.minute:02d}"


def datetime_fr(value: datetime) -> str:
    return f"{date_fr(value)} à {time_fr(value)}"


def month_fr(value: date) -> str:
    return f"{MONTHS[value.month - 1]} {value.year}"


NARROW_NBSP = "\u202f"  # the thousands separator of French typography: « 1 234,5 »


def number_fr(value: float | int | None, decimals: int = 0) -> str:
    """« 1 234,5 »: narrow no-break spaces between thousands, a decimal comma; « — » for no value."""
    if value is None:
        return "—"
    return f"{value:,.{decimals}f}".replace(",", NARROW_NBSP).replace(".", ",")


def phone_fr(e164: str | None) -> str:
    """« 03 87 12 34 56 » for a French number, the international form otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "FR")
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")  # the form macros build attribute dicts
    app.jinja_env.filters.update(
        date_fr=date_fr,
        time_fr=time_fr,
        datetime_fr=datetime_fr,
        month_fr=month_fr,
        number_fr=number_fr,
        phone_fr=phone_fr,
        local=local,
    )
