"""Life after publication in Chromium: a GP offers a garde on a phone, a colleague takes it, the coordination
approves, the regulators' list shows the new GP with the patient still booked; a swap; an absence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.i18n import local
from sched.models import GP, Assignment, ConsultationSlot, Period, Shift, SwapRequest, Territory, User, utcnow
from sched.services import eligibility
from sched.services.demo import DEMO_NAME
from sched.services.rosters import latest_published_ids
from tests.e2e.browser import SCREENSHOTS, log_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def phone_page(browser):
    context = browser.new_context(viewport=PHONE, locale="fr-FR", timezone_id="Europe/Paris", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def gardes_with_a_taker(live_app, count: int, skip: set[int]) -> list[tuple[int, str, str, str]]:
    """(shift id, email of a GP on it, email of the best-ranked colleague, local date) of future gardes."""

    def read() -> list[tuple[int, str, str, str]]:
        found = []
        rows = db.session.execute(
            select(Shift, Assignment.gp_id)
            .join(Assignment, Assignment.shift_id == Shift.id)
            .where(Assignment.version_id.in_(latest_published_ids()), Shift.starts_at > utcnow() + timedelta(days=4))
            .where(Shift.period.has(Period.territory.has(Territory.name == DEMO_NAME)))  # Metz, not Réunion
            .order_by(Shift.starts_at)
        ).all()
        used: set[int] = set(skip)
        for shift, gp_id in rows:
            if shift.id in used or gp_id in used:
                continue
            ranked = [c for c in eligibility.candidates(shift, exclude={gp_id}) if c.gp.id not in used]
            live = db.session.scalar(select(SwapRequest.id).where(SwapRequest.shift_id == shift.id))
            if not ranked or live:
                continue
            leaving = db.session.get(GP, gp_id).user.email
            found.append((shift.id, leaving, ranked[0].gp.user.email, local(shift.starts_at).date().isoformat()))
            used |= {shift.id, gp_id, ranked[0].gp.id}
            if len(found) == count:
                break
        return found

    found = in_app(live_app, read)
    assert len(found) == count, "the demo has no such garde"
    return found


def metz_account(email: str) -> User:
    """The demo person's account in « CPTS Metz Démo » (medecin01 also has one in Réunion)."""
    return db.session.scalar(
        select(User)
        .join(Territory, Territory.id == User.territory_id)
        .where(User.email == email, Territory.name == DEMO_NAME)
    )


def book_first_slot(live_app, shift_id: int, email: str, ref: str) -> None:
    from sched.services import bookings

    def book() -> None:
        gp_user = metz_account(email)
        slot = db.session.scalar(
            select(ConsultationSlot)
            .where(ConsultationSlot.shift_id == shift_id, ConsultationSlot.gp_id == gp_user.gp.id)
            .order_by(ConsultationSlot.starts_at)
        )
        regulator = db.session.scalar(select(User).where(User.email == "regulation@demo.test"))
        bookings.book(slot.id, regulator, ref, "AB", "18-64")

    in_app(live_app, book)


def test_replacement_offered_on_a_phone_taken_approved_and_the_patient_follows(browser, live_server, live_app):
    ((shift_id, leaving, taking, day),) = gardes_with_a_taker(live_app, 1, set())
    book_first_slot(live_app, shift_id, leaving, "E2E-SUIT")

    context, page = phone_page(browser)
    log_in(page, live_server, leaving)
    card = page.locator(f"#garde-{shift_id}")
    card.get_by_role("link", name="Je ne peux plus l'assurer").click()
    page.get_by_label("Motif").fill("Enfant malade")
    shoot(page, "gp-offer-375")
    page.get_by_role("button", name="Proposer la garde à mes confrères").click()
    assert page.get_by_text("En attente d'un confrère").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    context.close()

    context, page = phone_page(browser)
    log_in(page, live_server, taking)
    page.locator("#proposed-title").scroll_into_view_if_needed()
    page.locator(f"a[href$='/gp/remplacements/{request_id(live_app, shift_id)}']").first.click()
    assert page.get_by_text("Enfant malade").is_visible()
    shoot(page, "gp-take-375")
    page.get_by_role("button", name="Je la prends").click()
    assert page.get_by_text("en attente de la validation de la coordination").is_visible()
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server, "coordination@demo.test")
    page.get_by_role("link", name="Remplacements").click()
    shoot(page, "coordination-replacements")
    page.locator(f"#demande-{request_id(live_app, shift_id)}").get_by_role("button", name="Valider et publier").click()
    assert page.get_by_text("Planning publié, les deux médecins sont prévenus").is_visible()
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server, "regulation@demo.test")
    page.goto(f"{live_server.url}/regulation/?date={day}")
    taker_name, leaver_name = names(live_app, taking), names(live_app, leaving)
    column = page.locator(".reg-gp", has_text=taker_name)
    assert column.get_by_text("réservé · dossier n° E2E-SUIT").is_visible()
    assert page.locator(".reg-gp", has_text=leaver_name).count() == 0
    assert page.locator(".reg-orphan").count() == 0
    shoot(page, "regulation-after-replacement")
    assert shift_has(live_app, shift_id, taking) and not shift_has(live_app, shift_id, leaving)
    context.close()


def test_swap_proposed_accepted_and_approved(browser, live_server, live_app):
    taken = in_app(live_app, lambda: set(db.session.scalars(select(SwapRequest.shift_id))))
    ((shift_id, proposer, _, _),) = gardes_with_a_taker(live_app, 1, taken)
    context, page = phone_page(browser)
    log_in(page, live_server, proposer)
    page.locator(f"#garde-{shift_id}").get_by_role("link", name="Échanger").click()
    page.get_by_role("button", name="Proposer l'échange").click()
    assert page.get_by_text("Choisissez la garde d'un confrère.").is_visible()  # nothing chosen: said in French
    option = page.locator("input[name=counter]").first
    counter_shift, partner_id = (int(x) for x in option.get_attribute("value").split(":"))
    option.check()
    page.get_by_role("button", name="Proposer l'échange").click()
    assert page.get_by_text("En attente de la réponse").is_visible()
    context.close()

    partner = in_app(live_app, lambda: db.session.get(GP, partner_id).user.email)
    context, page = phone_page(browser)
    log_in(page, live_server, partner)
    page.goto(f"{live_server.url}/gp/remplacements/{request_id(live_app, shift_id)}")
    page.get_by_role("button", name="J'accepte l'échange").click()
    assert page.get_by_text("en attente de la validation de la coordination").is_visible()
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server, "coordination@demo.test")
    page.goto(f"{live_server.url}/coordination/remplacements")
    page.locator(f"#demande-{request_id(live_app, shift_id)}").get_by_role("button", name="Valider et publier").click()
    assert page.get_by_text("échangent").first.is_visible()
    context.close()
    assert shift_has(live_app, shift_id, partner) and shift_has(live_app, counter_shift, proposer)


def test_absence_declared_on_a_phone_starts_the_replacement_market(browser, live_server, live_app):
    taken = in_app(live_app, lambda: set(db.session.scalars(select(SwapRequest.shift_id))))
    ((shift_id, gp_email, _, day),) = gardes_with_a_taker(live_app, 1, taken)
    context, page = phone_page(browser)
    log_in(page, live_server, gp_email)
    page.get_by_role("link", name="Mes absences").click()
    page.get_by_label("Premier jour d'absence").fill(day)
    page.get_by_label("Dernier jour d'absence").fill(day)
    page.get_by_label("Motif").fill("Formation DPC")
    page.get_by_role("button", name="Enregistrer l'absence").click()
    assert page.get_by_text("proposée(s) à vos confrères").is_visible()
    page.get_by_role("link", name="← Mes gardes").click()
    assert page.locator(f"#garde-{shift_id}").get_by_text("Proposée à vos confrères").is_visible()
    context.close()


def in_app(live_app, read):
    """What `read()` returns, read in the live app's database (its own session, closed after)."""
    with live_app.app_context():
        try:
            return read()
        finally:
            db.session.remove()


def request_id(live_app, shift_id: int) -> int:
    return in_app(
        live_app,
        lambda: db.session.scalar(
            select(SwapRequest.id).where(SwapRequest.shift_id == shift_id).order_by(SwapRequest.id.desc())
        ),
    )


def names(live_app, email: str) -> str:
    return in_app(live_app, lambda: db.session.scalar(select(User.full_name).where(User.email == email)))


def shift_has(live_app, shift_id: int, email: str) -> bool:
    def read() -> bool:
        user = metz_account(email)
        return user.gp.id in eligibility.on_shift(db.session.get(Shift, shift_id))

    return in_app(live_app, read)
