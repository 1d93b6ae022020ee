"""The coordination's pages as a coordinator reads them (issue 20): refusals beside the form, progress and scores
in French, fairness totals, the diagnosis's fix in one click, the audit log in words, the heat map's levels and
names, the directory's invitation states, and the wording (month picker, checkboxes, plurals, the pin icon)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.i18n import date_fr
from sched.models import (
    GP,
    Assignment,
    AuditEvent,
    Availability,
    AvailabilityAnswer,
    OutboxEmail,
    Period,
    RosterVersion,
    SolveRequest,
    utcnow,
)
from sched.services.identity import address_problem
from sched.services.solve_progress import progress_of
from tests.factories import add_period, add_shift, luhn_digit, new_version, numbered_gp, upload

MONDAY = date(2027, 3, 1)


@pytest.fixture
def review_world(territory):
    """A period in review, three evening gardes (min 1, target 2) and two GPs of the test site; a draft version
    where Numéro 1 holds the first garde, the second stays uncovered and the third has one GP."""
    site = territory.sites[0]
    period = add_period(territory, MONDAY, MONDAY + timedelta(days=30), name="mars 2027")
    shifts = [add_shift(period, site, MONDAY + timedelta(days=i), min_gps=1, target_gps=2) for i in range(3)]
    one, two = numbered_gp(territory, 1), numbered_gp(territory, 2)
    two.history_minutes = 600
    db.session.add_all(
        [
            Availability(gp_id=one.id, shift_id=shifts[0].id, level="available"),
            Availability(gp_id=two.id, shift_id=shifts[2].id, level="available"),
        ]
    )
    version = new_version(period, [(shifts[0], one), (shifts[2], two)], source="solver")
    version.score = {"uncovered": 2, "understaffed": 3, "max_load": 0, "load_sq": 0, "unpreferred": 0, "removed": 0}
    db.session.commit()
    return period, shifts, one, two, version


def page_of(client, url: str) -> str:
    return client.get(url).get_data(as_text=True)


# --- the review page ---------------------------------------------------------------------------------------------


def test_refused_change_shows_its_errors_beside_the_form_with_the_choices_kept(client, login_as, review_world):
    period, shifts, one, two, _ = review_world
    db.session.add(AvailabilityAnswer(gp_id=one.id, period_id=period.id, max_shifts=1))
    db.session.commit()
    login_as("coordinator")
    response = client.post(
        f"/coordination/periodes/{period.id}/planning/affecter",
        data={"shift_id": shifts[1].id, "gp_id": one.id, "pin": "y"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    changes = html.index('id="changes"')
    refusal = html.index("Affectation refusée.")
    assert changes < refusal < html.index('id="assign-shift"')  # in the form's section, above its fields
    assert f"{one.name} aurait 2 gardes sur la période (maximum 1)." in html[refusal:]
    assert 'class="flashes"' not in html  # nothing at the top of the page, far from the form
    assert re.search(rf'<option value="{shifts[1].id}" selected>', html)
    assert re.search(rf'<option selected value="{one.id}">|<option value="{one.id}" selected>', html)
    assert re.search(r'id="pin"[^>]*checked|checked[^>]*id="pin"', html)
    assert "Pour passer outre, écrivez ici la raison" in html
    assert f'action="/coordination/periodes/{period.id}/planning/affecter#changes"' in html
    assert db.session.scalar(select(func.count(Assignment.id)).where(Assignment.shift_id == shifts[1].id)) == 0


def test_the_header_counts_gardes_and_follows_a_manual_fix(client, login_as, review_world):
    period, shifts, one, _, _ = review_world
    login_as("coordinator")
    html = page_of(client, f"/coordination/periodes/{period.id}/planning")
    header = html[html.index('class="version-line"') :][:600]
    assert "1 garde non pourvue" in header and "pondérées" not in html
    assert "4 médecins manquants pour atteindre les cibles" in header
    db.session.add(Availability(gp_id=one.id, shift_id=shifts[1].id, level="available"))
    db.session.commit()
    client.post(
        f"/coordination/periodes/{period.id}/planning/affecter", data={"shift_id": shifts[1].id, "gp_id": one.id}
    )
    html = page_of(client, f"/coordination/periodes/{period.id}/planning")
    header = html[html.index('class="version-line"') :][:600]
    assert "toutes les gardes pourvues" in header and "non pourvue" not in header


def test_fairness_has_totals_an_explained_order_and_sort_buttons(client, login_as, review_world):
    period, _, one, two, _ = review_world
    login_as("coordinator")
    html = page_of(client, f"/coordination/periodes/{period.id}/planning")
    table = html[html.index('class="table stack fairness"') :]
    assert "data-sortable" in table[:80] and 'data-sort="load"' in table and "coordination.js" in html
    assert "la plus lourde en premier" in html
    # Numéro 2 has 10 h of history: heavier than Numéro 1, listed first.
    assert table.index(two.name) < table.index(one.name)
    footer = table[table.index("<tfoot>") : table.index("</tfoot>")]
    assert "Total (2 médecins)" in footer and ">2<" in footer and "14 h" in footer  # 2 gardes, 4 h + 10 h


def test_the_pin_is_an_svg_icon_and_the_buttons_say_what_they_do(client, login_as, review_world):
    period, shifts, one, _, _ = review_world
    login_as("coordinator")
    response = client.post(
        f"/coordination/periodes/{period.id}/planning/epingler",
        data={"shift_id": shifts[0].id, "gp_id": one.id},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert f"Affectation de {one.name} épinglée" in html
    cell = html[html.index(f'id="shift-{shifts[0].id}"') :][:1500]
    assert '<svg class="icon icon-pin"' in cell and "📌" not in html and "style=" not in cell
    assert "Épingler : une nouvelle optimisation gardera ce médecin sur cette garde" in html
    assert "(e)" not in html and "(s)" not in html


def test_the_diagnosis_fix_applies_in_one_click(client, login_as, review_world):
    period, shifts, one, _, version = review_world
    db.session.add(Availability(gp_id=one.id, shift_id=shifts[1].id, level="available"))
    db.session.add(AvailabilityAnswer(gp_id=one.id, period_id=period.id, max_shifts=1))
    version.diagnostics = [
        {"shift": f"s{shifts[1].id}", "missing": 1, "available": [f"g{one.id}"],
         "blocked_by": {f"g{one.id}": ["max_shifts"]},
         "fix": {"gp": f"g{one.id}", "limit": "max_shifts", "raise_to": 2}}
    ]  # fmt: skip
    db.session.commit()
    login_as("coordinator")
    html = page_of(client, f"/coordination/periodes/{period.id}/planning")
    cell = html[html.index(f'id="shift-{shifts[1].id}"') :][:2500]
    assert "1 médecin disponible, qui ne peut la prendre" in cell and "{'" not in cell and "max_shifts :" not in cell
    button = f"Relever le maximum de gardes sur la période de {one.name} à 2 et lui confier cette garde"
    assert button in cell
    response = client.post(
        f"/coordination/periodes/{period.id}/planning/suggestion",
        data={"shift_id": shifts[1].id, "gp_id": one.id, "limit": "max_shifts", "raise_to": 2},
        follow_redirects=True,
    )
    assert f"{one.name} est maintenant sur la garde du" in response.get_data(as_text=True)
    answer = db.session.scalar(select(AvailabilityAnswer).where(AvailabilityAnswer.gp_id == one.id))
    assert answer.max_shifts == 2
    assert (shifts[1].id, one.id) in {(a.shift_id, a.gp_id) for a in version.assignments}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "answer.limit")) is not None


def test_a_stale_fix_is_refused_and_writes_nothing(client, login_as, review_world):
    period, shifts, one, _, version = review_world
    db.session.add(AvailabilityAnswer(gp_id=one.id, period_id=period.id, max_shifts=3))
    db.session.commit()
    login_as("coordinator")
    response = client.post(
        f"/coordination/periodes/{period.id}/planning/suggestion",
        data={"shift_id": shifts[1].id, "gp_id": one.id, "limit": "max_shifts", "raise_to": 2},
        follow_redirects=True,
    )
    assert "la suggestion n&#39;est plus à jour" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(AvailabilityAnswer.max_shifts)) == 3
    assert len(db.session.get(RosterVersion, version.id).assignments) == 2


# --- the solve request page --------------------------------------------------------------------------------------


def solve_request(period: Period, state: str, rows: list[dict]) -> SolveRequest:
    request = SolveRequest(period_id=period.id, state=state, time_limit_s=60, progress=rows, started_at=utcnow())
    db.session.add(request)
    db.session.commit()
    return request


RUNNING_ROWS = [
    {"stage": "uncovered+removed+understaffed", "objective": None, "bound": 0, "elapsed": 0.3, "message": "LP bound"},
    {"stage": "uncovered+removed+understaffed", "objective": 884129, "bound": 0, "elapsed": 0.9, "message": ""},
    {"stage": "uncovered+removed+understaffed", "objective": 12, "bound": 12, "elapsed": 1.4, "message": "proven"},
    {"stage": "max_load", "objective": 900, "bound": 480, "elapsed": 2.2, "message": ""},
]


def test_progress_while_running_is_in_french_without_internal_names(client, login_as, review_world):
    period = review_world[0]
    request = solve_request(period, "running", RUNNING_ROWS)
    login_as("coordinator")
    html = page_of(client, f"/coordination/optimisations/{request.id}")
    assert '<meta http-equiv="refresh"' in html and "<progress" in html
    assert "Pourvoir les gardes" in html and "meilleur résultat possible prouvé" in html
    assert re.search(r'aria-current="step">\s*<p><strong>Alléger le médecin le plus chargé', html)
    assert 'Répartir la charge et respecter les préférences</strong> — <span class="stage-state">à venir' in html
    for internal in ("uncovered", "understaffed", "load_sq", "unpreferred", "max_load", "884129", "LP bound"):
        assert internal not in html


def test_progress_of_marks_finished_stages(review_world):
    period = review_world[0]
    done = progress_of(solve_request(period, "done", [*RUNNING_ROWS, {"stage": "load_sq+unpreferred",
                       "objective": 5, "bound": 5, "elapsed": 4.0, "message": "proven"}]))  # fmt: skip
    assert [s.state for s in done.stages] == ["proven", "done", "proven"]
    assert done.stages[0].found == 2 and done.current is None


def test_a_finished_solve_says_how_many_gardes_stay_uncovered(client, login_as, review_world):
    period, _, _, _, version = review_world
    request = solve_request(period, "done", RUNNING_ROWS)
    request.version_id = version.id
    db.session.commit()
    login_as("coordinator")
    html = page_of(client, f"/coordination/optimisations/{request.id}")
    assert "<strong>1 garde non pourvue</strong>" in html and "pondérées" not in html
    assert "en cours" not in html


# --- the audit log -----------------------------------------------------------------------------------------------


def test_audit_log_in_plain_french_with_filters_and_csv(client, login_as, review_world):
    period, shifts, one, _, _ = review_world
    coordinator = login_as("coordinator")
    db.session.add(Availability(gp_id=one.id, shift_id=shifts[1].id, level="available"))
    db.session.commit()
    client.post(
        f"/coordination/periodes/{period.id}/planning/affecter", data={"shift_id": shifts[1].id, "gp_id": one.id}
    )
    client.post(
        f"/coordination/periodes/{period.id}/planning/epingler", data={"shift_id": shifts[1].id, "gp_id": one.id}
    )
    html = page_of(client, "/coordination/journal")
    assert "Médecin affecté" in html and f"{one.name} sur la garde du mardi 2 mars 2027" in html
    table = html[html.index('class="table stack audit"') :]
    for raw in ("roster.assign", "roster_version", "shift =", "gp =", "user.login", "{"):
        assert raw not in table
    assert "Connexion de" not in html and "(connexions masquées)" in html
    assert f"Connexion de {coordinator.full_name}" in page_of(client, "/coordination/journal?logins=y")
    only = page_of(client, "/coordination/journal?action=roster.pin")
    only = only[only.index('class="table stack audit"') :]
    assert f"{one.name} sur la garde du mardi 2 mars 2027, 18:00 – 20:00 (Cabinet de garde Test) : épinglée." in only
    assert "Médecin affecté" not in only
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert "Aucune modification ne correspond" in page_of(client, f"/coordination/journal?start={tomorrow}")
    assert "Médecin affecté" in page_of(client, f"/coordination/journal?actor_id={coordinator.id}")
    csv = client.get("/coordination/journal.csv?action=roster.assign")
    text = csv.get_data().decode("utf-8")
    assert csv.mimetype == "text/csv" and text.startswith("\ufeffdate;qui;action;détails")
    assert "Médecin affecté" in text and "Épingle" not in text


# --- the heat map ------------------------------------------------------------------------------------------------


def test_heat_map_three_levels_with_the_names(client, login_as, review_world):
    period, shifts, one, two, _ = review_world
    db.session.add(Availability(gp_id=one.id, shift_id=shifts[2].id, level="preferred"))
    db.session.commit()
    login_as("coordinator")
    html = page_of(client, f"/coordination/periodes/{period.id}/carte")
    cells = [html[html.index(date_fr(s.date, year=False)) :] for s in shifts]
    assert re.search(r'class="heat mid">\s*<p class="heat-count">18:00 : <strong>1</strong> disponible ', cells[0])
    assert f"Disponibles : {one.name}." in cells[0][:800]
    assert re.search(r'class="heat low">\s*<p class="heat-count">18:00 : <strong>0</strong>', cells[1])
    assert "Personne." in cells[1][:800]
    assert re.search(r'class="heat good">', cells[2][:400]) and f"Préfèrent : {one.name}." in cells[2][:1200]
    assert f"Disponibles : {two.name}." in cells[2][:1200]
    legend = html[html.index('class="heat-legend"') : html.index("</ul>", html.index('class="heat-legend"'))]
    assert all(word in legend for word in ("Sous le minimum", "Sous la cible", "Cible atteinte"))


# --- wording and forms -------------------------------------------------------------------------------------------


def test_month_picker_accepts_mars_2027(client, login_as, territory):
    login_as("coordinator")
    form = page_of(client, "/coordination/periodes/nouvelle")
    assert re.search(r'<input[^>]*id="start"[^>]*type="month"|<input[^>]*type="month"[^>]*id="start"', form)
    response = client.post("/coordination/periodes/nouvelle", data={"kind": "month", "start": "mars 2027"})
    assert response.status_code == 302
    period = db.session.scalar(select(Period))
    assert period.name == "mars 2027" and period.start_date == date(2027, 3, 1)
    client.post("/coordination/periodes/nouvelle", data={"kind": "quarter", "start": "04/2027"})
    assert db.session.scalar(select(Period).where(Period.start_date == date(2027, 4, 1))).end_date == date(2027, 6, 30)


def test_sites_and_weekdays_are_checkboxes(client, login_as, territory):
    login_as("coordinator")
    directory = page_of(client, "/coordination/medecins")
    assert re.search(r'<input[^>]*name="site_ids"[^>]*type="checkbox"', directory)
    assert "<select multiple" not in directory
    assert re.search(
        r'<fieldset class="field checkboxes" id="site_ids">\s*<legend>Cabinets de garde</legend>', directory
    )
    site = page_of(client, f"/coordination/cabinets/{territory.sites[0].id}")
    assert re.search(r'<input[^>]*name="weekdays"[^>]*type="checkbox"', site) and "<select multiple" not in site
    # A refused form keeps the boxes ticked and says what is missing beside the group.
    refused = client.post(
        "/coordination/medecins/inviter",
        data={**INVITE, "email": "jean.martin@exemple", "site_ids": [territory.sites[0].id]},
    ).get_data(as_text=True)
    assert re.search(
        rf'<input checked id="site_ids-0" name="site_ids" type="checkbox" value="{territory.sites[0].id}">', refused
    )
    no_day = client.post(
        f"/coordination/cabinets/{territory.sites[0].id}/modeles",
        data={"label": "Soir", "start_time": "18:00", "end_time": "20:00", "min_gps": 1, "target_gps": 1,
              "priority": 1, "slot_minutes": 20},
    )  # fmt: skip
    assert no_day.status_code == 422 and "Cochez au moins un jour." in no_day.get_data(as_text=True)


# --- the directory -----------------------------------------------------------------------------------------------

RPPS = "1000000099" + str(luhn_digit("1000000099"))
INVITE = {"last_name": "Martin", "first_name": "Jean", "rpps": RPPS, "phone": "06 12 34 56 78"}


def test_an_invited_gp_is_invite_until_they_accept(client, login_as, territory):
    login_as("coordinator")
    response = client.post(
        "/coordination/medecins/inviter",
        data={**INVITE, "email": "jean.martin@exemple.fr", "site_ids": [territory.sites[0].id]},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Jean Martin est invité : l&#39;invitation part par e-mail" in html
    row = html[html.index("Jean Martin</td>") :][:1500]
    assert "invité" in row and ">actif<" not in row and "Invitation en attente d'envoi" in row
    gp = db.session.scalar(select(GP))
    assert [s.id for s in gp.sites] == [territory.sites[0].id]
    message = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "invitation"))
    message.sent_at = utcnow()
    db.session.commit()
    assert "Invitation envoyée le" in page_of(client, "/coordination/medecins")
    message.sent_at, message.failed_at = None, utcnow()
    message.last_error = "SMTPRecipientsRefused: {'jean.martin@exemple.fr': (550, b'No such user')}"
    db.session.commit()
    html = page_of(client, "/coordination/medecins")
    assert "Invitation non envoyée : le serveur de messagerie refuse cette adresse." in html
    assert "Invitation envoyée" not in html and "SMTPRecipientsRefused" not in html
    gp.user.password_hash = "set"
    db.session.commit()
    assert ">actif<" in page_of(client, "/coordination/medecins")


def test_an_address_without_a_dot_in_its_domain_is_refused_everywhere(client, login_as, territory):
    assert address_problem("jean.martin@exemple") is not None
    assert address_problem("jean.martin@exemple.fr") is None
    login_as("coordinator")
    response = client.post("/coordination/medecins/inviter", data={**INVITE, "email": "jean.martin@exemple"})
    assert response.status_code == 422 and "Adresse e-mail invalide." in response.get_data(as_text=True)
    preview = upload(
        client,
        f"nom;prénom;rpps;e-mail;téléphone;sites\nMartin;Jean;{RPPS};jean.martin@exemple;0612345678;\n",
    ).get_data(as_text=True)
    assert "adresse e-mail invalide : « jean.martin@exemple »" in preview
    assert db.session.scalar(select(func.count(GP.id))) == 0


def test_an_import_without_a_file_says_so(client, login_as, territory):
    login_as("coordinator")
    response = client.post("/coordination/medecins/import", data={}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choisissez le fichier CSV à vérifier." in html
    assert "Colonnes manquantes" not in html
    empty = upload(client, "").get_data(as_text=True)
    assert "Choisissez le fichier CSV à vérifier." in empty or "Ce fichier est vide" in empty
    assert "Colonnes manquantes" not in empty


def test_gp_toggle_and_import_messages_have_no_bracketed_plurals(client, login_as, territory):
    login_as("coordinator")
    gp = numbered_gp(territory, 7)
    html = client.post(f"/coordination/medecins/{gp.id}/activation", follow_redirects=True).get_data(as_text=True)
    assert f"Le compte de {gp.name} est désactivé" in html and "(e)" not in html
