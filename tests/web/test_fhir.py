"""The regulators' software reading /fhir/Slot and /fhir/Schedule (the SAS contract: tests/web/test_fhir_sas.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle

from sched.i18n import zone
from sched.models import utcnow
from tests.factories import add_gp, bearer, first_slot_id, publish_day


@pytest.fixture
def day(territory):
    day = utcnow().astimezone(zone()).date() + timedelta(days=1)
    publish_day(territory, day, {territory.sites[0]: [add_gp(territory, "Petit"), add_gp(territory, "Grand")]})
    return day


def search(client, token, query: str) -> Bundle:
    response = client.get(f"/fhir/Slot?{query}", headers=bearer(token))
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    return Bundle.model_validate_json(response.data)


def test_slot_search_is_a_valid_searchset_of_free_and_busy_slots(client, token, day):
    client.post("/api/v1/bookings", json={"slot_id": first_slot_id(), "regulation_ref": "R1"}, headers=bearer(token))
    bundle = search(client, token, f"start=ge{day.isoformat()}&start=lt{(day + timedelta(days=1)).isoformat()}")
    assert bundle.type == "searchset" and bundle.total == 12
    slots = [entry.resource for entry in bundle.entry]
    assert {s.__resource_type__ for s in slots} == {"Slot"}
    assert sorted(s.status for s in slots).count("busy") == 1 and [s.status for s in slots].count("free") == 11
    first = slots[0]
    assert first.start.isoformat() == f"{day.isoformat()}T18:00:00+01:00"
    assert first.end.utcoffset() == timedelta(hours=1)
    assert first.schedule.reference.startswith("Schedule/")
    assert first.comment == f"http://localhost/regulation/creneaux/{first.id}/reserver"


def test_slot_search_range_excludes_other_days(client, token, day):
    other = (day + timedelta(days=1)).isoformat()
    assert search(client, token, f"start=ge{other}&start=lt{(day + timedelta(days=2)).isoformat()}").total == 0
    assert search(client, token, f"start=ge{day.isoformat()}T18:40:00%2B01:00&start=lt{other}").total == 8


def test_slot_search_rejects_bad_parameters(client, token):
    assert client.get("/fhir/Slot?start=tomorrow", headers=bearer(token)).status_code == 400
    too_long = client.get("/fhir/Slot?start=ge2027-01-01&start=lt2027-06-01", headers=bearer(token))
    assert too_long.status_code == 400
    assert "31 jours" in too_long.get_json(force=True)["issue"][0]["diagnostics"]


def test_schedule_per_gp(client, token, day):
    response = client.get("/fhir/Schedule", headers=bearer(token))
    assert response.mimetype == "application/fhir+json"
    bundle = Bundle.model_validate_json(response.data)
    schedules = [entry.resource for entry in bundle.entry]
    assert len(schedules) == 2 and {s.__resource_type__ for s in schedules} == {"Schedule"}
    assert sorted(s.actor[0].display for s in schedules) == ["Dr Médecin Grand", "Dr Médecin Petit"]
    slot_bundle = search(client, token, f"start=ge{day.isoformat()}")
    assert {e.resource.schedule.reference for e in slot_bundle.entry} == {f"Schedule/{s.id}" for s in schedules}


# --- URLs under the configured BASE_URL, never the request's Host ---

FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.mark.parametrize("resource", ["Slot", "Schedule"])
def test_bundle_urls_come_from_base_url_whatever_the_host(app, client, token, day, resource):  # noqa: F811
    app.config["BASE_URL"] = "https://planning.cpts-exemple.fr/"
    query = f"start=ge{day.isoformat()}&start=lt{(day + timedelta(days=1)).isoformat()}"
    response = client.get(f"/fhir/{resource}?{query}", headers={**bearer(token), **FORGED})
    bundle = response.json
    assert bundle["entry"], "the search should find something"
    assert bundle["link"] == [{"relation": "self", "url": f"https://planning.cpts-exemple.fr/fhir/{resource}?{query}"}]
    for entry in bundle["entry"]:
        resource_json = entry["resource"]
        expected = f"https://planning.cpts-exemple.fr/fhir/{resource_json['resourceType']}/{resource_json['id']}"
        assert entry["fullUrl"] == expected
    assert "evil.example" not in response.get_data(as_text=True)
