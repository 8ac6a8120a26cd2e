"""The check-in API and the clinical reads that include check-ins: who sees answers, and the audit of every read
(objects only: never an answer, the client's words or a disagreement)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.models import SessionCheckIn
from practice.models import AuditEvent
from tests.checkins.helpers import completed_checkin
from tests.factories.notes import signed_note

pytestmark = pytest.mark.django_db
WORDS = "You looked at the clock when I talked about my father."
CHECKIN = "intake.sessioncheckin"


def _answered(world, days_ago=1, **answers):
    answers = answers or {"felt_strain": "a_lot", "talked_through": "not_at_all", "for_next_time": WORDS}
    return completed_checkin(world, days_ago=days_ago, **answers)


def _reads(checkin):
    return AuditEvent.objects.filter(action="read", object_type=CHECKIN, object_id=str(checkin.pk))


def _no_clinical_detail():
    for event in AuditEvent.objects.all():
        text = json.dumps(event.detail)
        for leaked in (WORDS, "a_lot", "not_at_all", "strain_not_in_note", "talked through"):
            assert leaked not in text, (event.object_type, event.detail)


def test_a_clinician_reads_the_answers_and_the_read_is_audited(world):
    checkin = _answered(world)
    body = world.client_for("clinician").get(f"/api/v1/intake/session-checkins/{checkin.pk}/").json()
    assert body["answers"]["for_next_time"] == WORDS and body["answers"]["alliance_total"] == 36
    assert body["state"] == "answered" and body["appointment"] == checkin.appointment_id
    [event] = _reads(checkin)
    assert event.actor == world.p.clinician.membership.user and event.detail == {}
    _no_clinical_detail()


@pytest.mark.parametrize("role", ["admin", "front_desk"])
def test_admin_and_front_desk_see_only_that_it_was_sent_and_answered(world, role):
    checkin = _answered(world)
    api = world.client_for(role)
    body = api.get(f"/api/v1/intake/session-checkins/{checkin.pk}/").json()
    assert "answers" not in body and body["state"] == "answered" and body["answered_at"]
    [row] = api.get("/api/v1/intake/session-checkins/").json()["results"]
    assert row["id"] == checkin.pk and "answers" not in row
    assert not _reads(checkin).exists()


def test_the_client_reads_their_own_answers_without_a_score(world):
    checkin = _answered(world)
    body = world.client_for("client").get(f"/api/v1/intake/session-checkins/{checkin.pk}/").json()
    assert body["answers"]["felt_strain"] == "a_lot" and "alliance_total" not in body["answers"]
    assert _reads(checkin).count() == 1


def test_a_waiting_checkin_is_listed_to_the_client_with_the_response_to_answer(world):
    checkin = completed_checkin(world)
    [row] = world.client_for("client").get("/api/v1/intake/session-checkins/").json()["results"]
    assert (row["id"], row["state"], row["response"]) == (checkin.pk, "sent", checkin.response_id)
    # and answering it through the portal marks it answered
    api = world.client_for("client")
    answers = {"alliance_heard": 8, "alliance_goals": 8, "alliance_approach": 8, "alliance_overall": 8}
    answers["felt_strain"] = "no"
    saved = api.patch(f"/api/v1/intake/responses/{checkin.response_id}/", {"answers": answers}, format="json")
    assert saved.status_code == 200
    assert api.post(f"/api/v1/intake/responses/{checkin.response_id}/submit/").status_code == 200
    assert SessionCheckIn.objects.get(pk=checkin.pk).answered_at is not None
    assert api.post(f"/api/v1/intake/responses/{checkin.response_id}/amend/").status_code == 409


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/notes/clients/{client}/timeline/",
        "/api/v1/notes/clients/{client}/session-prep/",
        "/api/v1/notes/clients/{client}/two-views/",
    ],
)
def test_every_clinical_read_that_shows_a_checkin_audits_it(world, path):
    checkin = _answered(world)
    signed_note(world.p.clinician, world.p.client_a, appointment=checkin.appointment, session_at=checkin.session_at)
    response = world.client_for("clinician").get(path.format(client=world.p.client_a.pk))
    assert response.status_code == 200
    assert WORDS in response.content.decode()
    assert _reads(checkin).count() == 1
    _no_clinical_detail()


def test_caseload_attention_lists_the_strain_under_one_event_naming_no_client(world):
    """The list's one event covers the check-in it shows: a read event per check-in there would file, under the
    list's request id, exactly the clients whose check-in reports a strain (issue 11: no derived clinical fact)."""
    from practice.models import AuditEvent

    checkin = _answered(world)
    signed_note(world.p.clinician, world.p.client_a, appointment=checkin.appointment, session_at=checkin.session_at)
    response = world.client_for("clinician").get("/api/v1/notes/caseload-attention/")
    assert response.status_code == 200
    [row] = [r for r in response.json() if r["client"] == world.p.client_a.pk]
    assert row["checkin"]["checkin"] == checkin.pk  # the strain is shown
    assert _reads(checkin).count() == 0
    events = AuditEvent.objects.filter(object_type="notes.caseload_attention")
    assert events.count() == 1 and not events.get().object_id and not (events.get().detail or {}).get("clients")
    _no_clinical_detail()


def test_the_two_views_endpoint_names_the_disagreement(world):
    checkin = _answered(world)
    signed_note(world.p.clinician, world.p.client_a, appointment=checkin.appointment, session_at=checkin.session_at)
    body = world.client_for("supervisor").get(f"/api/v1/notes/clients/{world.p.client_a.pk}/two-views/").json()
    [row] = body["sessions"]
    assert [d["code"] for d in row["disagreements"]] == ["strain_not_in_note"]
    assert body["summary"]["compared"] == 1 and body["summary"]["agreement_rate"] == 0.0


def test_the_timeline_reads_checkins_in_a_fixed_number_of_queries(world):
    api = world.client_for("clinician")
    path = f"/api/v1/notes/clients/{world.p.client_a.pk}/timeline/"
    counts = []
    for days in (30, 20, 10, 5):
        checkin = _answered(world, days_ago=days)
        signed_note(world.p.clinician, world.p.client_a, appointment=checkin.appointment, session_at=checkin.session_at)
        with CaptureQueriesContext(connection) as queries:
            assert api.get(path).status_code == 200
        counts.append(len(queries))
    assert counts[1] == counts[2] == counts[3]
