"""Issue 11, items 1, 6 and 7: what the admin reads in the audit trail.

An event names who did what to which object. It never tells a derived clinical fact: which clients a
clinical list showed, which questions a client answered, how many flags there were (practice/audit.py).
"""

from __future__ import annotations

import pytest

from practice.audit import AUDIT_DETAIL_KEYS, AuditDetailRefused, audit_record
from practice.models import AuditEvent
from tests.access.matrix import all_rows
from tests.factories.intake import SIMPLE_FORM
from tests.factories.notes import signed_note, withdrawal_rupture

ACTING = ("admin", "front_desk", "clinician", "supervisor", "client")


def _admin_view(world) -> list[dict]:
    """Every audit event of practice p, as the admin reads it through the API."""
    api = world.client_for("admin")
    events, url, params = [], "/api/v1/audit-events/", {"page_size": 200}
    while url:
        response = api.get(url, params)
        assert response.status_code == 200, response.content
        body = response.json()
        events += body["results"]
        url, params = body["next"], None
    return events


def _question_ids(practice) -> set[str]:
    from intake import definitions
    from intake.models import FormVersion

    ids = set()
    for version in FormVersion.objects.filter(form__practice=practice):
        ids |= {q["id"] for q in definitions.questions(version.content)}
    return ids


def _strings(value) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()


def test_every_clinical_read_and_write_leaves_only_allowed_detail_in_the_admins_view(world):
    """Walk every endpoint of the access matrix as every role on its own object, then read the trail as admin."""
    from notes.services import taxonomy_seed
    from tests.access.test_matrix import _urlencode

    taxonomy_seed(practice=world.p.practice)
    # Logging in and out, and signed links (no membership to walk as), are left out.
    rows = [r for r in all_rows() if not r.path.startswith("/api/v1/auth/") and "{token}" not in r.path]
    for row in rows:  # every object first: a write walked earlier (a marker retired) must not stop a build
        if row.target:
            world.target(row.target, "mine")
    for row in rows:
        for actor in ACTING:
            path = row.path
            if row.target:
                path = path.replace("{id}", str(world.target(row.target, "mine").pk))
            body = row.payload(world, actor, "mine") if row.payload else None
            query = row.query(world, actor) if row.query else None
            method = getattr(world.client_for(actor), row.method.lower())
            if row.method == "GET":
                response = method(path, query or {})
            else:
                response = method(path + (f"?{_urlencode(query)}" if query else ""), body, format="json")
            assert response.status_code < 500, f"{row.method} {path} as {actor}: {response.content[:300]!r}"

    events = _admin_view(world)
    seen = {e["object_type"] for e in events}
    # The walk really went through clinical reads and writes (the check below is not about an empty trail).
    for kind in (
        "notes.progressnote",
        "intake.response",
        "intake.riskflag",
        "notes.caseload_attention",
        "notes.timeline",
        "notes.session_prep",
        "practice.client",
        "scheduling.appointment",
    ):
        assert kind in seen, f"the walk left no {kind} event"
    from practice.models import Client

    # The demographics form asks for fields of the client record itself: their names are not answers.
    question_ids = _question_ids(world.p.practice) - {f.name for f in Client._meta.get_fields()}
    assert {"phq9_1", "phq9_9"} <= question_ids
    client_ids = {world.p.client_a.pk, world.p.client_b.pk}
    for event in events:
        detail = event["detail"]
        assert set(detail) <= set(AUDIT_DETAIL_KEYS), event
        assert not (_strings(detail) & question_ids), f"question ids in the audit trail: {event}"
        assert not any("flag" in key or "count" in key or "score" in key for key in detail), event
        if event["object_type"] in ("notes.caseload_attention", "intake.riskflag"):
            # what a clinical selection showed is clinical: no client named in its detail
            assert not (set(detail.get("clients", [])) | set(detail.get("ids", []))) & client_ids, event


def test_caseload_attention_names_no_client_in_the_trail(world):
    from notes.services import taxonomy_seed

    taxonomy_seed(practice=world.p.practice)
    signed_note(world.p.clinician, world.p.client_a, ruptures=[withdrawal_rupture(outcome="unrepaired")])
    response = world.client_for("clinician").get("/api/v1/notes/caseload-attention/")
    assert response.status_code == 200
    assert world.p.client_a.pk in [row["client"] for row in response.json()]  # the list did show the client
    [event] = [e for e in _admin_view(world) if e["object_type"] == "notes.caseload_attention"]
    assert event["detail"] == {}


def test_intake_draft_save_names_no_question_in_the_trail(world):
    from intake.services.forms import form_create, form_publish

    form = form_create(actor=world.p.members["admin"], name="Check", slug="check", kind="form", content=SIMPLE_FORM)
    form_publish(actor=world.p.members["admin"], form=form)
    from intake.services.packets import packet_assign

    packet = packet_assign(actor=world.p.members["front_desk"], client=world.p.client_a, forms=[form])
    response = packet.responses.get()
    answers = {"worse": True, "what": "My sleep"}  # "what" is asked only when "worse" is yes
    saved = world.client_for("client").patch(
        f"/api/v1/intake/responses/{response.pk}/", {"answers": answers}, format="json"
    )
    assert saved.status_code == 200, saved.content
    [event] = [e for e in _admin_view(world) if e["object_type"] == "intake.response" and e["action"] == "update"]
    assert event["object_id"] == str(response.pk)
    assert not (_strings(event["detail"]) & {"worse", "what", "My sleep"}), event
    assert set(event["detail"]) == {"via"}


def test_audit_record_refuses_an_unknown_detail_key_loudly(world):
    with pytest.raises(AuditDetailRefused, match="questions"):
        audit_record(
            actor=world.p.members["client"], action="update", obj=world.p.client_a, detail={"questions": ["phq9_9"]}
        )
    with pytest.raises(AuditDetailRefused, match="characters"):
        audit_record(actor=world.p.members["client"], action="update", obj=world.p.client_a, detail={"via": "x" * 500})
    assert not AuditEvent.objects.filter(object_id=str(world.p.client_a.pk)).exists()


# --- item 6: list reads of client records ------------------------------------------------------------


@pytest.mark.parametrize("role", ["front_desk", "clinician", "admin"])
def test_client_list_read_is_one_event_naming_the_ids_shown(world, role):
    response = world.client_for(role).get("/api/v1/clients/")
    assert response.status_code == 200
    shown = [c["id"] for c in response.json()["results"]]
    assert shown
    events = AuditEvent.objects.filter(object_type="practice.client", action="list")
    [event] = events
    assert event.detail["ids"] == shown
    assert event.actor == world.p.members[role].user
    assert not AuditEvent.objects.filter(object_type="practice.client", action="read").exists()


def test_client_search_is_audited_with_the_ids_it_found(world):
    name = world.p.client_b.last_name
    response = world.client_for("front_desk").get("/api/v1/clients/", {"q": name})
    assert response.status_code == 200
    shown = [c["id"] for c in response.json()["results"]]
    assert world.p.client_b.pk in shown
    event = AuditEvent.objects.get(object_type="practice.client", action="list")
    assert event.detail["ids"] == shown


# --- item 7: the request id is the server's ----------------------------------------------------------


def test_request_id_is_made_by_the_server_and_the_callers_kept_beside_it(world):
    chosen = "req-0123456789"
    first = world.client_for("clinician").get(f"/api/v1/clients/{world.p.client_a.pk}/", HTTP_X_REQUEST_ID=chosen)
    second = world.client_for("supervisor").get(f"/api/v1/clients/{world.p.client_a.pk}/", HTTP_X_REQUEST_ID=chosen)
    assert first.status_code == second.status_code == 200
    events = list(AuditEvent.objects.filter(action="read", object_type="practice.client").order_by("id"))
    assert len(events) == 2
    assert events[0].request_id != events[1].request_id  # two people's reads are never filed under one id
    assert chosen not in (events[0].request_id, events[1].request_id)
    assert first["X-Request-ID"] == events[0].request_id
    assert [e.detail["client_request_id"] for e in events] == [chosen, chosen]


def test_a_malformed_caller_request_id_is_dropped(world):
    api = world.client_for("clinician")
    response = api.get(f"/api/v1/clients/{world.p.client_a.pk}/", HTTP_X_REQUEST_ID="<script>" + "x" * 200)
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="read", object_type="practice.client")
    assert "client_request_id" not in event.detail
    assert len(event.request_id) == 32
