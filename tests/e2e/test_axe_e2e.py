"""axe-core on every page of every role, at 375 and 1280 px: no critical or serious violation, no sideways scroll.

The pages are read from the app's URL map (every GET route of a blueprint that serves pages), so a new page is
checked the day it is added; a route with arguments needs a line in ARGUMENTS (the test says so). One test per
page and width: `pytest tests/e2e/test_axe_e2e.py -q` lists at a glance which page fails, and each failure names
the rules, their impact and the elements. axe-core comes with the pinned `axe-playwright-python` package (its
bundled axe.min.js), evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
govern (a `<script>` tag would be refused, as any inline script is).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from sched import create_app
from sched.extensions import db
from tests.e2e.browser import ARTIFACTS, DEMO_PASSWORD, log_in
from tests.factories import base_config

pytestmark = pytest.mark.e2e

WIDTHS = (375, 1280)
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"],
    },
    # Experimental in axe-core, so off unless asked: a voice-control user says what they see on a button.
    "rules": {"label-content-name-mismatch": {"enabled": True}},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"critical", "serious"}

# Who opens the pages of each blueprint (None: anonymous). Blueprints absent here serve no HTML page.
ACCOUNTS = {
    "auth": None,
    "gp": "medecin01@demo.test",
    "coordination": "coordination@demo.test",
    "regulation": "regulation@demo.test",
    "admin": "admin@demo.test",
    "platform": "plateforme@demo.test",
}
ENDPOINT_ACCOUNTS = {  # pages of the `feeds` blueprint, and auth pages behind a login
    "feeds.gp_calendar": "medecin01@demo.test",
    "feeds.coordination_calendars": "coordination@demo.test",
    "auth.no_role": "sans-role@demo.test",
}
NOT_PAGES = {  # redirects, files
    "auth.index",
    "auth.logout",
    "coordination.export_csv",
    "coordination.audit_log_csv",
    "coordination.report_csv",
    "coordination.report_pdf",
    "gp.garde_ics",
}


def page_endpoints() -> list[str]:
    """Every GET endpoint that answers a page, read from a throw-away app's URL map."""
    app = create_app(base_config("sqlite://", None))
    found = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        wanted = blueprint in ACCOUNTS or rule.endpoint in ENDPOINT_ACCOUNTS
        if "GET" in (rule.methods or ()) and wanted and rule.endpoint not in NOT_PAGES:
            found.add(rule.endpoint)
    return sorted(found)


class Demo:
    """Ids of the live demo the pages with arguments are opened on (some made here: an offer, a booking, links)."""

    def __init__(self, app) -> None:
        from sched.i18n import zone
        from sched.models import (
            GP,
            ConsultationSlot,
            Period,
            RosterVersion,
            Shift,
            Site,
            SolveRequest,
            SwapRequest,
            User,
            utcnow,
        )
        from sched.models.roster import Assignment
        from sched.services import accounts, bookings, offers
        from sched.services.passwords import hash_password
        from sched.services.rosters import latest_published_ids

        with app.app_context():
            now = utcnow()
            self.today = now.astimezone(zone()).date()
            # medecin01's first account is in Metz (the walk's CPTS); the second, in Réunion, shows the header's switch.
            user = db.session.scalar(select(User).where(User.email == "medecin01@demo.test").order_by(User.id))
            self.gp_user_id, self.gp_id = user.id, user.gp.id
            periods = db.session.scalars(
                select(Period).where(Period.territory_id == user.territory_id).order_by(Period.start_date)
            ).all()
            published = set(
                db.session.scalars(select(RosterVersion.period_id).where(RosterVersion.published_at.is_not(None)))
            )
            self.published_period = next(p.id for p in periods if p.id in published)
            self.collecting_period = next((p.id for p in periods if p.id not in published), self.published_period)
            self.version_number = db.session.scalar(
                select(RosterVersion.number).where(RosterVersion.period_id == self.published_period).limit(1)
            )
            self.site_id = db.session.scalar(
                select(Site.id).where(Site.territory_id == user.territory_id).order_by(Site.name).limit(1)
            )
            future = (
                select(Assignment)
                .join(Shift, Shift.id == Assignment.shift_id)
                .where(Assignment.version_id.in_(latest_published_ids()), Shift.starts_at > now + timedelta(days=1))
                .order_by(Shift.starts_at.desc())
            )
            own = db.session.scalar(future.where(Assignment.gp_id == self.gp_id).limit(1))
            held = db.session.scalar(
                select(Assignment.shift_id)
                .join(Shift, Shift.id == Assignment.shift_id)
                .where(Assignment.version_id.in_(latest_published_ids()), Shift.ends_at < now)
                .where(Assignment.gp_id == self.gp_id)
                .order_by(Shift.starts_at.desc())
                .limit(1)
            )
            self.held_shift = held
            self.territory_id = user.territory_id
            self.own_shift = own.shift_id if own else None
            other = db.session.scalar(future.where(Assignment.gp_id != self.gp_id).limit(1))
            self.other_shift, self.other_gp = other.shift_id, other.gp_id
            solve = db.session.scalar(select(SolveRequest).limit(1))
            if solve is None:  # the demo solves without the queue: one finished optimisation to look at
                version = db.session.get(RosterVersion, other.version_id)
                solve = SolveRequest(
                    period_id=version.period_id, state="done", time_limit_s=5, started_at=now, finished_at=now,
                    progress=[], version_id=version.id,
                )  # fmt: skip
                db.session.add(solve)
                db.session.flush()
            self.solve_id = solve.id
            offer = db.session.scalar(select(SwapRequest).where(SwapRequest.shift_id == other.shift_id))
            if offer is None:  # the last garde of the demo: the other e2e walks use the first ones
                offer = offers.offer(db.session.get(Shift, other.shift_id), db.session.get(GP, other.gp_id), None, None)
                db.session.commit()
            self.offer_id = offer.id
            regulator = db.session.scalar(select(User).where(User.email == "regulation@demo.test"))
            slot_ids = db.session.scalars(
                select(ConsultationSlot.id)
                .join(Shift, Shift.id == ConsultationSlot.shift_id)
                .where(Shift.id == other.shift_id)
                .order_by(ConsultationSlot.starts_at)
            ).all()
            self.slot_id = slot_ids[0]
            booking = bookings.book(slot_ids[-1], regulator, "AXE-0001", "JD", "18-64")
            self.booking_id = booking.id
            self.invite_token = accounts.issue_link(user, "invite").rsplit("/", 1)[1]
            self.reset_token = accounts.issue_link(user, "reset").rsplit("/", 1)[1]
            if accounts.find_person("sans-role@demo.test") is None:
                db.session.add(
                    User(
                        email="sans-role@demo.test",
                        full_name="Compte sans rôle",
                        password_hash=hash_password(DEMO_PASSWORD),
                        territory_id=user.territory_id,
                    )
                )
            db.session.commit()
            db.session.remove()


# endpoint → the path it is opened at, from the demo's ids (a route with arguments needs one).
ARGUMENTS = {
    "admin.account": lambda d: f"/admin/comptes/{d.gp_user_id}",
    "coordination.site": lambda d: f"/coordination/cabinets/{d.site_id}",
    "coordination.gp_absences": lambda d: f"/coordination/medecins/{d.gp_id}/absences",
    "coordination.gp_deactivate": lambda d: f"/coordination/medecins/{d.gp_id}/desactiver",
    "coordination.solve_request": lambda d: f"/coordination/optimisations/{d.solve_id}",
    "coordination.period": lambda d: f"/coordination/periodes/{d.published_period}",
    "coordination.heatmap": lambda d: f"/coordination/periodes/{d.published_period}/carte",
    "coordination.shifts": lambda d: f"/coordination/periodes/{d.published_period}/gardes",
    "coordination.print_view": lambda d: f"/coordination/periodes/{d.published_period}/impression",
    "coordination.review": lambda d: f"/coordination/periodes/{d.published_period}/planning",
    "coordination.remind_unanswered": lambda d: f"/coordination/periodes/{d.collecting_period}/relancer",
    "coordination.answers": lambda d: f"/coordination/periodes/{d.collecting_period}/reponses",
    "coordination.answer_entry": lambda d: f"/coordination/periodes/{d.collecting_period}/reponses/{d.gp_id}",
    "coordination.versions": lambda d: f"/coordination/periodes/{d.published_period}/versions",
    "coordination.compare": lambda d: (
        f"/coordination/periodes/{d.published_period}/versions/comparer?b={d.version_number}"
    ),
    "coordination.replace_garde": lambda d: f"/coordination/remplacements/garde/{d.other_shift}?gp={d.other_gp}",
    "gp.answer": lambda d: f"/gp/disponibilites/{d.collecting_period}",
    "gp.offer": lambda d: f"/gp/gardes/{d.own_shift}/proposer",
    "gp.swap": lambda d: f"/gp/gardes/{d.own_shift}/echanger",
    "gp.request_detail": lambda d: f"/gp/remplacements/{d.offer_id}",
    "gp.count": lambda d: f"/gp/comptes/{d.held_shift}",
    "coordination.count_entry": lambda d: f"/coordination/rapports/comptes/{d.held_shift}/{d.gp_id}",
    "platform.territory": lambda d: f"/plateforme/territoires/{d.territory_id}",
    "regulation.book": lambda d: f"/regulation/creneaux/{d.slot_id}/reserver",
    "regulation.cancel": lambda d: f"/regulation/reservations/{d.booking_id}/annuler",
    "regulation.fragment": lambda d: f"/regulation/liste?date={d.today.isoformat()}",
    "auth.accept_invitation": lambda d: f"/invitation/{d.invite_token}",
    "auth.reset_password": lambda d: f"/mot-de-passe/{d.reset_token}",
}


@pytest.fixture(scope="module")
def demo(live_app, live_server) -> Demo:
    for old in ARTIFACTS.glob("axe-*"):  # what a previous run found must not pass for this run's findings
        old.unlink()
    return Demo(live_app)


@pytest.fixture(scope="module")
def sessions(browser, live_server):
    """One login per account for the whole module: its cookies, reused by every page's fresh context."""
    states: dict[str | None, dict | None] = {None: None}

    def state_of(email: str | None) -> dict | None:
        if email not in states:
            context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
            log_in(context.new_page(), live_server, email)
            states[email] = context.storage_state()
            context.close()
        return states[email]

    return state_of


def account_of(endpoint: str) -> str | None:
    return ENDPOINT_ACCOUNTS.get(endpoint, ACCOUNTS.get(endpoint.split(".")[0]))


def path_of(app, endpoint: str, demo: Demo) -> str:
    if endpoint in ARGUMENTS:
        return ARGUMENTS[endpoint](demo)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    assert not rule.arguments, f"{endpoint} ({rule.rule}) takes arguments: add a line for it in ARGUMENTS"
    return rule.rule


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        lines.append(f"  {v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} — {targets}")
    return "\n".join(lines)


def check_page(browser, live_server, state, url: str, width: int, label: str, status: int = 200, then=None):
    """axe-core's critical and serious violations on the page at `url`, and a sideways scroll at 375 px.

    `then(page)`, when given, acts on the page first (sends a form) and the page it leads to is checked.
    """
    context = browser.new_context(
        viewport={"width": width, "height": 800}, locale="fr-FR", timezone_id="Europe/Paris", storage_state=state
    )
    try:
        page = context.new_page()
        response = page.goto(f"{live_server.url}{url}")
        problems = []
        if response is None or response.status != status:
            problems.append(f"{url} answered {response.status if response else 'nothing'}, not {status}")
        if then is not None:
            then(page)
        page.wait_for_load_state("networkidle")
        results = Axe().run(page, options=AXE_OPTIONS).response
        serious = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
        if serious:
            problems.append(f"axe-core on {page.url} at {width} px:\n{describe(serious)}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if width == 375 and scroll_width > width:
            problems.append(f"{page.url} scrolls sideways at 375 px (its content is {scroll_width} px wide)")
        if problems or results["violations"]:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", label)
            (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(results["violations"], indent=1))
            if problems:
                page.screenshot(path=str(ARTIFACTS / f"axe-{name}.png"), full_page=True)
        return problems
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("endpoint", page_endpoints())
def test_page_has_no_serious_accessibility_violation(browser, live_app, live_server, demo, sessions, endpoint, width):
    url = path_of(live_app, endpoint, demo)
    problems = check_page(browser, live_server, sessions(account_of(endpoint)), url, width, f"{endpoint}-{width}")
    assert not problems, "\n".join(problems)


def refused_login(page) -> None:
    page.get_by_label("Adresse e-mail").fill("medecin02@demo.test")
    page.get_by_label("Mot de passe", exact=True).fill("pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()


# Pages a route alone does not show: an error page, a refused login, a day without garde.
STATES = {
    "error-404": (None, "/cette-page-n-existe-pas", 404, None),
    "login-refused": (None, "/connexion", 200, refused_login),
    "regulation-day-without-garde": ("regulation@demo.test", "/regulation/?date=2020-01-05", 200, None),
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(STATES))
def test_page_state_has_no_serious_accessibility_violation(browser, live_server, sessions, name, width):
    email, url, status, then = STATES[name]
    problems = check_page(browser, live_server, sessions(email), url, width, f"{name}-{width}", status, then)
    assert not problems, "\n".join(problems)
