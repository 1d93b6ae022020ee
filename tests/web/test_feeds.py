"""iCal feeds: each checked against RFC 5545 by hand (raw text) and parsed by the icalendar library."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.models import FeedToken, utcnow
from sched.services import feed_tokens
from tests.factories import make_period, numbered_gp, publish_version, second_site

FIRST_DAY = date(2027, 3, 26)  # the feed spans the change to summer time (Sunday 28 March 2027)


# --- an independent reading of RFC 5545 ------------------------------------------------------------------


def unfold(raw: bytes) -> list[str]:
    """Content lines: CRLF-terminated, at most 75 octets, continuation lines start with a space (RFC 5545 3.1)."""
    assert raw.endswith(b"\r\n"), "the last line must end with CRLF"
    physical = raw[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line, "bare LF/CR inside a line"
        assert len(line) <= 75, f"line longer than 75 octets: {line!r}"
    logical: list[bytes] = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def parse_line(line: str) -> tuple[str, dict[str, str], str]:
    match = re.match(r"^([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:\"[^\"]*\"|[^;:,\"]*))*):(.*)$", line)
    assert match, f"not a content line: {line!r}"
    params = dict(p.split("=", 1) for p in match.group(2).split(";")[1:])
    return match.group(1).upper(), params, match.group(3)


def components(lines: list[str]) -> dict:
    """A tree of {'name', 'props': [(name, params, value)], 'children': [...]} with BEGIN/END checked."""
    root = {"name": None, "props": [], "children": []}
    stack = [root]
    for line in lines:
        name, params, value = parse_line(line)
        if name == "BEGIN":
            child = {"name": value, "props": [], "children": []}
            stack[-1]["children"].append(child)
            stack.append(child)
        elif name == "END":
            assert stack[-1]["name"] == value, f"END:{value} closes {stack[-1]['name']}"
            stack.pop()
        else:
            stack[-1]["props"].append((name, params, value))
    assert len(stack) == 1, "unclosed component"
    assert [c["name"] for c in root["children"]] == ["VCALENDAR"]
    return root["children"][0]


def prop(component: dict, name: str) -> tuple[dict[str, str], str]:
    found = [(p, v) for n, p, v in component["props"] if n == name]
    assert len(found) == 1, f"{component['name']} must have exactly one {name}, has {len(found)}"
    return found[0]


def unescape(text: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def paris_offset(local: datetime) -> timedelta:
    """The offset the feed's VTIMEZONE gives (last Sunday of March 02:00 → +2 h, of October 03:00 → +1 h)."""
    summer_from = datetime.combine(last_sunday(local.year, 3), datetime.min.time()) + timedelta(hours=2)
    summer_to = datetime.combine(last_sunday(local.year, 10), datetime.min.time()) + timedelta(hours=3)
    return timedelta(hours=2) if summer_from <= local < summer_to else timedelta(hours=1)


def check_feed(raw: bytes) -> list[dict]:
    """Check the calendar against RFC 5545 and the issue's rules; returns its events as plain dicts."""
    calendar = components(unfold(raw))
    assert prop(calendar, "VERSION")[1] == "2.0"
    assert prop(calendar, "PRODID")[1]
    assert prop(calendar, "REFRESH-INTERVAL") == ({"VALUE": "DURATION"}, "PT1H")
    assert prop(calendar, "X-PUBLISHED-TTL")[1] == "PT1H"
    zones = [c for c in calendar["children"] if c["name"] == "VTIMEZONE"]
    assert len(zones) == 1 and prop(zones[0], "TZID")[1] == "Europe/Paris"
    # Built from the tz database: every change of offset as DTSTART/RDATE lines; an independent reader agrees.
    (vtimezone,) = icalendar.Calendar.from_ical(raw).walk("VTIMEZONE")
    tz = vtimezone.to_tz()
    for instant in (datetime(2027, 1, 15, 12), datetime(2027, 7, 15, 12)):
        assert tz.utcoffset(instant) == paris_offset(instant)
    events = []
    for event in (c for c in calendar["children"] if c["name"] == "VEVENT"):
        stamp = prop(event, "DTSTAMP")[1]
        assert re.fullmatch(r"\d{8}T\d{6}Z", stamp), "DTSTAMP must be UTC"
        times = {}
        for name in ("DTSTART", "DTEND"):
            params, value = prop(event, name)
            assert params == {"TZID": "Europe/Paris"}, f"{name} must carry TZID=Europe/Paris"
            local = datetime.strptime(value, "%Y%m%dT%H%M%S")
            times[name] = (local - paris_offset(local)).replace(tzinfo=UTC)
        assert times["DTEND"] > times["DTSTART"]
        events.append(
            {
                "uid": prop(event, "UID")[1],
                "start": times["DTSTART"],
                "end": times["DTEND"],
                "summary": unescape(prop(event, "SUMMARY")[1]),
                "location": unescape(prop(event, "LOCATION")[1]),
                "description": unescape(prop(event, "DESCRIPTION")[1]),
                "sequence": int(prop(event, "SEQUENCE")[1]),
                "status": prop(event, "STATUS")[1],
                "stamp": stamp,
            }
        )
    assert len({e["uid"] for e in events}) == len(events), "UIDs must be unique in a feed"
    # The same file through the icalendar library: same events, same instants.
    parsed = icalendar.Calendar.from_ical(raw)
    library = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    assert set(library) == {e["uid"] for e in events}
    for e in events:
        assert library[e["uid"]].decoded("DTSTART") == e["start"]
        assert int(library[e["uid"]]["SEQUENCE"]) == e["sequence"]
    return events


# --- fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture
def planning(territory):
    """Two GPs, four gardes (26–29 March 2027), version 1 published: GP A on 26 and 29, GP B on 27 and 28."""
    gp_a, gp_b = numbered_gp(territory, 1), numbered_gp(territory, 2)
    period = make_period(territory, FIRST_DAY, 4)
    s = period.shifts
    version = publish_version(period, [(s[0], gp_a), (s[3], gp_a), (s[1], gp_b), (s[2], gp_b)])
    version.published_at = utcnow() - timedelta(days=1)  # published yesterday: a change today shows in DTSTAMP
    db.session.commit()
    return {"period": period, "shifts": s, "a": gp_a, "b": gp_b}


def gp_feed_url(gp) -> str:
    with db.session.no_autoflush:
        url = feed_tokens.feed_url(feed_tokens.gp_token(gp))
    db.session.commit()
    return url.removeprefix("http://localhost")


# --- tests -------------------------------------------------------------------------------------------------


def test_gp_feed_is_valid_and_holds_the_gps_gardes(client, planning):
    response = client.get(gp_feed_url(planning["a"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = check_feed(response.data)
    assert [e["start"] for e in events] == [
        datetime(2027, 3, 26, 17, tzinfo=UTC),  # 18:00 in winter time
        datetime(2027, 3, 29, 16, tzinfo=UTC),  # 18:00 in summer time
    ]
    first = events[0]
    assert first["summary"] == "Garde SNP — Cabinet de garde Test"
    assert first["location"] == "1 place d'Armes, 57000 Metz"
    assert "03 87 00 00 00" in first["description"]
    assert "Aucune consultation réservée" in first["description"]
    assert {e["status"] for e in events} == {"CONFIRMED"} and {e["sequence"] for e in events} == {0}


def test_feed_speaks_its_territorys_time_zone(client, planning, territory):
    """The zone is the territory's: VTIMEZONE, TZID and the local hours all follow it."""
    territory.timezone = "America/Cayenne"  # UTC-3 all year
    db.session.commit()
    raw = client.get(gp_feed_url(planning["a"])).data
    calendar = icalendar.Calendar.from_ical(raw)
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert vtimezone["TZID"] == "America/Cayenne"
    starts = [e["DTSTART"] for e in calendar.walk("VEVENT")]
    assert [s.params["TZID"] for s in starts] == ["America/Cayenne"] * 2
    assert [s.dt.astimezone(UTC) for s in starts] == [
        datetime(2027, 3, 26, 17, tzinfo=UTC),
        datetime(2027, 3, 29, 16, tzinfo=UTC),
    ]
    assert b"DTSTART;TZID=America/Cayenne:20270326T140000" in raw.replace(b"\r\n ", b"")


def test_amendment_keeps_uids_raises_sequence_and_cancels_removed_gardes(client, planning):
    url_a, url_b = gp_feed_url(planning["a"]), gp_feed_url(planning["b"])
    before_a = {e["uid"]: e for e in check_feed(client.get(url_a).data)}
    s, a, b = planning["shifts"], planning["a"], planning["b"]
    # Version 2: the 29th moves from A to B; nothing else changes.
    publish_version(planning["period"], [(s[0], a), (s[1], b), (s[2], b), (s[3], b)])
    after_a = {e["uid"]: e for e in check_feed(client.get(url_a).data)}
    after_b = {e["uid"]: e for e in check_feed(client.get(url_b).data)}
    assert set(after_a) == set(before_a), "same UIDs: the removed garde stays, cancelled"
    kept, removed = sorted(before_a, key=lambda uid: before_a[uid]["start"])
    assert after_a[kept] == before_a[kept], "an unchanged garde is byte-for-byte the same event"
    assert after_a[removed]["status"] == "CANCELLED"
    assert after_a[removed]["sequence"] == 1
    assert after_a[removed]["stamp"] > before_a[removed]["stamp"]
    assert len(after_b) == 3 and sum(e["status"] == "CONFIRMED" for e in after_b.values()) == 3
    # Version 3 gives it back to A: same UID again, confirmed, sequence raised once more.
    publish_version(planning["period"], [(s[0], a), (s[1], b), (s[2], b), (s[3], a)])
    again = {e["uid"]: e for e in check_feed(client.get(url_a).data)}
    assert again[removed]["status"] == "CONFIRMED" and again[removed]["sequence"] == 2


def test_cancelled_gardes_leave_the_feed_after_30_days(client, planning):
    s, a, b = planning["shifts"], planning["a"], planning["b"]
    version = publish_version(planning["period"], [(s[1], b), (s[2], b), (s[3], b)])
    url = gp_feed_url(a)
    assert [e["status"] for e in check_feed(client.get(url).data)] == ["CANCELLED", "CANCELLED"]
    version.published_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert check_feed(client.get(url).data) == []


def test_conditional_requests_get_304_until_the_feed_changes(client, planning):
    url = gp_feed_url(planning["a"])
    first = client.get(url)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    s = planning["shifts"]
    publish_version(planning["period"], [(s[0], planning["a"]), (s[1], planning["a"])])
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_wrong_or_revoked_token_answers_404(client, login_as, planning):
    url = gp_feed_url(planning["a"])
    assert client.get("/ical/gp/not-a-token.ics").status_code == 404
    assert client.get(url.replace("/gp/", "/site/")).status_code == 404, "a GP token opens no site feed"
    login_as("gp", "titulaire@test.fr")
    gp = db.session.scalar(select(FeedToken)).gp  # the token of GP A, regenerated as A would
    feed_tokens.regenerate_gp(gp)
    db.session.commit()
    assert client.get(url).status_code == 404
    assert client.get(gp_feed_url(gp)).status_code == 200


def test_gp_page_shows_the_url_and_regenerates_it(client, login_as):
    user = login_as("gp")
    page = client.get("/mon-agenda")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    old = re.search(r'value="(http://localhost/ical/gp/[A-Za-z0-9_-]{43}\.ics)"', html).group(1)
    assert "Générer une nouvelle adresse" in html
    assert client.get("/mon-agenda").get_data(as_text=True).count(old) >= 1, "the address is stable"
    assert client.get(old.removeprefix("http://localhost")).status_code == 200
    refused = client.post("/mon-agenda")
    assert refused.status_code == 422 and "Cochez la case pour confirmer" in refused.get_data(as_text=True)
    assert old in refused.get_data(as_text=True), "not confirmed: the address stays"
    response = client.post("/mon-agenda", data={"confirm": "y"}, follow_redirects=True)
    new = re.search(r'value="(http://localhost/ical/gp/[^"]+)"', response.get_data(as_text=True)).group(1)
    assert new != old and "ne fonctionne plus" in response.get_data(as_text=True)
    assert client.get(old.removeprefix("http://localhost")).status_code == 404
    assert client.get(new.removeprefix("http://localhost")).status_code == 200
    stored = db.session.scalars(select(FeedToken.token_hash).where(FeedToken.gp_id == user.gp.id)).all()
    assert all(old.rsplit("/", 1)[1].removesuffix(".ics") not in h for h in stored), "only hashes are stored"


def test_feed_pages_are_guarded(client, login_as):
    assert client.get("/mon-agenda").status_code == 302
    assert client.get("/agendas").status_code == 302
    login_as("regulator")
    assert client.get("/mon-agenda").status_code == 403
    assert client.get("/agendas").status_code == 403


def test_site_and_coordination_feeds(client, login_as, territory, planning):
    north = second_site(territory)
    login_as("coordinator")
    html = client.get("/agendas").get_data(as_text=True)
    urls = re.findall(r'value="http://localhost(/ical/(?:site|coordination)/[^"]+)"', html)
    assert len(urls) == 3 and "Cabinet de garde Nord" in html
    site_url = next(u for u in urls if "/site/" in u and u in html.split("Cabinet de garde Test")[1][:400])
    site_events = check_feed(client.get(site_url).data)
    assert len(site_events) == 4
    assert "Docteur Numéro 1" in site_events[0]["description"]
    coordination_url = next(u for u in urls if "/coordination/" in u)
    assert len(check_feed(client.get(coordination_url).data)) == 4
    north_url = next(u for u in urls if "/site/" in u and u != site_url)
    assert check_feed(client.get(north_url).data) == [] and north.id
    # A change of GP on a garde raises that site event's SEQUENCE, keeps its UID.
    s = planning["shifts"]
    publish_version(planning["period"], [(s[0], planning["b"]), (s[1], planning["b"])])
    after = {e["uid"]: e for e in check_feed(client.get(site_url).data)}
    before = {e["uid"]: e for e in site_events}
    assert set(after) == set(before)
    assert [after[uid]["sequence"] for uid in sorted(after, key=lambda u: after[u]["start"])] == [1, 0, 1, 1]
    assert "garde non pourvue" in after[sorted(after, key=lambda u: after[u]["start"])[3]]["description"]


def test_feed_url_command_prints_a_working_url(runner, client, planning):
    result = runner.invoke(args=["feed-url", planning["a"].user.email])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert re.fullmatch(r"http://localhost/ical/gp/[A-Za-z0-9_-]{43}\.ics", url)
    assert runner.invoke(args=["feed-url", planning["a"].user.email]).output.strip() == url
    assert len(check_feed(client.get(url.removeprefix("http://localhost")).data)) == 2
    unknown = runner.invoke(args=["feed-url", "personne@test.fr"])
    assert unknown.exit_code != 0 and "aucun compte" in unknown.output
