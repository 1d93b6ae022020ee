"""The replacement market, swaps, absences and escalation: services, race, the GP's pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import GP, Absence, Assignment, OutboxEmail, OutboxSms, RosterVersion, SwapRequest
from sched.services import absences, offers, scheduling, swaps
from sched.services.rosters import published_version
from tests.factories import PASSWORD, run_concurrently
from tests.web.market_support import build_market


@pytest.fixture
def market(territory):
    return build_market(territory)


def on(market, shift) -> set[str]:
    version = published_version(market.period)
    ids = {a.gp_id for a in version.assignments if a.shift_id == shift.id}
    return {market.gps[n].user.email[0] for n in "abcd" if market.gps[n].id in ids}


def mails(kind: str = "garde_market") -> list[str]:
    return sorted(db.session.scalars(select(OutboxEmail.to_addr).where(OutboxEmail.kind == kind)))


def test_an_offer_tells_the_eligible_gps_and_the_first_taker_gets_it_after_approval(market):
    a_shift, gps = market.shift_of("a"), market.gps
    gps["b"].max_shifts = 1  # at their limit: not told
    db.session.commit()
    request = offers.offer(a_shift, gps["a"], "enfant malade", gps["a"].user)
    db.session.commit()
    assert request.state == "open" and mails() == ["c@test.fr", "d@test.fr"]
    body = db.session.scalar(select(OutboxEmail.body_text).where(OutboxEmail.to_addr == "d@test.fr"))
    assert f"/gp/remplacements/{request.id}" in body and "Dr A ne peut plus assurer" in body

    offers.take(request, gps["d"])
    assert request.state == "taken" and request.to_gp_id == gps["d"].id
    assert on(market, a_shift) == {"a"}  # nothing changes before the coordination approves
    with pytest.raises(offers.OfferError, match="Trop tard"):
        offers.take(request, gps["c"])

    offers.approve(request, None)
    db.session.commit()
    assert request.state == "approved" and on(market, a_shift) == {"d"}
    assert published_version(market.period).number == 2 and request.version_id == published_version(market.period).id


def test_a_territory_that_approves_automatically_publishes_on_acceptance(market):
    market.territory.auto_approve_swaps = True
    db.session.commit()
    request = offers.offer(market.shift_of("a"), market.gps["a"], None, None)
    db.session.commit()
    offers.take(request, market.gps["d"])
    assert request.state == "approved" and on(market, market.shift_of("a")) == {"d"}


def test_twelve_gps_taking_one_offer_at_once_exactly_one_wins(app, market, territory):
    """Race: the conditional UPDATE lets one GP through, on SQLite as on PostgreSQL."""
    from tests.web.market_support import add_market_gp

    extra = [add_market_gp(territory, market.site, f"x{i}", f"2000000{i:03d}{(i * 7) % 10}") for i in range(8)]
    db.session.commit()
    request = offers.offer(market.shift_of("a"), market.gps["a"], None, None)
    db.session.commit()
    takers = [g.id for g in [market.gps["b"], market.gps["c"], market.gps["d"], *extra]]
    request_id = request.id
    db.session.remove()
    results: list[str] = []

    def taker(gp_id: int):
        def take() -> None:
            try:
                offers.take(db.session.get(SwapRequest, request_id), db.session.get(GP, gp_id))
                results.append("won")
            except offers.OfferError:
                results.append("late")

        return take

    assert run_concurrently(app, [taker(gp_id) for gp_id in takers]) == []
    assert sorted(results) == ["late"] * (len(takers) - 1) + ["won"]
    request = db.session.get(SwapRequest, request_id)
    assert request.state == "taken" and request.to_gp_id in takers


def test_a_garde_cannot_be_offered_twice_nor_by_someone_not_on_it(market):
    offers.offer(market.shift_of("a"), market.gps["a"], None, None)
    db.session.commit()
    with pytest.raises(offers.OfferError, match="déjà proposée"):
        offers.offer(market.shift_of("a"), market.gps["a"], None, None)
    with pytest.raises(offers.OfferError, match="n'est pas sur"):
        offers.offer(market.shift_of("a"), market.gps["b"], None, None)
    db.session.rollback()
    assert db.session.scalar(select(func.count(SwapRequest.id))) == 1


def test_refused_and_withdrawn_requests_leave_the_planning_alone(market, territory):
    from tests.factories import make_user

    coordinator = make_user(territory, "coordinator")
    request = offers.offer(market.shift_of("a"), market.gps["a"], None, None)
    db.session.commit()
    with pytest.raises(offers.OfferError):
        offers.cancel(request, market.gps["b"])
    offers.take(request, market.gps["d"])
    offers.refuse(request, coordinator)
    db.session.commit()
    assert request.state == "refused" and on(market, market.shift_of("a")) == {"a"}
    again = offers.offer(market.shift_of("a"), market.gps["a"], None, None)  # a refused one is no longer live
    offers.cancel(again, market.gps["a"])
    db.session.commit()
    assert again.state == "cancelled" and published_version(market.period).number == 1


def test_a_swap_needs_the_partner_then_the_coordination_and_makes_one_version(market):
    gps, a_shift, b_shift = market.gps, market.shift_of("a"), market.shift_of("b")
    request = swaps.propose_swap(a_shift, gps["a"], b_shift, gps["b"], "mariage")
    db.session.commit()
    assert mails() == ["b@test.fr"]
    with pytest.raises(offers.OfferError, match="ne vous est pas adressée"):
        swaps.answer_swap(request, gps["c"], True)
    swaps.answer_swap(request, gps["b"], True)
    assert request.state == "taken" and on(market, a_shift) == {"a"}
    offers.approve(request, None)
    db.session.commit()
    assert on(market, a_shift) == {"b"} and on(market, b_shift) == {"a"}
    assert db.session.scalar(select(func.count(RosterVersion.id))) == 2


def test_a_declined_swap_tells_the_proposer(market):
    request = swaps.propose_swap(market.shift_of("a"), market.gps["a"], market.shift_of("b"), market.gps["b"], None)
    db.session.commit()
    swaps.answer_swap(request, market.gps["b"], False)
    assert request.state == "declined" and "a@test.fr" in mails()


def test_a_swap_with_a_gp_who_cannot_work_there_is_refused(market):
    market.gps["b"].sites = []
    db.session.commit()
    with pytest.raises(offers.OfferError, match="n'exerce pas"):
        swaps.propose_swap(market.shift_of("a"), market.gps["a"], market.shift_of("b"), market.gps["b"], None)


def test_an_absence_offers_the_published_gardes_it_hits_and_the_solver_sees_it(market):
    gps, b_shift = market.gps, market.shift_of("b")
    db.session.add(
        Assignment(version=published_version(market.period), shift=market.shift_of("c"), gp=gps["b"])
    )  # b also on day 3 (the « previous » roster)
    db.session.execute(
        scheduling.Availability.__table__.insert(),
        [{"gp_id": gps["b"].id, "shift_id": s.id, "level": "available"} for s in market.shifts],
    )
    db.session.commit()
    absence, opened = absences.add(gps["b"], b_shift.date, b_shift.date, "formation", None, b_shift.date)
    db.session.commit()
    assert [o.shift_id for o in opened] == [b_shift.id] and opened[0].state == "open"
    assert opened[0].reason.startswith("Absence du")
    problem = scheduling.problem_from_db(market.period)
    b = next(g for g in problem["gps"] if g["id"] == scheduling.gp_key(gps["b"].id))
    assert scheduling.shift_key(b_shift.id) not in b["availability"]
    assert scheduling.shift_key(market.shift_of("a").id) in b["availability"]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (None, 0, "premier jour"),
        (0, None, "dernier jour"),
        (2, 1, "premier jour ou après"),
        (-5, -3, "entièrement passée"),
        (0, 400, "un an au plus"),
    ],
)
def test_bad_absences_are_refused_in_french(market, start, end, message):
    today = market.shift_of("a").date
    day = lambda n: None if n is None else today + timedelta(days=n)  # noqa: E731
    with pytest.raises(absences.AbsenceError, match=message):
        absences.add(market.gps["a"], day(start), day(end), None, None, today)
    assert db.session.scalar(select(func.count(Absence.id))) == 0


def test_escalation_72_hours_before_alerts_the_coordination_and_texts_eligible_gps(market):
    market.territory.coordination_email = "coordination@test.fr"
    market.gps["d"].sms_opt_in = True
    db.session.commit()
    a_shift = market.shift_of("a")
    request = offers.offer(a_shift, market.gps["a"], None, None)
    db.session.commit()
    assert request.escalated_at is None and db.session.scalar(select(func.count(OutboxSms.id))) == 0
    assert offers.escalate_due(a_shift.starts_at - timedelta(hours=73)) == 0
    assert offers.escalate_due(a_shift.starts_at - timedelta(hours=71)) == 1
    assert request.escalated_at is not None and "coordination@test.fr" in mails()
    assert list(db.session.scalars(select(OutboxSms.to_phone))) == [market.gps["d"].phone]
    assert offers.escalate_due(a_shift.starts_at - timedelta(hours=70)) == 0  # once
    assert offers.escalate_due(a_shift.starts_at + timedelta(minutes=1)) == 0
    assert db.session.get(SwapRequest, request.id).state == "expired"


# --- the GP's pages ------------------------------------------------------------------------------------------


def login(client, email: str) -> None:
    assert client.post("/connexion", data={"email": email, "password": PASSWORD}).status_code == 302


def test_gp_pages_offer_take_and_follow(app, market):
    a, d = app.test_client(), app.test_client()
    login(a, "a@test.fr")
    home = a.get("/gp/").get_data(as_text=True)
    a_shift = market.shift_of("a")
    assert f"/gp/gardes/{a_shift.id}/proposer" in home and "Je ne peux plus l'assurer" in home
    assert f"/gp/gardes/{a_shift.id}/agenda.ics" in home
    assert "BEGIN:VEVENT" in a.get(f"/gp/gardes/{a_shift.id}/agenda.ics").get_data(as_text=True)
    assert a.get(f"/gp/gardes/{market.shift_of('b').id}/proposer").status_code == 404  # not theirs
    too_long = a.post(f"/gp/gardes/{a_shift.id}/proposer", data={"reason": "x" * 301})
    assert too_long.status_code == 200 and "300 caractères au plus" in too_long.get_data(as_text=True)
    response = a.post(f"/gp/gardes/{a_shift.id}/proposer", data={"reason": "grippe"})
    request = db.session.scalar(select(SwapRequest))
    assert response.headers["Location"].endswith(f"/gp/remplacements/{request.id}")

    login(d, "d@test.fr")
    assert f"/gp/remplacements/{request.id}" in d.get("/gp/").get_data(as_text=True)
    page = d.get(f"/gp/remplacements/{request.id}").get_data(as_text=True)
    assert "Je la prends" in page and "grippe" in page
    d.post(f"/gp/remplacements/{request.id}/prendre")
    db.session.refresh(request)
    assert request.state == "taken" and request.to_gp_id == market.gps["d"].id
    assert "en attente de la validation" in a.get(f"/gp/remplacements/{request.id}").get_data(as_text=True)


def test_gp_absence_page_keeps_what_was_typed_on_error(app, market):
    a = app.test_client()
    login(a, "a@test.fr")
    day = market.shift_of("a").date
    response = a.post("/gp/absences", data={"start": (day + timedelta(days=2)).isoformat(), "end": day.isoformat()})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Le dernier jour doit être le premier jour ou après." in html
    assert f'value="{(day + timedelta(days=2)).isoformat()}"' in html
    response = a.post("/gp/absences", data={"start": day.isoformat(), "end": day.isoformat(), "reason": "congés"})
    assert response.status_code == 302
    assert db.session.scalar(select(SwapRequest.shift_id)) == market.shift_of("a").id


def test_the_swap_page_offers_only_the_swaps_that_can_be_made(app, market):
    from sched.gp.gardes import swap_choices

    a_shift, gps = market.shift_of("a"), market.gps
    before = {value.split(":")[1] for value, _ in swap_choices(a_shift, gps["a"])}
    assert str(gps["b"].id) in before
    gps["b"].sites = []  # b can no longer work at a's cabinet: no swap with b is listed
    db.session.commit()
    after = {value.split(":")[1] for value, _ in swap_choices(a_shift, gps["a"])}
    assert str(gps["b"].id) not in after and after == before - {str(gps["b"].id)}
