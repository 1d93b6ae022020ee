"""The GP's UX pass: served base URL, one-tap subscription, kept choices after a session ended, « pas de réponse »,
limits from the profile, quick fills, menu, the comment for the coordination, the installable site."""

from __future__ import annotations

import json
import re
import struct
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from sched import create_app
from sched.extensions import db
from sched.models import Availability, AvailabilityAnswer, Period, utcnow
from tests.factories import PASSWORD, add_templates, make_user, open_period, shifts_of

STATIC = Path(__file__).resolve().parents[2] / "sched" / "static"


@pytest.fixture
def period(territory) -> Period:
    add_templates(territory.sites[0])
    return open_period(territory, date(2027, 2, 1), date(2027, 2, 28), utcnow() + timedelta(days=10), "février 2027")


def checked(html: str, shift_id: int) -> str:
    match = re.search(rf'name="shift-{shift_id}" value="(\w+)"\s+class="[^"]*" checked', html)
    return match.group(1) if match else ""


def saved_rows(gp_id: int) -> int:
    return len(db.session.scalars(select(Availability).where(Availability.gp_id == gp_id)).all())


# --- base URL ----------------------------------------------------------------------------------------------------


def test_feed_addresses_follow_the_served_address(client, login_as):
    login_as("gp")
    html = client.get("/mon-agenda", base_url="http://localhost:5007").get_data(as_text=True)
    assert re.search(r'value="http://localhost:5007/ical/gp/[\w-]{43}\.ics"', html)
    assert "webcal://localhost:5007/ical/gp/" in html and "http://localhost/ical" not in html


def test_coordination_calendars_follow_the_served_address(client, login_as):
    login_as("coordinator")
    html = client.get("/agendas", base_url="http://localhost:5007").get_data(as_text=True)
    assert len(re.findall(r'value="http://localhost:5007/ical/(?:site|coordination)/', html)) == 2
    assert 'data-copy="feed-coordination"' in html


def test_snp_base_url_when_set_wins_over_the_served_address(app, client, login_as, runner):
    app.config.update(BASE_URL="https://planning.cpts.example", BASE_URL_FIXED=True)
    login_as("gp")
    html = client.get("/mon-agenda", base_url="http://localhost:5007").get_data(as_text=True)
    assert 'value="https://planning.cpts.example/ical/gp/' in html and "localhost:5007" not in html
    app.config["BASE_URL_FIXED"] = False
    # What leaves the request (the CLI, e-mails) keeps the configured address whatever served the page.
    result = runner.invoke(["feed-url", "gp@test.fr"])
    assert result.exit_code == 0 and "https://planning.cpts.example/ical/gp/" in result.output


# --- one-tap subscription ----------------------------------------------------------------------------------------


def test_subscription_page_offers_webcal_google_outlook_copy_and_qr(client, login_as):
    login_as("gp")
    html = client.get("/mon-agenda").get_data(as_text=True)
    url = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', html).group(1)
    secret_path = url.removeprefix("http://localhost")
    assert f'href="webcal://localhost{secret_path}"' in html
    assert "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Flocalhost" in html
    assert "https://outlook.live.com/calendar/0/addfromweb?url=http%3A%2F%2Flocalhost" in html
    assert "https://outlook.office.com/calendar/0/addfromweb?url=" in html
    assert 'data-copy="feed-url" hidden>Copier l\'adresse' in html and "/static/copy.js" in html
    svg = re.search(r"<svg role=\"img\"[^>]*class=\"qr-code\".*?</svg>", html, re.S).group(0)
    assert "<title>QR code" in svg and ' d="M' in svg and "style=" not in svg
    assert client.get("/static/copy.js").status_code == 200


def test_qr_code_encodes_the_webcal_address():
    import segno

    from sched.feeds.subscribe import qr_svg

    one, other = qr_svg("webcal://a.example/x.ics", "t"), qr_svg("webcal://a.example/y.ics", "t")
    assert one != other, "the drawing depends on the address"
    assert one == segno.make("webcal://a.example/x.ics", error="m").svg_inline(
        scale=4, border=2, title="t", svgclass="qr-code", lineclass=None, omitsize=True
    ).replace("<svg ", '<svg role="img" ', 1)


# --- the choices survive a session that ended --------------------------------------------------------------------


def test_login_expired_before_saving_gives_the_choices_back_after_login(client, login_as, period):
    user = login_as("gp")
    shifts = shifts_of(period)
    client.get(f"/gp/disponibilites/{period.id}")
    user.end_sessions()  # the login is over (same as its 14 days running out)
    db.session.commit()
    data = {f"shift-{shifts[0].id}": "preferred", f"shift-{shifts[1].id}": "available", "max_shifts": "4",
            "comment": "Pas le 14.", "owner": str(user.id), "save": "1"}  # fmt: skip
    response = client.post(f"/gp/disponibilites/{period.id}", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/connexion?next=/gp/disponibilites/{period.id}"
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Votre session a expiré" in login_page and "vos choix sont gardés" in login_page
    assert saved_rows(user.gp.id) == 0

    back = client.post(response.headers["Location"], data={"email": user.email, "password": PASSWORD})
    assert back.headers["Location"] == f"/gp/disponibilites/{period.id}"
    html = client.get(back.headers["Location"]).get_data(as_text=True)
    assert checked(html, shifts[0].id) == "preferred" and checked(html, shifts[1].id) == "available"
    assert checked(html, shifts[2].id) == "unavailable"
    assert re.search(r'id="max_shifts"[^>]*value="4"', html) and "Pas le 14." in html
    assert 'id="pending">' in html and "Vos choix ont été repris" in html, "shown as kept, not saved yet"
    assert saved_rows(user.gp.id) == 0 and db.session.scalar(select(AvailabilityAnswer.id)) is None
    again = client.get(f"/gp/disponibilites/{period.id}").get_data(as_text=True)
    assert checked(again, shifts[0].id) == "unavailable", "given back once"


@pytest.fixture
def csrf_app(app_config):
    return create_app({**app_config, "WTF_CSRF_ENABLED": True})


def csrf_login(client, email: str, next_path: str | None = None):
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    path = f"/connexion?next={next_path}" if next_path else "/connexion"
    return client.post(path, data={"csrf_token": token, "email": email, "password": PASSWORD})


def test_session_cookie_gone_keeps_the_choices_for_that_account_only(csrf_app, territory, period):
    gp_user = make_user(territory, "gp")
    other = make_user(territory, "gp", "autre@test.fr", rpps="10000000016")
    shift = shifts_of(period)[0]
    path = f"/gp/disponibilites/{period.id}"
    # A browser whose session cookie is gone (closed, cleared): no CSRF secret, no login.
    browser = csrf_app.test_client()
    data = {f"shift-{shift.id}": "available", "owner": str(gp_user.id), "csrf_token": "stale", "save": "1"}
    response = browser.post(path, data=data)
    assert response.status_code == 302 and response.headers["Location"] == f"/connexion?next={path}"
    # Someone else logs in on that browser: the choices are not theirs to see.
    csrf_login(browser, other.email, path)
    assert checked(browser.get(path).get_data(as_text=True), shift.id) == "unavailable"

    browser = csrf_app.test_client()
    browser.post(path, data=data)
    assert csrf_login(browser, gp_user.email, path).headers["Location"] == path
    html = browser.get(path).get_data(as_text=True)
    assert checked(html, shift.id) == "available" and 'id="pending">' in html
    assert saved_rows(gp_user.gp.id) == 0


def test_stale_csrf_token_while_logged_in_comes_back_to_the_form(csrf_app, territory, period):
    user = make_user(territory, "gp")
    shift = shifts_of(period)[0]
    path = f"/gp/disponibilites/{period.id}"
    browser = csrf_app.test_client()
    csrf_login(browser, user.email)
    response = browser.post(path, data={f"shift-{shift.id}": "preferred", "csrf_token": "old", "save": "1"})
    assert response.status_code == 302 and response.headers["Location"] == path
    html = browser.get(path).get_data(as_text=True)
    assert "restée ouverte trop longtemps" in html and checked(html, shift.id) == "preferred"
    assert saved_rows(user.gp.id) == 0
    # Other forms keep the plain refusal.
    refused = browser.post("/gp/profil/coordonnees", data={"csrf_token": "old"})
    assert refused.status_code == 400


# --- the answer page ---------------------------------------------------------------------------------------------


def test_closed_collection_without_an_answer_says_pas_de_reponse(client, login_as, period):
    login_as("gp")
    period.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    html = client.get(f"/gp/disponibilites/{period.id}").get_data(as_text=True)
    assert "Lecture seule" in html and "Pas de réponse :" in html and "Pas encore répondu" not in html
    assert html.count("pas de réponse</span>") == len(shifts_of(period))
    assert '<strong class="level-unavailable">Indisponible' not in html


def test_limits_left_empty_in_the_answer_come_from_the_profile(client, login_as, period):
    user = login_as("gp")
    user.gp.max_shifts, user.gp.max_per_week, user.gp.max_saturdays = 6, 3, 2
    db.session.add(AvailabilityAnswer(gp_id=user.gp.id, period_id=period.id, max_per_week=1))
    db.session.commit()
    html = client.get(f"/gp/disponibilites/{period.id}").get_data(as_text=True)
    assert re.search(r'id="max_shifts"[^>]*value="6"', html)
    assert re.search(r'id="max_per_week"[^>]*value="1"', html), "the answer's own limit first"
    assert re.search(r'id="max_saturdays"[^>]*value="2"', html)


def test_quick_fill_tools_name_the_period_and_explain_preferred(client, login_as, period):
    login_as("gp")
    shifts = shifts_of(period)
    html = client.get(f"/gp/disponibilites/{period.id}").get_data(as_text=True)
    assert ">Aucune garde sur février 2027</button>" in html
    assert "du lundi 1er février 2027 au dimanche 28 février 2027" in html or "1er février" in html
    assert "<dt>Préféré</dt><dd>vous souhaitez particulièrement cette garde" in html
    assert "data-undo hidden disabled>Annuler le dernier remplissage" in html
    assert f'<strong data-count="unavailable">{len(shifts)}</strong> Indisponible' in html
    # « Tout effacer » works without JavaScript: everything back to « Indisponible », nothing saved.
    data = {f"shift-{shifts[0].id}": "preferred", f"shift-{shifts[1].id}": "available", "fill": "clear"}
    cleared = client.post(f"/gp/disponibilites/{period.id}", data=data).get_data(as_text=True)
    assert checked(cleared, shifts[0].id) == "unavailable" and checked(cleared, shifts[1].id) == "unavailable"
    assert 'id="pending">' in cleared and db.session.scalar(select(AvailabilityAnswer.id)) is None
    counted = client.post(f"/gp/disponibilites/{period.id}", data={**data, "fill": "day-1-soir"})
    assert '<strong data-count="preferred">1</strong> Préféré' in counted.get_data(as_text=True)


def test_gp_menu_on_the_calendar_page(client, login_as):
    login_as("gp")
    html = client.get("/mon-agenda").get_data(as_text=True)
    nav = html.split('class="main-nav"')[1].split("</nav>")[0]
    assert 'href="/gp/profil">Mon profil</a>' in nav
    assert 'href="/mon-agenda" aria-current="page">Mon agenda</a>' in nav


def test_the_coordination_reads_the_gps_comment(client, login_as, period, territory):
    gp_user = make_user(territory, "gp")
    db.session.add(AvailabilityAnswer(gp_id=gp_user.gp.id, period_id=period.id, comment="Pas les mardis en mars."))
    db.session.commit()
    login_as("coordinator")
    html = client.get(f"/coordination/periodes/{period.id}/reponses").get_data(as_text=True)
    assert "Commentaire du médecin :</strong> Pas les mardis en mars." in html


# --- installable -------------------------------------------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_manifest_and_icons(client, login_as):
    manifest = client.get("/static/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.mimetype == "application/manifest+json"
    data = json.loads(manifest.data)
    assert data["name"] == "Planning SNP" and data["display"] == "standalone" and data["start_url"] == "/"
    sizes = {icon["sizes"]: icon["src"] for icon in data["icons"]}
    for size in (192, 512):
        src = sizes[f"{size}x{size}"]
        assert client.get(src).status_code == 200
        assert png_size(STATIC / src.removeprefix("/static/")) == (size, size)
    assert client.get(sizes["any"]).status_code == 200
    login_as("gp")
    html = client.get("/gp/").get_data(as_text=True)
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in html
    assert 'data-worker="/sw.js"' in html and 'data-gp="1"' in html


def test_service_worker_is_served_at_the_root_under_the_csp(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    body = response.get_data(as_text=True)
    assert 'var PAGE = "/gp/"' in body and "Hors ligne : version du" in body
    login_page = client.get("/connexion").get_data(as_text=True)
    assert 'data-gp="0"' in login_page, "the login page deletes the offline copy"


def test_deadline_passed_during_the_new_login_says_the_choices_were_not_saved(client, login_as, period):
    user = login_as("gp")
    shift = shifts_of(period)[0]
    user.end_sessions()
    db.session.commit()
    path = f"/gp/disponibilites/{period.id}"
    client.post(path, data={f"shift-{shift.id}": "preferred", "owner": str(user.id), "save": "1"})
    period.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client.post(f"/connexion?next={path}", data={"email": user.email, "password": PASSWORD})
    html = client.get(path).get_data(as_text=True).replace("&#39;", "'")
    assert "vos derniers choix n'ont pas pu être enregistrés" in html and "Lecture seule" in html
    assert saved_rows(user.gp.id) == 0
