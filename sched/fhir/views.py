"""GET /fhir/metadata, the searches (Slot, Schedule, Practitioner) and the reads of the five resource types.

Answers are application/fhir+json; errors are OperationOutcome resources (sched/errors.py sends the routing
ones — unknown path, wrong method — the same way). Every absolute URL comes from BASE_URL, never the Host header.
"""

from __future__ import annotations

import json

from flask import current_app, g, request, url_for

from sched.api.auth import token_owner
from sched.fhir import bp, store
from sched.fhir.profiles import (
    FHIR_JSON,
    SEARCH_PARAMS,
    SLOT_INCLUDES,
    GPData,
    capability_statement,
    healthcare_service_resource,
    operation_outcome,
    organization_resource,
    practitioner_resource,
    schedule_resource,
    slot_resource,
)
from sched.fhir.search import SearchError, reference_ids, rpps_numbers, start_range, statuses, strict
from sched.i18n import local, use_zone
from sched.models import utcnow

COMMON_PARAMS = {"_format"}  # answered in JSON whatever it says
INCLUDE_PARAMS = {"_include", "_include:iterate"}


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None):
    response = current_app.response_class(json.dumps(resource, ensure_ascii=False), status, mimetype=FHIR_JSON)
    response.headers.update(headers or {})
    return response


def outcome(status: int, message: str, headers: dict | None = None):
    return fhir_response(operation_outcome(status, message), status, headers)


def root() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def base() -> str:
    return root() + "/fhir"


@bp.before_request
def require_token():
    """401 without a valid token, 403 when its owner is not a regulator; the metadata is public."""
    if request.endpoint == "fhir.metadata":
        return None
    user = token_owner()
    if user is None:
        return outcome(401, "Jeton d'accès manquant, invalide ou révoqué.", {"WWW-Authenticate": 'Bearer realm="snp"'})
    if not user.is_regulator or user.territory_id is None:
        return outcome(403, "Ce jeton n'appartient pas à un compte de régulation.")
    g.api_user = user
    use_zone(user.timezone)
    return None


def booking_url(slot_id: int) -> str:
    """The regulators' booking page of the créneau (login first): booking stays in our app."""
    return root() + url_for("regulation.book", slot_id=slot_id)


def bundle(matches: list[dict], included: list[dict]) -> dict:
    query = request.query_string.decode("latin-1")
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": local(utcnow()).isoformat(timespec="seconds"),
        "total": len(matches),
        "link": [{"relation": "self", "url": root() + request.path + (f"?{query}" if query else "")}],
        "entry": [
            {"fullUrl": f"{base()}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": mode}}
            for mode, resources in (("match", matches), ("include", included))
            for r in resources
        ],
    }


def check_parameters(kind: str) -> list[str]:
    """The _include values asked; under `Prefer: handling=strict`, an unknown parameter or _include is a 400."""
    known = {name for name, *_ in SEARCH_PARAMS[kind]} | COMMON_PARAMS | (INCLUDE_PARAMS if kind == "Slot" else set())
    includes = request.args.getlist("_include") + request.args.getlist("_include:iterate")
    if strict(request.headers.get("Prefer", "")):
        unknown = sorted(set(request.args) - known)
        if unknown:
            raise SearchError(f"Paramètre non pris en charge : {unknown[0][:60]}.")
        for value in includes:
            if value not in SLOT_INCLUDES:
                raise SearchError(f"_include non pris en charge : {value[:60]}.")
    return includes


@bp.get("/metadata")
def metadata():
    """The CapabilityStatement: what this server answers, resource by resource."""
    return fhir_response(
        capability_statement(base(), "Planning SNP", local(utcnow()).date().isoformat()) | {"url": base() + "/metadata"}
    )


@bp.get("/Slot")
def slot_search():
    """Créneaux starting in the range (31 days at most), with the resources asked by _include."""
    try:
        includes = check_parameters("Slot")
        low, high = start_range(request.args.getlist("start"))
        wanted = statuses(request.args.getlist("status"))
    except SearchError as error:
        return outcome(400, str(error))
    territory_id = g.api_user.territory_id
    gp_ids = None
    tokens = request.args.getlist("schedule.actor:Practitioner.identifier")
    if tokens:
        gp_ids = [gp.id for rpps in rpps_numbers(tokens) for gp in store.gps(territory_id, rpps=rpps)]
    slots = [] if high <= low else store.slots_between(territory_id, low, high, booking_url, wanted, gp_ids)
    included: list[dict] = []
    if "Slot:schedule" in includes:
        doctors = store.gps(territory_id, ids=sorted({s.gp_id for s in slots}))
        included += [schedule_resource(gp) for gp in doctors]
        if "Schedule:actor" in includes:
            included += [practitioner_resource(gp) for gp in doctors]
    if "Slot:service-type-reference" in includes:
        sites = store.sites(territory_id, sorted({s.site_id for s in slots}))
        included += [healthcare_service_resource(site, territory_id) for site in sites]
        if sites:  # providedBy is required: the CPTS comes with its cabinets (as in the guide's example bundle)
            included.append(organization_resource(store.territory(territory_id)))
    return fhir_response(bundle([slot_resource(s) for s in slots], included))


@bp.get("/Schedule")
def schedule_search():
    """The agendas of the territory's GPs (one per GP), or of the Practitioners named by `actor`."""
    try:
        check_parameters("Schedule")
    except SearchError as error:
        return outcome(400, str(error))
    actors = request.args.getlist("actor")
    ids = reference_ids(actors, "Practitioner") if actors else None
    return fhir_response(bundle([schedule_resource(gp) for gp in store.gps(g.api_user.territory_id, ids=ids)], []))


@bp.get("/Practitioner")
def practitioner_search():
    """The territory's GPs, or the one whose RPPS is given as `identifier=urn:oid:1.2.250.1.71.4.2.1|8<RPPS>`."""
    try:
        check_parameters("Practitioner")
    except SearchError as error:
        return outcome(400, str(error))
    tokens = request.args.getlist("identifier")
    territory_id = g.api_user.territory_id
    doctors: list[GPData]
    if tokens:
        doctors = [gp for rpps in rpps_numbers(tokens) for gp in store.gps(territory_id, rpps=rpps)]
    else:
        doctors = store.gps(territory_id)
    return fhir_response(bundle([practitioner_resource(gp) for gp in doctors], []))


def found(kind: str, resource_id: int) -> dict | None:
    territory_id = g.api_user.territory_id
    if kind == "Slot":
        slot = store.slot(territory_id, resource_id, booking_url)
        return slot_resource(slot) if slot else None
    if kind in ("Schedule", "Practitioner"):
        doctors = store.gps(territory_id, ids=[resource_id])
        build = schedule_resource if kind == "Schedule" else practitioner_resource
        return build(doctors[0]) if doctors else None
    if kind == "HealthcareService":
        sites = store.sites(territory_id, [resource_id])
        return healthcare_service_resource(sites[0], territory_id) if sites else None
    return organization_resource(store.territory(territory_id)) if resource_id == territory_id else None


@bp.get("/<any(Slot, Schedule, Practitioner, HealthcareService, Organization):kind>/<resource_id>")
def read(kind: str, resource_id: str):
    """One resource of the territory by its id; 404 OperationOutcome for any other id."""
    resource = found(kind, int(resource_id)) if resource_id.isascii() and resource_id.isdigit() else None
    if resource is None:
        return outcome(404, f"Ressource inconnue : {kind}/{resource_id[:64]}.")
    return fhir_response(resource)
