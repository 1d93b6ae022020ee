"""The SAS « gestionnaire d'agenda CPTS » contract (docs/sas.md): a test plays the SAS consumer.

Every resource is validated twice: by the fhir.resources models (base FHIR validity, R4B models: the resources
used here are unchanged from R4) and by the profile-rule checker below, one rule per profile constraint of the
ANS guide. Each rule has a test that breaks it on purpose and sees the checker refuse the resource.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import delete, select

from sched.extensions import db
from sched.fhir import profiles as P
from sched.i18n import zone
from sched.models import ConsultationSlot, Territory, User, UserRole, utcnow
from tests.factories import add_gp, add_site, bearer, publish_day, second_site

FINESS = "570004127"

# The guide's own strings, written out here rather than imported, so that a wrong constant in sched/fhir/profiles.py
# fails these tests (files of ansforge/IG-fhir-service-acces-aux-soins, input/fsh/).
IG = "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/"
SLOT_PROFILE = IG + "sas-cpts-slot-aggregator"  # profiles/CPTS/FrSlotAgregateurCPTS.fsh
SCHEDULE_PROFILE = IG + "sas-schedule-aggregator"  # profiles/FrScheduleAgregateur.fsh
PRACTITIONER_PROFILE = IG + "sas-practitioner-aggregator"  # profiles/FrPractitionerAgregateur.fsh
HEALTHCARE_SERVICE_PROFILE = IG + "sas-cpts-healthcareservice-aggregator"  # profiles/CPTS/FrHealthcareService…
ORGANIZATION_PROFILE = IG + "sas-cpts-organization-aggregator"  # profiles/CPTS/FrOrganizationAgregateurCPTS.fsh
TYPE_CRENEAU = "https://mos.esante.gouv.fr/NOS/TRE_R314-TypeCreneau/FHIR/TRE-R314-TypeCreneau"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CATEGORIE_ETABLISSEMENT = (
    "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"
)
SERVICE_TYPE_EXTENSION = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Slot.serviceType"  # $servicetype-r5
SPECIALITE_ORDINALE = "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale"
APPOINTMENT_REASON = "http://terminology.hl7.org/CodeSystem/v2-0276"
RPPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
FINESS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
FR_V2_0203 = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203"
FR_LOCATION_IDENTIFIER_TYPE = "http://interopsante.org/fhir/CodeSystem/fr-location-identifier-type"


# --- the profile-rule checker -------------------------------------------------------------------------------------


def codings(concept: dict | None) -> list[tuple[str, str]]:
    return [(c.get("system"), c.get("code")) for c in (concept or {}).get("coding", [])]


def has_profile(resource: dict, url: str) -> bool:
    return url in resource.get("meta", {}).get("profile", [])


def slot_security(r: dict) -> bool:
    labels = [(c.get("system"), c.get("code")) for c in r.get("meta", {}).get("security", [])]
    allowed = {(TYPE_CRENEAU, code) for code in ("PUBLIC", "SNP", "PRO", "CPTS")}
    return bool(labels) and set(labels) <= allowed and {(TYPE_CRENEAU, "CPTS"), (TYPE_CRENEAU, "SNP")} <= set(labels)


def consultation_types(r: dict) -> list[dict]:
    return [st for st in r.get("serviceType", []) if any(s == ACT_CODE for s, _ in codings(st))]


def cpts_entries(r: dict) -> list[dict]:
    return [st for st in r.get("serviceType", []) if (CATEGORIE_ETABLISSEMENT, "604") in codings(st)]


def slot_consultation_type(r: dict) -> bool:
    types = consultation_types(r)
    return (
        bool(types)
        and all(code in ("AMB", "HH", "VR") for st in types for _, code in codings(st))
        and not any(st.get("extension") for st in types)
    )


def slot_cpts_reference(r: dict) -> bool:
    entries = cpts_entries(r)
    return bool(entries) and all(
        len(st.get("extension", [])) == 1
        and st["extension"][0]["url"] == SERVICE_TYPE_EXTENSION
        and re.fullmatch(r"HealthcareService/\d+", st["extension"][0].get("valueReference", {}).get("reference", ""))
        for st in entries
    )


def offset_instant(value: str | None) -> bool:
    return bool(value) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value) is not None


def practitioner_identifier(r: dict) -> bool:
    ids = r.get("identifier", [])
    return bool(ids) and all(
        i.get("system") == RPPS_SYSTEM
        and codings(i.get("type")) == [(FR_V2_0203, "IDNPS")]
        and re.fullmatch(r"8\d{11}", i.get("value", ""))
        for i in ids
    )


def organization_identifier(r: dict) -> bool:
    ids = r.get("identifier", [])
    return (
        len(ids) == 1
        and ids[0].get("system") == FINESS_SYSTEM
        and re.fullmatch(r"^1[0-9]{9}$", ids[0].get("value", "")) is not None
        and codings(ids[0].get("type")) in ([], [(FR_LOCATION_IDENTIFIER_TYPE, "IDNST")])
    )


# (resource type, rule name) → the check; each is one constraint of the guide's FSH (docs/sas.md cites them).
RULES: dict[tuple[str, str], Callable[[dict], bool]] = {
    ("Slot", "meta.profile"): lambda r: has_profile(r, SLOT_PROFILE),
    ("Slot", "meta.security"): slot_security,
    ("Slot", "serviceType:TypeConsultation"): slot_consultation_type,
    ("Slot", "serviceType:referencecpts"): slot_cpts_reference,
    ("Slot", "specialty"): lambda r: any((SPECIALITE_ORDINALE, "SM54") in codings(s) for s in r.get("specialty", [])),
    ("Slot", "appointmentType"): lambda r: (
        bool(codings(r.get("appointmentType")))
        and all(
            c in ((APPOINTMENT_REASON, "ROUTINE"), (APPOINTMENT_REASON, "WALKIN"))
            for c in codings(r.get("appointmentType"))
        )
    ),
    ("Slot", "schedule"): lambda r: (
        re.fullmatch(r"Schedule/\d+", r.get("schedule", {}).get("reference", "")) is not None
    ),
    ("Slot", "status"): lambda r: r.get("status") == "free",
    ("Slot", "start-end"): lambda r: offset_instant(r.get("start")) and offset_instant(r.get("end")),
    ("Slot", "comment"): lambda r: (
        re.fullmatch(r"https?://[^\s]+/regulation/creneaux/\d+/reserver", r.get("comment", "")) is not None
    ),
    ("Schedule", "meta.profile"): lambda r: has_profile(r, SCHEDULE_PROFILE),
    ("Schedule", "actor"): lambda r: (
        bool(r.get("actor"))
        and all(re.fullmatch(r"(Practitioner|PractitionerRole)/\d+", a.get("reference", "")) for a in r["actor"])
    ),
    ("Practitioner", "meta.profile"): lambda r: has_profile(r, PRACTITIONER_PROFILE),
    ("Practitioner", "identifier"): practitioner_identifier,
    ("Practitioner", "name"): lambda r: any(n.get("family") and n.get("given") for n in r.get("name", [])),
    ("HealthcareService", "meta.profile"): lambda r: has_profile(r, HEALTHCARE_SERVICE_PROFILE),
    ("HealthcareService", "id"): lambda r: bool(r.get("id")),
    ("HealthcareService", "providedBy"): lambda r: (
        re.fullmatch(r"Organization/\d+", r.get("providedBy", {}).get("reference", "")) is not None
    ),
    ("Organization", "meta.profile"): lambda r: has_profile(r, ORGANIZATION_PROFILE),
    ("Organization", "identifier"): organization_identifier,
    ("Organization", "name"): lambda r: bool(r.get("name")),
}


def profile_problems(resource: dict) -> list[str]:
    """The rules of its profile this resource breaks (an empty list: it conforms)."""
    kind = resource["resourceType"]
    return [f"{kind}.{name}" for (k, name), check in RULES.items() if k == kind and not check(resource)]


def valid_r4(resource: dict):
    """Base FHIR validity: the resource parses into its model (a wrong type, field or code raises)."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def assert_conforms(resource: dict) -> None:
    valid_r4(resource)
    assert profile_problems(resource) == [], resource


# --- one rule broken at a time: the checker refuses it ----------------------------------------------------------------

START = datetime(2027, 1, 4, 18, 0, tzinfo=ZoneInfo("Europe/Paris"))
SLOT = P.SlotData(
    12, 3, 7, START, START + timedelta(minutes=20), True, False, True,
    "https://planning.cpts.fr/regulation/creneaux/12/reserver",
)  # fmt: skip
GP = P.GPData(7, "Claire Martin", "10003456789")
SITE = P.SiteData(3, "Cabinet de garde Test", "1 place d'Armes", "57000", "Metz", "+33387000000", True)
TERRITORY = P.TerritoryData(1, "CPTS Test", FINESS, "coordination@test.fr")
BUILT = {
    "Slot": lambda: P.slot_resource(SLOT),
    "Schedule": lambda: P.schedule_resource(GP),
    "Practitioner": lambda: P.practitioner_resource(GP),
    "HealthcareService": lambda: P.healthcare_service_resource(SITE, 1),
    "Organization": lambda: P.organization_resource(TERRITORY),
}


def drop(*path: str) -> Callable[[dict], None]:
    def breaker(r: dict) -> None:
        target = r
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return breaker


def setter(value, *path) -> Callable[[dict], None]:
    def breaker(r: dict) -> None:
        target = r
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return breaker


BREAKERS: dict[tuple[str, str], Callable[[dict], None]] = {
    ("Slot", "meta.profile"): drop("meta", "profile"),
    ("Slot", "meta.security"): lambda r: r["meta"]["security"].pop(1),  # SNP gone
    ("Slot", "serviceType:TypeConsultation"): lambda r: r["serviceType"].pop(0),
    ("Slot", "serviceType:referencecpts"): drop("serviceType", 1, "extension"),
    ("Slot", "specialty"): setter([{"coding": [{"system": SPECIALITE_ORDINALE, "code": "SM26"}]}], "specialty"),
    ("Slot", "appointmentType"): setter(
        {"coding": [{"system": APPOINTMENT_REASON, "code": "CHECKUP"}]}, "appointmentType"
    ),
    ("Slot", "schedule"): setter({"reference": "Location/3"}, "schedule"),
    ("Slot", "status"): setter("busy", "status"),
    ("Slot", "start-end"): setter("2027-01-04T18:20:00", "end"),
    ("Slot", "comment"): setter("Dr Claire Martin", "comment"),
    ("Schedule", "meta.profile"): drop("meta", "profile"),
    ("Schedule", "actor"): setter([{"reference": "Location/3"}], "actor"),
    ("Practitioner", "meta.profile"): drop("meta", "profile"),
    ("Practitioner", "identifier"): setter("10003456789", "identifier", 0, "value"),  # the RPPS without its 8
    ("Practitioner", "name"): drop("name", 0, "given"),
    ("HealthcareService", "meta.profile"): drop("meta", "profile"),
    ("HealthcareService", "id"): drop("id"),
    ("HealthcareService", "providedBy"): drop("providedBy"),
    ("Organization", "meta.profile"): drop("meta", "profile"),
    ("Organization", "identifier"): setter(FINESS, "identifier", 0, "value"),  # the FINESS without its 1
    ("Organization", "name"): drop("name"),
}


def test_every_rule_has_a_breaker():
    assert set(BREAKERS) == set(RULES)


@pytest.mark.parametrize("kind", sorted(BUILT))
def test_built_resources_conform(kind):
    assert_conforms(BUILT[kind]())


@pytest.mark.parametrize("rule", sorted(RULES), ids=lambda rule: ".".join(rule))
def test_a_broken_rule_is_refused(rule):
    resource = BUILT[rule[0]]()
    BREAKERS[rule](resource)
    assert f"{rule[0]}.{rule[1]}" in profile_problems(resource)


def test_security_labels_follow_the_site_choice():
    codes = [c["code"] for c in P.slot_resource(SLOT)["meta"]["security"]]
    assert codes == ["CPTS", "SNP", "PRO"]
    closed = P.slot_resource(P.SlotData(**{**SLOT.__dict__, "pro": False}))
    assert [c["code"] for c in closed["meta"]["security"]] == ["CPTS", "SNP"]


def test_organization_without_finess_breaks_its_rule():
    resource = P.organization_resource(P.TerritoryData(1, "CPTS Test", None, None))
    assert profile_problems(resource) == ["Organization.identifier"]


# --- the SAS consumer, on a published day --------------------------------------------------------------------------


@pytest.fixture
def sas(territory, token):
    """Tomorrow: Claire Martin and Paul Durand at the first site, Anne Petit at the second; one créneau booked."""
    territory.finess = FINESS
    test_site = territory.sites[0]
    north = second_site(territory)
    north.sas_public = True
    martin, durand, petit = (add_gp(territory, name) for name in ("Claire Martin", "Paul Durand", "Anne Petit"))
    for gp, name in ((martin, "Claire Martin"), (durand, "Paul Durand"), (petit, "Anne Petit")):
        gp.user.full_name = name
    day = utcnow().astimezone(zone()).date() + timedelta(days=1)
    publish_day(territory, day, {test_site: [martin, durand], north: [petit]})
    first = slots_of(martin)[0]
    return {"day": day, "martin": martin, "petit": petit, "site": test_site, "north": north, "booked": first}


def slots_of(gp) -> list[int]:
    query = select(ConsultationSlot.id).where(ConsultationSlot.gp_id == gp.id).order_by(ConsultationSlot.starts_at)
    return list(db.session.scalars(query))


def example_query(day: date, rpps: str | None, encode_plus: bool = True) -> str:
    """The guide's example request (example-bundlecpts2.fsh), on `day` from 18:00 to 20:00 local time."""
    plus = "%2B" if encode_plus else "+"
    query = (
        f"_include=Slot:schedule&_include:iterate=Schedule:actor"
        f"&start=ge{day.isoformat()}T18:00:00.000{plus}01:00&start=le{day.isoformat()}T20:00:00.000{plus}01:00"
    )
    if rpps:
        query += f"&schedule.actor:Practitioner.identifier={quote(RPPS_SYSTEM)}|8{rpps}"
    return query + "&status=free&_include=Slot:service-type-reference"


def get(client, token: str | None, path: str, **headers):
    return client.get(path, headers={**(bearer(token) if token else {}), **headers})


def fhir_json(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    return response.get_json(force=True)


def check_searchset(client, token, bundle: dict) -> None:
    """The bundle whole: searchset, total = matches, every resource once, valid, conforming, read back alike."""
    valid_r4(bundle)
    assert bundle["type"] == "searchset" and len(bundle["link"]) == 1 and bundle["link"][0]["relation"] == "self"
    modes = [e["search"]["mode"] for e in bundle["entry"]]
    assert bundle["total"] == modes.count("match")
    assert modes == sorted(modes, key=["match", "include"].index), "matches first, then includes"
    keys = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"]]
    assert len(keys) == len(set(keys)), "each resource once"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"http://localhost/fhir/{resource['resourceType']}/{resource['id']}"
        assert_conforms(resource)
        read = fhir_json(get(client, token, entry["fullUrl"].removeprefix("http://localhost")))
        assert read == resource


@pytest.mark.parametrize("encode_plus", [True, False], ids=["offset-encoded", "offset-plus-as-sent"])
def test_the_guide_example_query_for_one_practitioner(client, token, booked, encode_plus):
    sas = booked
    bundle = fhir_json(get(client, token, "/fhir/Slot?" + example_query(sas["day"], sas["martin"].rpps, encode_plus)))
    check_searchset(client, token, bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Slot") == 5  # six créneaux of 20 min from 18:00, the first booked
    assert {k: kinds.count(k) for k in set(kinds) - {"Slot"}} == {
        "Schedule": 1, "Practitioner": 1, "HealthcareService": 1, "Organization": 1,
    }  # fmt: skip
    slots = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Slot"]
    assert {s["schedule"]["reference"] for s in slots} == {f"Schedule/{sas['martin'].id}"}
    assert str(sas["booked"]) not in {s["id"] for s in slots}
    assert slots[0]["start"] == f"{sas['day'].isoformat()}T18:20:00+01:00"
    assert slots[0]["comment"] == f"http://localhost/regulation/creneaux/{slots[0]['id']}/reserver"
    practitioner = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner")
    assert practitioner["identifier"][0]["value"] == "8" + sas["martin"].rpps
    assert practitioner["name"][0]["family"] == "Martin" and practitioner["name"][0]["given"] == ["Claire"]
    organization = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Organization")
    assert organization["identifier"][0]["value"] == "1" + FINESS


@pytest.fixture
def booked(client, token, sas):
    response = client.post(
        "/api/v1/bookings", json={"slot_id": sas["booked"], "regulation_ref": "R1"}, headers=bearer(token)
    )
    assert response.status_code == 201
    return sas


def test_the_guide_example_query_for_the_territory(client, token, booked):
    sas = booked
    bundle = fhir_json(get(client, token, "/fhir/Slot?" + example_query(sas["day"], None)))
    check_searchset(client, token, bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Slot") == 3 * 6 - 1  # three GPs, six créneaux each, one booked
    assert kinds.count("Schedule") == kinds.count("Practitioner") == 3
    assert kinds.count("HealthcareService") == 2 and kinds.count("Organization") == 1
    labels = {
        e["resource"]["serviceType"][1]["extension"][0]["valueReference"]["reference"]: [
            c["code"] for c in e["resource"]["meta"]["security"]
        ]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Slot"
    }
    assert labels == {f"HealthcareService/{sas['north'].id}": ["CPTS", "SNP", "PUBLIC"],
                      f"HealthcareService/{sas['site'].id}": ["CPTS", "SNP"]}  # fmt: skip


def test_booked_slot_reads_busy_and_leaves_the_free_search(client, token, booked):
    slot = fhir_json(get(client, token, f"/fhir/Slot/{booked['booked']}"))
    assert slot["status"] == "busy" and profile_problems(slot) == ["Slot.status"]
    day = booked["day"].isoformat()
    busy = fhir_json(get(client, token, f"/fhir/Slot?start=ge{day}&status=busy"))
    assert [e["resource"]["id"] for e in busy["entry"]] == [str(booked["booked"])]


def test_past_slots_are_not_free(client, token, territory):
    yesterday = utcnow().astimezone(zone()).date() - timedelta(days=1)
    publish_day(territory, yesterday, {territory.sites[0]: [add_gp(territory, "Hier")]})
    day = yesterday.isoformat()
    assert fhir_json(get(client, token, f"/fhir/Slot?start=ge{day}&status=free"))["total"] == 0
    everything = fhir_json(get(client, token, f"/fhir/Slot?start=ge{day}"))
    assert everything["total"] == 6 and {e["resource"]["status"] for e in everything["entry"]} == {"busy"}


def test_practitioner_filter_of_another_system_or_unknown_rpps_matches_nothing(client, token, sas):
    day = sas["day"].isoformat()
    for token_value in (f"urn:oid:1.2.250.1.71.4.2.2|8{sas['martin'].rpps}", f"{quote(RPPS_SYSTEM)}|899999999999"):
        query = f"start=ge{day}&status=free&schedule.actor:Practitioner.identifier={token_value}"
        assert fhir_json(get(client, token, f"/fhir/Slot?{query}"))["total"] == 0


# --- the CapabilityStatement, tried interaction by interaction ----------------------------------------------------


def test_metadata_is_a_capability_statement_of_the_guide(client):
    statement = fhir_json(get(client, None, "/fhir/metadata"))
    valid_r4(statement)
    assert statement["fhirVersion"] == "4.0.1" and statement["kind"] == "instance"
    assert "application/fhir+json" in statement["format"]
    assert statement["implementationGuide"] == ["https://interop.esante.gouv.fr/ig/fhir/sas"]
    slot = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Slot")
    assert slot["profile"] == "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/sas-cpts-slot-aggregator"
    assert set(slot["searchInclude"]) == {
        "Slot:schedule", "Schedule:actor", "Slot:service-type-reference", "HealthcareService:organization",
    }  # fmt: skip


def sample_values(sas) -> dict[tuple[str, str], str]:
    """A value for each search parameter the CapabilityStatement may claim, that finds something."""
    day, rpps = sas["day"].isoformat(), sas["martin"].rpps
    return {
        ("Slot", "start"): f"ge{day}",
        ("Slot", "status"): "free",
        ("Slot", "schedule.actor:Practitioner.identifier"): f"{RPPS_SYSTEM}|8{rpps}",
        ("Schedule", "actor"): f"Practitioner/{sas['martin'].id}",
        ("Practitioner", "identifier"): f"{RPPS_SYSTEM}|8{rpps}",
    }


def test_every_claimed_interaction_works(client, token, sas):
    statement = fhir_json(get(client, None, "/fhir/metadata"))
    samples = sample_values(sas)
    everything = fhir_json(get(client, token, "/fhir/Slot?" + example_query(sas["day"], None)))
    ids = {}
    for entry in everything["entry"]:
        ids.setdefault(entry["resource"]["resourceType"], entry["resource"]["id"])
    tried = 0
    for resource in statement["rest"][0]["resource"]:
        kind = resource["type"]
        for interaction in (i["code"] for i in resource["interaction"]):
            if interaction == "read":
                read = fhir_json(get(client, token, f"/fhir/{kind}/{ids[kind]}"))
                assert read["resourceType"] == kind and resource["profile"] in read["meta"]["profile"]
            else:
                assert interaction == "search-type", f"an interaction the test cannot try: {interaction}"
                # Slot searches default to today's créneaux: the day of the data comes first (the `start` tried
                # alone is tomorrow's).
                within = f"start=ge{sas['day'].isoformat()}&" if kind == "Slot" else ""
                plain = fhir_json(get(client, token, f"/fhir/{kind}?{within}_format=json"))
                assert plain["type"] == "searchset" and plain["total"] >= 1
                for param in resource.get("searchParam", []):
                    value = samples[(kind, param["name"])]
                    query = f"{within if param['name'] != 'start' else ''}{param['name']}={quote(value, safe='|:')}"
                    found = fhir_json(get(client, token, f"/fhir/{kind}?{query}"))
                    assert found["total"] >= 1, (kind, param["name"])
                    assert {e["resource"]["resourceType"] for e in found["entry"]} == {kind}
                    tried += 1
            tried += 1
        for include in resource.get("searchInclude", []):
            query = f"start=ge{sas['day'].isoformat()}&_include={include}"
            if include == "Schedule:actor":
                query += "&_include=Slot:schedule"
            if include == "HealthcareService:organization":
                query += "&_include=Slot:service-type-reference"
            target = {"Slot:schedule": "Schedule", "Schedule:actor": "Practitioner",
                      "Slot:service-type-reference": "HealthcareService",
                      "HealthcareService:organization": "Organization"}[include]  # fmt: skip
            found = fhir_json(get(client, token, f"/fhir/{kind}?{query}"))
            assert target in {e["resource"]["resourceType"] for e in found["entry"] if e["search"]["mode"] == "include"}
            tried += 1
    assert tried == 5 + 3 + 5 + 4  # reads, searches, search parameters, includes


# --- the error cases ---------------------------------------------------------------------------------------------


def issue(body: dict) -> dict:
    assert body["resourceType"] == "OperationOutcome"
    valid_r4(body)
    return body["issue"][0]


def test_without_token_401(client, sas):
    response = get(client, None, "/fhir/Slot")
    assert issue(fhir_json(response, 401))["code"] == "login"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert issue(fhir_json(get(client, "not-a-token", "/fhir/Practitioner"), 401))["code"] == "login"


def test_token_of_an_account_no_longer_regulator_403(client, token, sas):
    regulator = db.session.scalar(select(User.id).where(User.email == "regul@test.fr"))
    db.session.execute(delete(UserRole).where(UserRole.user_id == regulator, UserRole.role == "regulator"))
    db.session.commit()
    assert issue(fhir_json(get(client, token, "/fhir/Slot"), 403))["code"] == "forbidden"


UNKNOWN = [
    "/fhir/Slot/999999",
    "/fhir/Schedule/abc",
    "/fhir/Practitioner/99999999999999999999",
    "/fhir/HealthcareService/0",
    "/fhir/Organization/999",
    "/fhir/Location/1",
]


@pytest.mark.parametrize("path", UNKNOWN)
def test_unknown_ids_404(client, token, sas, path):
    assert issue(fhir_json(get(client, token, path), 404))["code"] == "not-found"


def test_another_territorys_resources_are_unknown(client, token, sas):
    other = Territory(name="CPTS Voisine", department="54", timezone="Europe/Paris")
    db.session.add(other)
    add_site(other, "Cabinet voisin")
    stranger = add_gp(other, "Voisin")
    db.session.commit()
    publish_day(other, sas["day"], {other.sites[0]: [stranger]})
    slot_id = slots_of(stranger)[0]
    for path in (
        f"/fhir/Slot/{slot_id}",
        f"/fhir/Practitioner/{stranger.id}",
        f"/fhir/HealthcareService/{other.sites[0].id}",
        f"/fhir/Organization/{other.id}",
    ):
        fhir_json(get(client, token, path), 404)
    query = f"start=ge{sas['day'].isoformat()}&status=free"
    bundle = fhir_json(get(client, token, f"/fhir/Slot?{query}"))
    assert str(slot_id) not in {e["resource"]["id"] for e in bundle["entry"]}


@pytest.mark.parametrize(
    "query, words",
    [
        ("start=tomorrow", "start"),
        ("start=ge2027-01-01&start=le2027-03-01", "31 jours"),
        ("start=ge0001-01-01", "start"),
        ("status=booked", "status"),
    ],
)
def test_bad_parameters_400(client, token, sas, query, words):
    diagnostics = issue(fhir_json(get(client, token, f"/fhir/Slot?{query}"), 400))
    assert diagnostics["code"] == "invalid" and words in diagnostics["diagnostics"]


def test_unknown_parameters_ignored_unless_strict(client, token, sas):
    query = f"start=ge{sas['day'].isoformat()}&_sort=start&_include=Slot:location"
    assert fhir_json(get(client, token, f"/fhir/Slot?{query}"))["total"] == 18
    refused = issue(fhir_json(get(client, token, f"/fhir/Slot?{query}", Prefer="handling=strict"), 400))
    assert "_sort" in refused["diagnostics"]
    include_only = f"start=ge{sas['day'].isoformat()}&_include=Slot:location"
    assert (
        "Slot:location"
        in issue(fhir_json(get(client, token, f"/fhir/Slot?{include_only}", Prefer="handling=strict"), 400))[
            "diagnostics"
        ]
    )
    assert (
        fhir_json(get(client, token, f"/fhir/Slot?start=ge{sas['day'].isoformat()}", Prefer="handling=strict"))["total"]
        == 18
    )


def test_writes_are_not_supported_405(client, token, sas):
    response = client.post("/fhir/Slot", json={"resourceType": "Slot"}, headers=bearer(token))
    assert issue(fhir_json(response, 405))["code"] == "not-supported"


# --- the coordination chooses, site by site, whether the SAS shows its créneaux to the public and professionals ---


def test_site_page_sets_public_and_pro_labels(client, token, login_as, sas):
    login_as("coordinator")
    site = sas["site"]
    page = client.get(f"/coordination/cabinets/{site.id}").get_data(as_text=True)
    assert "Plateforme nationale SAS" in page and 'name="sas_pro"' in page
    form = {
        "name": site.name, "address": site.address, "postal_code": site.postal_code, "city": site.city,
        "phone": "03 87 00 00 00", "rooms": "2", "active": "y", "sas_pro": "y",
    }  # fmt: skip
    assert client.post(f"/coordination/cabinets/{site.id}", data=form).status_code == 302
    slot_id = slots_of(sas["martin"])[1]
    labels = [c["code"] for c in fhir_json(get(client, token, f"/fhir/Slot/{slot_id}"))["meta"]["security"]]
    assert labels == ["CPTS", "SNP", "PRO"]
    form.pop("sas_pro")
    client.post(f"/coordination/cabinets/{site.id}", data=form)
    labels = [c["code"] for c in fhir_json(get(client, token, f"/fhir/Slot/{slot_id}"))["meta"]["security"]]
    assert labels == ["CPTS", "SNP"]
