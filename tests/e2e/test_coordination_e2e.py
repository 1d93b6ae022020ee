"""A coordinator's month in Chromium: create, open, (GPs answer), solve, diagnosis, pin, re-solve, publish, amend."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.models import GP, Availability, AvailabilityAnswer, Period, RosterVersion, Territory, User
from sched.services import scheduling
from sched.services.demo import DEMO_NAME
from sched.services.solving import run_queued_solves
from tests.e2e.browser import SCREENSHOTS, log_in

pytestmark = pytest.mark.e2e
PERIOD_NAME = "Période e2e coordination"


@pytest.fixture
def worker(live_app):
    """A worker in this process (`make run` starts one beside the server): run the queued solves every half second."""
    stop = threading.Event()

    def loop() -> None:
        with live_app.app_context():
            while not stop.is_set():
                run_queued_solves()
                db.session.remove()
                stop.wait(0.5)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=60)


def demo_gps_answer(live_app, period_name: str) -> int:
    """Demo GPs answer straight in the database (their availability page has its own end-to-end test).

    Nobody is available on the period's first shift, so it stays uncovered. Returns that shift's id.
    """
    with live_app.app_context():
        territory = db.session.scalar(select(Territory).where(Territory.name == DEMO_NAME))
        period = db.session.scalar(
            select(Period).where(Period.territory_id == territory.id, Period.name == period_name)
        )
        gps = db.session.scalars(select(GP).join(GP.user).where(User.territory_id == territory.id)).all()
        uncovered = period.shifts[0]
        for n, gp in enumerate(gps[:30]):
            sites = {s.id for s in gp.sites}
            for i, shift in enumerate(period.shifts[1:]):
                if shift.site_id in sites and (i + n) % 5 == 0:
                    level = "preferred" if n % 3 == 0 else "available"
                    db.session.add(Availability(gp_id=gp.id, shift_id=shift.id, level=level))
            db.session.add(AvailabilityAnswer(gp_id=gp.id, period_id=period.id))
        db.session.commit()
        shift_id = uncovered.id
        db.session.remove()
        return shift_id


def solve_and_wait(page) -> None:
    page.wait_for_url(re.compile(r"/optimisations/\d+"))
    page.get_by_text("Le planning est prêt.").wait_for(timeout=90000)


def check_versions(live_app, numbers: set[int]) -> None:
    """Each version passes the checker against the problem exported when it was made (a withdrawal later
    makes the GP unavailable, so an older version is checked right after it is stored)."""
    with live_app.app_context():
        period = db.session.scalar(select(Period).where(Period.name == PERIOD_NAME))
        for version in db.session.scalars(select(RosterVersion).where(RosterVersion.period_id == period.id)):
            if version.number not in numbers:
                continue
            report = scheduling.check_version(period, version)
            assert report.valid, (version.number, report.violations)
        db.session.remove()


def test_coordinator_month(page, live_server, live_app, worker):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server, "coordination@demo.test")
    start = date.today().replace(day=1) + timedelta(days=32 * 5)
    page.goto(f"{live_server.url}/coordination/periodes/nouvelle")
    page.get_by_label("Premier mois").fill(f"{start.year}-{start.month:02d}")
    page.get_by_label("Nom (facultatif)").fill(PERIOD_NAME)
    page.get_by_role("button", name="Créer la période").click()
    page.get_by_text("gardes.").first.wait_for()
    assert "Brouillon" in page.content()

    page.get_by_label("Date limite des réponses").fill(f"{start.year}-{start.month:02d}-01")
    page.get_by_role("button", name="Ouvrir la période").click()
    page.get_by_text("Recueil des disponibilités ouvert").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "coordination-period.png"), full_page=True)

    uncovered = demo_gps_answer(live_app, PERIOD_NAME)
    page.get_by_role("link", name="Carte des disponibilités").click()
    assert page.locator(".heat.low").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "coordination-heatmap.png"))
    page.get_by_role("link", name="Période", exact=True).click()

    page.get_by_label("Temps maximal (secondes)").fill("10")
    page.get_by_role("button", name="Lancer l'optimisation").click()
    page.wait_for_url(re.compile(r"/optimisations/\d+"))
    page.screenshot(path=str(SCREENSHOTS / "coordination-solving.png"), full_page=True)
    solve_and_wait(page)
    page.get_by_role("link", name="Relire le planning").click()

    cell = page.locator(f"#shift-{uncovered}")
    assert "garde non pourvue" in cell.inner_text()
    diagnosis = cell.locator(".diagnosis").inner_text()
    assert "disponible" in diagnosis and not re.search(r"\bg\d+\b", diagnosis)
    page.screenshot(path=str(SCREENSHOTS / "coordination-review.png"))

    pin = page.get_by_role("button", name=re.compile("^Épingler ")).first
    label = pin.get_attribute("aria-label")
    pinned_name = re.match(r"Épingler (.+) le ", label).group(1)
    pin.click()
    page.get_by_text(f"Affectation de {pinned_name} épinglée").wait_for()

    page.get_by_role("button", name="Ré-optimiser (les épingles sont gardées)").click()
    solve_and_wait(page)
    page.get_by_role("link", name="Relire le planning").click()
    assert page.get_by_role("button", name=re.compile(f"^Désépingler {re.escape(pinned_name)} ")).count() == 1

    page.get_by_role("button", name="Publier la version 1").click()
    # The deadline is still ahead and some GPs did not answer: « Publier » asks first.
    page.get_by_role("button", name="Publier quand même").click()
    page.get_by_text("Planning publié, version 1.").wait_for()
    assert "planning publié, version 1" in page.content()
    check_versions(live_app, {1})

    # A GP withdraws after publication: recorded, re-solved with the published planning kept, then version 2.
    with live_app.app_context():
        v1 = db.session.scalar(select(RosterVersion).join(RosterVersion.period).where(Period.name == PERIOD_NAME))
        gone = next(a for a in v1.assignments if not a.pinned)
        gone_shift, gone_gp, gone_name = gone.shift_id, gone.gp_id, gone.gp.name
        db.session.remove()
    page.locator("#withdraw-shift").select_option(str(gone_shift))
    page.locator("#withdraw-gp").select_option(str(gone_gp))
    page.get_by_role("button", name="Enregistrer le désistement").click()
    page.get_by_text(f"{gone_name} n'est plus sur la").wait_for()
    page.get_by_role("button", name="Ré-optimiser (les épingles sont gardées)").click()
    solve_and_wait(page)
    page.get_by_role("link", name="Relire le planning").click()
    page.get_by_role("button", name="Publier la version 2").click()
    page.get_by_text("Planning publié, version 2.").wait_for()
    assert "Version 1 → version 2" in page.content()
    removed = page.locator("td.removed").all_inner_texts()
    assert any(gone_name in text for text in removed)
    page.screenshot(path=str(SCREENSHOTS / "coordination-compare.png"), full_page=True)

    page.goto(page.url.split("/versions")[0] + "/versions")
    assert page.get_by_role("link", name="Version 1", exact=True).count() == 1
    check_versions(live_app, {2})
