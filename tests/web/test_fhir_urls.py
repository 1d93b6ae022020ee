"""FHIR Bundles name themselves and their entries under the configured BASE_URL, never the request's Host."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.test_api import bearer
from tests.web.test_fhir import day, token  # noqa: F401 — fixtures

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
