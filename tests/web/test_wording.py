"""The solver's facts in French with names: one sentence per broken rule, pin conflict and diagnosis."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from sched.extensions import db
from sched.models import Assignment, Availability, Period, RosterVersion, Shift, Site
from sched.services import review, scheduling, wording
from sched.services.scheduling import PinConflict, Rule, Violation
from tests.conftest import make_user

PARIS = ZoneInfo("Europe/Paris")
TEST, NORTH = "(Cabinet de garde Test)", "(Cabinet Nord)"
MON_EVENING = f"garde du lundi 4 janvier, 18:00 – 20:00 {TEST}"
MON_MORNING = f"garde du lundi 4 janvier, 09:00 – 11:00 {TEST}"
MON_NORTH = f"garde du lundi 4 janvier, 19:00 – 21:00 {NORTH}"
TUESDAY = f"garde du mardi 5 janvier, 18:00 – 20:00 {TEST}"
SATURDAY = f"garde du samedi 9 janvier, 09:00 – 13:00 {TEST}"


def _shift(period: Period, site: Site, day: int, start: int, end: int) -> Shift:
    d = date(2027, 1, day)
    shift = Shift(
        period=period, site=site, date=d, start_time=time(start), end_time=time(end),
        starts_at=datetime.combine(d, time(start), PARIS), ends_at=datetime.combine(d, time(end), PARIS),
        min_gps=1, target_gps=1,
    )  # fmt: skip
    db.session.add(shift)
    return shift


@pytest.fixture
def world(territory):
    """Alice works only at the test site, Bruno at both; both available everywhere but Tuesday (Bruno)."""
    test = territory.sites[0]
    north = Site(territory=territory, name="Cabinet Nord", address="2 rue Serpenoise", postal_code="57000",
                 city="Metz", phone="+33387000001", rooms=1)  # fmt: skip
    period = Period(territory_id=territory.id, name="janvier 2027", state="review",
                    start_date=date(2027, 1, 1), end_date=date(2027, 1, 31))  # fmt: skip
    db.session.add_all([north, period])
    shifts = {
        "mon_evening": _shift(period, test, 4, 18, 20),
        "mon_morning": _shift(period, test, 4, 9, 11),
        "mon_north": _shift(period, north, 4, 19, 21),
        "tuesday": _shift(period, test, 5, 18, 20),
        "saturday": _shift(period, test, 9, 9, 13),
    }
    alice = make_user(territory, "gp", "alice@test.fr", "10000000008").gp
    bruno = make_user(territory, "gp", "bruno@test.fr", "10000000016").gp
    alice.user.full_name, bruno.user.full_name = "Alice Martin", "Bruno Petit"
    alice.sites, bruno.sites = [test], [test, north]
    db.session.flush()
    for key, shift in shifts.items():
        db.session.add(Availability(gp_id=alice.id, shift_id=shift.id, level="available"))
        if key != "tuesday":
            db.session.add(Availability(gp_id=bruno.id, shift_id=shift.id, level="preferred"))
    db.session.commit()
    return period, shifts, {"alice": alice, "bruno": bruno}


def broken(world, *pairs: tuple[str, str], **limits: int) -> list[str]:
    """The French sentences for a draft holding `pairs` (gp, shift key), Bruno's limits set to `limits`."""
    period, shifts, gps = world
    for name, value in limits.items():
        setattr(gps["bruno"], name, value)
    draft = RosterVersion(period_id=period.id, number=1, source="manual", diagnostics=[])
    draft.assignments = [Assignment(shift_id=shifts[s].id, gp_id=gps[g].id) for g, s in pairs]
    db.session.add(draft)
    db.session.flush()
    return review.check_draft(period, draft)


def test_availability(world):
    assert broken(world, ("bruno", "tuesday")) == [f"Bruno Petit n'est pas disponible pour la {TUESDAY}."]


def test_sites(world):
    assert broken(world, ("alice", "mon_north")) == [f"Alice Martin n'exerce pas au cabinet de la {MON_NORTH}."]


def test_target(world):
    sentences = broken(world, ("alice", "mon_evening"), ("bruno", "mon_evening"))
    assert sentences == [f"La {MON_EVENING} aurait 2 médecins pour 1 au plus."]


def test_overlap(world):
    sentences = broken(world, ("bruno", "mon_evening"), ("bruno", "mon_north"))
    assert sentences == [f"Bruno Petit aurait deux gardes en même temps : {MON_EVENING} et {MON_NORTH}."]


def test_same_day(world):
    sentences = broken(world, ("bruno", "mon_morning"), ("bruno", "mon_evening"))
    assert sentences == [f"Bruno Petit aurait deux gardes le même jour : {MON_MORNING} et {MON_EVENING}."]


def test_max_shifts(world):
    sentences = broken(world, ("bruno", "mon_evening"), ("bruno", "saturday"), max_shifts=1)
    assert sentences == ["Bruno Petit aurait 2 gardes sur la période (maximum 1)."]


def test_max_per_week(world):
    sentences = broken(world, ("bruno", "mon_evening"), ("bruno", "saturday"), max_per_week=1)
    assert sentences == ["Bruno Petit aurait 2 gardes dans la même semaine (maximum 1)."]


def test_max_saturdays(world):
    assert broken(world, ("bruno", "saturday"), max_saturdays=0) == ["Bruno Petit aurait 1 samedis (maximum 0)."]


def keys(world) -> tuple[wording.Names, dict[str, str], dict[str, str]]:
    period, shifts, gps = world
    shift_keys = {k: scheduling.shift_key(s.id) for k, s in shifts.items()}
    return wording.Names(period), shift_keys, {k: scheduling.gp_key(g.id) for k, g in gps.items()}


# A draft's own pins are exported as its problem's pins, and the app never writes an unknown id or a pair twice:
# these three reach the app only from other rosters, so they are worded from the checker's facts directly.
def test_pinned_duplicate_and_unknown_id(world):
    names, s, g = keys(world)
    assert wording.violation_fr(Violation(Rule.PINNED, gp=g["alice"], shift=s["tuesday"]), names) == (
        f"Épingle non tenue : Alice Martin n'est pas sur la {TUESDAY}."
    )
    assert wording.violation_fr(Violation(Rule.DUPLICATE, gp=g["bruno"], shift=s["saturday"]), names) == (
        f"Bruno Petit figure deux fois sur la {SATURDAY}."
    )
    assert wording.violation_fr(Violation(Rule.UNKNOWN_ID, item="{'gp': 'g999'}"), names) == (
        "Une affectation désigne une garde ou un médecin inconnu."
    )


def test_every_rule_has_its_french_sentence():
    from solver.pins import ENGLISH as PIN_RULES

    assert set(wording.VIOLATIONS) == set(Rule)
    assert set(wording.CONFLICTS) == set(PIN_RULES)


def test_pin_conflicts_are_worded_with_names(world):
    names, s, g = keys(world)
    week = PinConflict(Rule.MAX_PER_WEEK, ((g["bruno"], s["mon_evening"]), (g["bruno"], s["tuesday"])), 2, 1)
    assert wording.conflict_fr(week, names) == (
        "Les 2 gardes imposées à Bruno Petit dépassent son maximum de gardes par semaine (1)."
    )
    crowd = PinConflict(Rule.TARGET, ((g["alice"], s["saturday"]), (g["bruno"], s["saturday"])), 2, 1)
    assert wording.conflict_fr(crowd, names) == f"2 médecins sont imposés sur la {SATURDAY}, qui n'en accueille que 1."
    day = PinConflict(Rule.SAME_DAY, ((g["alice"], s["mon_evening"]), (g["alice"], s["mon_morning"])))
    assert wording.conflict_fr(day, names) == (
        f"Deux gardes du même jour sont imposées à Alice Martin : {MON_EVENING} et {MON_MORNING}."
    )


def test_diagnoses_are_worded_from_facts_and_old_rows_read_the_same(world, client, login_as):
    """Rows stored before the solver stopped writing French (with a `message`) are worded from their facts too."""
    from sched.coordination.review import diagnoses

    period, shifts, _ = world
    _, s, g = keys(world)
    version = RosterVersion(period_id=period.id, number=1, source="solver", diagnostics=[
        {"shift": s["saturday"], "missing": 1, "available": [g["alice"], g["bruno"]],
         "blocked_by": {g["alice"]: ["max_saturdays"], g["bruno"]: ["same_day", "pinned_elsewhere"]},
         "fix": {"gp": g["alice"], "limit": "max_saturdays", "raise_to": 1}},
        {"shift": s["tuesday"], "missing": 1, "available": [g["alice"]], "blocked_by": {g["alice"]: []},
         "fix": None, "message": f"1 médecin(s) disponible(s), dont Dr {g['alice']} encore libre(s)."},
        {"shift": s["mon_north"], "missing": 1, "available": [], "blocked_by": {}, "fix": None,
         "message": "Personne n'est disponible pour cette garde."},
    ])  # fmt: skip
    db.session.add(version)
    db.session.commit()
    assert diagnoses(period, version) == {
        shifts["saturday"].id: "2 médecins disponibles, aucun ne peut la prendre : Alice Martin (maximum de "
        "samedis atteint), Bruno Petit (déjà de garde ce jour-là, imposé sur une autre garde). Relever d'une unité "
        "le maximum de samedis pour Alice Martin permettrait de la pourvoir.",
        shifts["tuesday"].id: "1 médecin disponible, dont Alice Martin encore libre.",
        shifts["mon_north"].id: "Personne n'est disponible pour cette garde.",
    }
    login_as("coordinator")
    page = client.get(f"/coordination/periodes/{period.id}/planning").get_data(as_text=True)
    assert "dont Alice Martin encore libre." in page and f"Dr {g['alice']}" not in page
    assert "(s)" not in page and "{" not in page.split("<main")[1]


def test_one_parser_for_solver_keys():
    assert scheduling.parse_key("g12") == 12 and scheduling.parse_key("s345") == 345
    for bad in ("site-3", "gs12", "g", "x1"):
        with pytest.raises(ValueError):
            scheduling.parse_key(bad)
