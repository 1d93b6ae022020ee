"""The coordination's review pages in Chromium at 1280 and 375 px (issue 20): a refused manual change is told beside
its form with the choices kept, the optimisation's progress reads in French, the heat map and the roster keep the
third cabinet on a phone."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.models import GP, Availability, AvailabilityAnswer, Period, SolveRequest, Territory, User, utcnow
from sched.services.demo import DEMO_NAME
from tests.e2e.browser import SCREENSHOTS, log_in
from tests.factories import add_period, add_shift, new_version

pytestmark = pytest.mark.e2e
PERIOD_NAME = "Période e2e relecture"
WIDTHS = [1280, 375]


@pytest.fixture(scope="module")
def world(live_app) -> dict:
    """Five days × the demo's three cabinets (min 1, target 2); a draft where one GP per cabinet holds day 1, the
    GP of the first cabinet at their limit of one garde. Every GP of a cabinet is available on days 1–3, one on
    day 4, nobody on day 5."""
    with live_app.app_context():
        existing = db.session.scalar(select(Period).where(Period.name == PERIOD_NAME))
        if existing is None:
            territory = db.session.scalar(select(Territory).where(Territory.name == DEMO_NAME))
            sites = sorted(territory.sites, key=lambda s: s.name)
            first = date(date.today().year + 2, 3, 1)
            period = add_period(territory, first, first + timedelta(days=30), PERIOD_NAME)
            shifts = {
                (d, s.id): add_shift(period, s, first + timedelta(days=d), min_gps=1, target_gps=2)
                for d in range(5)
                for s in sites
            }
            gps = db.session.scalars(select(GP).join(GP.user).where(User.territory_id == territory.id)).all()
            holders: list[GP] = []
            for site in sites:  # one GP per cabinet, three different GPs
                holders.append(next(g for g in gps if site in g.sites and g not in holders))
            holder_of = {site.id: gp for site, gp in zip(sites, holders, strict=True)}
            db.session.flush()
            for (d, site_id), shift in shifts.items():
                for gp in gps:  # days 1–3: everyone of the cabinet; day 4: one GP; day 5: nobody
                    if any(s.id == site_id for s in gp.sites) and (d < 3 or (d == 3 and gp is holder_of[site_id])):
                        level = "preferred" if d == 0 and gp is holder_of[site_id] else "available"
                        db.session.add(Availability(gp_id=gp.id, shift_id=shift.id, level=level))
            db.session.add(AvailabilityAnswer(gp_id=holders[0].id, period_id=period.id, max_shifts=1))
            new_version(period, [(shifts[(0, s.id)], gp) for gp, s in zip(holders, sites, strict=True)], "solver")
            db.session.commit()
            existing = period
        period = existing
        holder = db.session.scalar(
            select(AvailabilityAnswer).where(AvailabilityAnswer.period_id == period.id)
        ).gp  # fmt: skip
        second_day = sorted(period.shifts, key=lambda s: (s.date, s.site.name))[3]  # day 2, first cabinet
        data = {"period": period.id, "gp": holder.id, "gp_name": holder.name, "shift": second_day.id}
        db.session.remove()
    return data


def at_width(browser, width: int):
    context = browser.new_context(
        viewport={"width": width, "height": 800 if width > 400 else 740}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and 0 <= box["y"]
        and box["y"] + min(box["height"], 40) <= size["height"]
        and (box["x"] + box["width"] <= size["width"] + 1)
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_a_refused_change_is_told_beside_its_form(browser, live_server, world, width):
    context, page = at_width(browser, width)
    try:
        log_in(page, live_server, "coordination@demo.test")
        page.goto(f"{live_server.url}/coordination/periodes/{world['period']}/planning")
        page.locator("#assign-shift").select_option(str(world["shift"]))
        page.locator("#gp_id").select_option(str(world["gp"]))
        page.get_by_label("Épingler : une nouvelle optimisation gardera ce médecin sur cette garde").check()
        page.get_by_role("button", name="Affecter", exact=True).click()
        errors = page.locator("#assign-errors")
        errors.wait_for()
        assert "Affectation refusée." in errors.inner_text()
        assert f"{world['gp_name']} aurait 2 gardes sur la période (maximum 1)." in errors.inner_text()
        assert in_viewport(page, errors), "the refusal must be on screen, not at the top of a long page"
        assert page.locator("#assign-shift").input_value() == str(world["shift"])
        assert page.locator("#gp_id").input_value() == str(world["gp"])
        assert page.get_by_label("Épingler : une nouvelle optimisation gardera").is_checked()
        assert page.locator("#reason-err").is_visible()
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / f"coordination-review-refused-{width}.png"))
        if width == 1280:
            page.get_by_role("button", name="Gardes", exact=True).click()
            header = page.locator("table.fairness th", has=page.locator('button[data-sort="shifts"]'))
            assert header.get_attribute("aria-sort") == "descending"
            assert page.get_by_role("button", name="Gardes", exact=True).count() == 1  # the arrow is not read
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_roster_keeps_the_third_cabinet_on_screen(browser, live_server, world, width):
    context, page = at_width(browser, width)
    try:
        log_in(page, live_server, "coordination@demo.test")
        page.goto(f"{live_server.url}/coordination/periodes/{world['period']}/planning")
        third = page.locator(".roster-cal tbody tr").first.locator("td").nth(2)
        third.scroll_into_view_if_needed()
        box = third.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width + 1
        button = page.locator(".roster-cal button.small").first
        size = button.bounding_box()
        assert size["height"] >= 24 and size["width"] >= 24
        assert page.locator(".roster-cal .icon-pin").count() == 0 or page.locator("svg.icon-pin").first.is_visible()
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / f"coordination-review-{width}.png"))
        fairness = page.locator('section[aria-labelledby="fairness-title"]')
        fairness.screenshot(path=str(SCREENSHOTS / f"coordination-fairness-{width}.png"))
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_optimisation_progress_reads_in_french(browser, live_server, live_app, world, width):
    with live_app.app_context():
        request = SolveRequest(
            period_id=world["period"], state="running", time_limit_s=60, started_at=utcnow() - timedelta(seconds=8),
            progress=[
                {"stage": "uncovered+removed+understaffed", "objective": 884129, "bound": 0, "elapsed": 0.8,
                 "message": ""},
                {"stage": "uncovered+removed+understaffed", "objective": 12, "bound": 12, "elapsed": 1.5,
                 "message": "proven"},
                {"stage": "max_load", "objective": 900, "bound": 480, "elapsed": 6.0, "message": ""},
            ],
        )  # fmt: skip
        db.session.add(request)
        db.session.commit()
        request_id = request.id
        db.session.remove()
    context, page = at_width(browser, width)
    try:
        log_in(page, live_server, "coordination@demo.test")
        page.goto(f"{live_server.url}/coordination/optimisations/{request_id}")
        current = page.locator('.solve-stage[aria-current="step"]')
        assert "Alléger le médecin le plus chargé" in current.inner_text() and "en cours" in current.inner_text()
        assert page.locator("progress#solve-time").is_visible()
        text = page.locator("main").inner_text()
        assert "Pourvoir les gardes" in text and "meilleur résultat possible prouvé" in text
        assert not re.search(r"uncovered|understaffed|load_sq|max_load|884129", text)
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / f"coordination-solving-{width}.png"), full_page=True)
    finally:
        context.close()
        with live_app.app_context():
            done = db.session.get(SolveRequest, request_id)
            done.state, done.finished_at = "failed", utcnow()
            db.session.commit()
            db.session.remove()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_heat_map_at_both_widths(browser, live_server, world, width):
    context, page = at_width(browser, width)
    try:
        log_in(page, live_server, "coordination@demo.test")
        page.goto(f"{live_server.url}/coordination/periodes/{world['period']}/carte")
        for level in ("low", "mid", "good"):
            assert page.locator(f"table.heatmap .heat.{level}").count() >= 1, level
        assert "Disponibles : " in page.locator("table.heatmap").inner_text()
        legend = page.locator(".heat-legend li")
        tops = {round(legend.nth(i).bounding_box()["y"]) for i in range(legend.count())}
        if width == 1280:
            assert len(tops) == 1, "the legend sits on one line"
        third = page.locator("table.heatmap tbody tr").first.locator("td").nth(2)
        box = third.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width + 1
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / f"coordination-heatmap-{width}.png"))
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_log_the_directory_and_a_new_period_fit_the_screen(browser, live_server, world, width):
    context, page = at_width(browser, width)
    try:
        log_in(page, live_server, "coordination@demo.test")
        page.goto(f"{live_server.url}/coordination/journal")
        text = page.locator("table.audit").inner_text()
        assert not re.search(r"\b[a-z_]+\.[a-z_]+\b|roster_version|\{", text), "no code in the log"
        page.get_by_label("Afficher aussi les connexions").check()
        page.get_by_role("button", name="Filtrer").click()
        page.get_by_text("Connexion de Coordination Démo").first.wait_for()
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / f"coordination-audit-{width}.png"))
        page.goto(f"{live_server.url}/coordination/medecins")
        assert page.locator("input[type=checkbox][name=site_ids]").count() == 3
        assert no_sideways_scroll(page)
        page.locator("section.card", has=page.get_by_role("heading", name="Inviter un médecin")).screenshot(
            path=str(SCREENSHOTS / f"coordination-invite-{width}.png")
        )
        page.goto(f"{live_server.url}/coordination/periodes/nouvelle")
        assert page.get_by_label("Premier mois").get_attribute("type") == "month"
        page.screenshot(path=str(SCREENSHOTS / f"coordination-period-new-{width}.png"))
    finally:
        context.close()
