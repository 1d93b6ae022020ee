"""A demo GP answers on a 375 px phone: quick fill, save, reload, and is refused after the deadline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from sched.extensions import db
from sched.models import GP, Availability, AvailabilityAnswer, Period, Shift, Territory, User, utcnow
from sched.services.demo import DEMO_NAME, month_start
from sched.services.periods import generate_shifts
from tests.e2e.browser import SCREENSHOTS, log_in

GP_EMAIL = "medecin37@demo.test"
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone_page(browser):
    """A phone-sized page without JavaScript: everything must work with plain forms."""
    context = browser.new_context(
        viewport=PHONE, locale="fr-FR", timezone_id="Europe/Paris", java_script_enabled=False, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def collecting_period_id(live_app) -> int:
    with live_app.app_context():
        return db.session.scalar(
            select(Period.id)
            .join(Territory)
            .where(Territory.name == DEMO_NAME, Period.state == "collecting", Period.deadline > utcnow())
            .order_by(Period.start_date.desc())
        )


def tuesday_evening_ids(live_app, period_id: int) -> set[int]:
    with live_app.app_context():
        gp = db.session.scalar(select(GP).join(User).where(User.email == GP_EMAIL))
        site_ids = [s.id for s in gp.sites]
        shifts = db.session.scalars(
            select(Shift).where(Shift.period_id == period_id, Shift.site_id.in_(site_ids))
        ).all()
        return {s.id for s in shifts if s.date.weekday() == 1 and s.start_time.hour >= 17}


@pytest.mark.e2e
def test_gp_fills_tuesdays_saves_and_finds_it_after_reload(phone_page, live_server, live_app):
    page = phone_page
    period_id = collecting_period_id(live_app)
    log_in(page, live_server, GP_EMAIL)
    assert page.url.endswith("/gp/")
    assert no_horizontal_scroll(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "gp-home-375.png"), full_page=True)

    page.locator(f"a[href='/gp/disponibilites/{period_id}']").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Mes disponibilités")
    page.get_by_role("button", name=re.compile(r"^Aucune garde sur ")).click()  # start from a known state: nothing
    assert "aucune garde sur cette période" in page.locator(".flash-success").inner_text()

    page.get_by_role("button", name="Tous les mardis soir").click()
    assert page.get_by_text("Pas encore enregistré.").is_visible()
    tuesdays = tuesday_evening_ids(live_app, period_id)
    assert tuesdays
    for shift_id in tuesdays:
        assert page.locator(f"#s{shift_id}-available").is_checked()
    page.get_by_label("Nombre maximum de gardes par semaine").fill("1")
    page.get_by_label("Commentaire pour la coordination de la CPTS").fill("Plutôt en début de mois.")
    assert no_horizontal_scroll(page)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "gp-answer-375.png"))
    page.locator(".week").nth(1).scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "gp-grid-375.png"))
    page.get_by_role("button", name="Enregistrer mes disponibilités").click()

    flash = page.locator(".flash-success").inner_text()
    assert flash.startswith("Disponibilités enregistrées le ") and f"disponible pour {len(tuesdays)} garde" in flash
    page.reload()
    for shift_id in tuesdays:
        assert page.locator(f"#s{shift_id}-available").is_checked()
    assert page.get_by_label("Nombre maximum de gardes par semaine").input_value() == "1"
    assert "Disponibilités enregistrées le " in page.locator(".answer-status").inner_text()
    page.goto(f"{live_server.url}/gp/")
    assert "Modifier mes disponibilités" in page.content()


@pytest.mark.e2e
def test_gp_answers_with_the_keyboard_alone(page, live_server, live_app):
    """Desktop with JavaScript on: arrow keys choose « Disponible », a fill applies in place, Enter saves."""
    period_id = collecting_period_id(live_app)
    log_in(page, live_server, GP_EMAIL)
    page.goto(f"{live_server.url}/gp/disponibilites/{period_id}")
    group = page.locator("fieldset.shift-choice").first
    legend = group.locator("legend").inner_text()
    assert legend.startswith("Garde du ") and "Cabinet de garde" in legend
    radio = group.get_by_role("radio", name="Indisponible")
    radio.check()
    radio.focus()
    page.keyboard.press("ArrowRight")
    assert group.get_by_role("radio", name="Disponible", exact=True).is_checked()
    # With JavaScript a weekly fill applies in place, still marked as not saved.
    url = page.url
    page.get_by_role("button", name="Tous les jeudis soir").click()
    assert page.url == url and page.get_by_text("Pas encore enregistré.").is_visible()
    thursdays = page.locator("fieldset[data-pattern='day-3-soir']")
    assert thursdays.count() > 0
    for i in range(thursdays.count()):
        assert thursdays.nth(i).get_by_role("radio", name="Indisponible").is_checked() is False
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "gp-answer-1280.png"))
    page.get_by_label("Nombre maximum de gardes sur la période").focus()
    page.keyboard.press("Enter")  # Enter in a field saves (it does not trigger a quick fill)
    assert page.locator(".flash-success").inner_text().startswith("Disponibilités enregistrées le ")
    assert group.get_by_role("radio", name="Disponible", exact=True).is_checked()
    assert page.locator("fieldset[data-pattern='day-3-soir'] input[value='unavailable']:checked").count() == 0
    page.goto(f"{live_server.url}/gp/")
    page.screenshot(path=str(SCREENSHOTS / "gp-home-1280.png"), full_page=True)


@pytest.fixture
def closing_period(live_app):
    """A period of the demo territory, two years ahead, still open; the test moves its deadline."""
    with live_app.app_context():
        territory = db.session.scalar(select(Territory).where(Territory.name == DEMO_NAME))
        start = month_start(utcnow().date(), 25)
        period = Period(
            territory=territory,
            name="Période e2e fermée",
            start_date=start,
            end_date=start + timedelta(days=6),
            state="collecting",
            deadline=utcnow() + timedelta(days=1),
        )
        db.session.add(period)
        db.session.flush()
        generate_shifts(period, territory)
        db.session.commit()
        period_id = period.id
    yield period_id
    with live_app.app_context():
        shift_ids = select(Shift.id).where(Shift.period_id == period_id)
        db.session.execute(delete(Availability).where(Availability.shift_id.in_(shift_ids)))
        db.session.execute(delete(AvailabilityAnswer).where(AvailabilityAnswer.period_id == period_id))
        db.session.delete(db.session.get(Period, period_id))
        db.session.commit()


def move_deadline(live_app, period_id: int, delta: timedelta) -> None:
    with live_app.app_context():
        db.session.get(Period, period_id).deadline = utcnow() + delta
        db.session.commit()


@pytest.mark.e2e
def test_gp_is_refused_after_the_deadline(phone_page, live_server, live_app, closing_period):
    page = phone_page
    log_in(page, live_server, GP_EMAIL)
    page.goto(f"{live_server.url}/gp/disponibilites/{closing_period}")
    page.locator("fieldset.shift-choice").first.get_by_text("Préféré").click()
    move_deadline(live_app, closing_period, -timedelta(minutes=1))  # the deadline passes while the form is open

    page.get_by_role("button", name="Enregistrer mes disponibilités").click()
    assert "La date limite de réponse est passée" in page.content()
    with live_app.app_context():
        gp = db.session.scalar(select(GP).join(User).where(User.email == GP_EMAIL))
        assert (
            db.session.scalar(
                select(AvailabilityAnswer).where(
                    AvailabilityAnswer.gp_id == gp.id, AvailabilityAnswer.period_id == closing_period
                )
            )
            is None
        )

    page.goto(f"{live_server.url}/gp/disponibilites/{closing_period}")
    assert page.get_by_text("Lecture seule.").is_visible()
    assert page.get_by_role("radio").count() == 0
    assert page.get_by_role("button", name="Enregistrer mes disponibilités").count() == 0
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "gp-closed-375.png"), full_page=True)


@pytest.mark.e2e
def test_gp_profile_on_a_phone(phone_page, live_server):
    page = phone_page
    log_in(page, live_server, GP_EMAIL)
    page.goto(f"{live_server.url}/gp/profil")
    page.get_by_label("Téléphone portable").fill("07 00 00")
    page.get_by_role("button", name="Enregistrer mes coordonnées").click()
    assert page.get_by_text("Numéro de téléphone invalide.").is_visible()
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "gp-profile-375.png"), full_page=True)
