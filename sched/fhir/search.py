"""Search parameters of the FHIR endpoints: dates, tokens, references, _include, strict handling."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from sched.fhir.profiles import RPPS_SYSTEM
from sched.i18n import zone
from sched.models import utcnow

MAX_RANGE = timedelta(days=31)
YEARS = range(1900, 9000)  # an instant outside cannot be shifted to UTC or stored (year 1 overflowed: a 500)
# The offset's `+` is often sent unencoded (the guide's own example is): a query string turns it into a space.
PREFIX = re.compile(r"^(ge|gt|le|lt|eq)?(\d{4}-\d{2}-\d{2}(?:T[0-9:.]+(?:Z|[+\- ]\d{2}:\d{2})?)?)$")
SLOT_STATUSES = {"free", "busy", "busy-unavailable", "busy-tentative", "entered-in-error"}


class SearchError(ValueError):
    """A parameter the server cannot read: 400 with this French message."""


def parse_instant(value: str) -> datetime:
    """A FHIR date or dateTime; a date or a time without zone is read in the territory's zone."""
    if "T" not in value:
        return datetime.combine(date.fromisoformat(value), time(0), tzinfo=zone())
    value = value.replace(" ", "+").replace("Z", "+00:00")
    instant = datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=zone())


def start_range(values: list[str]) -> tuple[datetime, datetime]:
    """[start, end) from the `start` parameters (ge/gt/lt/le/eq); today's créneaux by default."""
    today = datetime.combine(utcnow().astimezone(zone()).date(), time(0), tzinfo=zone())
    low, high = today, None
    for value in values:
        match = PREFIX.match(value.strip("\t\n\r"))
        try:
            if not match:
                raise ValueError(value)
            prefix, instant = match.group(1) or "eq", parse_instant(match.group(2))
            if instant.year not in YEARS:
                raise ValueError(value)
        except ValueError:
            raise SearchError(
                f"Paramètre start invalide : « {value[:40]} » ; attendu par exemple start=ge2027-01-04T18:00:00+01:00."
            ) from None
        if prefix in ("ge", "gt"):
            low = instant + (timedelta(seconds=1) if prefix == "gt" else timedelta(0))
        elif prefix in ("lt", "le"):
            high = instant + (timedelta(seconds=1) if prefix == "le" else timedelta(0))
        else:  # eq on a date: the whole day
            low = instant
            high = instant + (timedelta(days=1) if "T" not in match.group(2) else timedelta(seconds=1))
    high = high or low + timedelta(days=1)
    if high - low > MAX_RANGE:
        raise SearchError("Intervalle trop long : 31 jours au plus entre start=ge… et start=le….")
    return low, high


def statuses(values: list[str]) -> set[str] | None:
    """The Slot statuses asked (OR within a value, AND across values); None: no filter."""
    if not values:
        return None
    wanted: set[str] | None = None
    for value in values:
        codes = {code.strip() for code in value.split(",")}
        if not codes <= SLOT_STATUSES:
            raise SearchError(f"Paramètre status invalide : « {value[:40]} » ; attendu free ou busy.")
        wanted = codes if wanted is None else wanted & codes
    return wanted


def rpps_numbers(values: list[str]) -> list[str]:
    """RPPS numbers from identifier tokens `urn:oid:1.2.250.1.71.4.2.1|8<RPPS>` (or the value alone).

    A token of another system, or a value that is not 8 + 11 digits, names no GP of ours: no number.
    """
    numbers = []
    for value in values:
        for token in value.split(","):
            system, bar, code = token.strip().rpartition("|")
            if bar and system and system != RPPS_SYSTEM:
                continue
            if re.fullmatch(r"8\d{11}", code):
                numbers.append(code[1:])
    return numbers


def reference_ids(values: list[str], kind: str) -> list[int]:
    """Ids from references `Kind/12`, `12` or an absolute URL ending so; others name nothing."""
    ids = []
    for value in values:
        for reference in value.split(","):
            match = re.fullmatch(rf"(?:.*/)?(?:{kind}/)?(\d{{1,10}})", reference.strip())
            if match and (reference.strip().isdigit() or f"{kind}/" in reference):
                ids.append(int(match.group(1)))
    return ids


def strict(prefer_header: str) -> bool:
    """`Prefer: handling=strict`: unknown parameters are refused instead of ignored."""
    return any(part.replace(" ", "") == "handling=strict" for part in re.split(r"[;,]", prefer_header))
