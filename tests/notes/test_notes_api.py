"""The issue's "done when", tried through the API as a clinician, a supervisor, front desk and a client."""

from datetime import timedelta

import pytest
from django.utils import timezone

from practice.models import AuditEvent
from tests.factories.notes import RELATIONAL, appointment_for, signed_note, withdrawal_rupture

pytestmark = pytest.mark.django_db


def _submit_alliance(world, client, values):
    from intake.services.responses import response_save_draft, response_submit
    from tests.factories.intake import packet_for

    response = packet_for(client, "session-check-in").responses.get()
    answers = dict(
        zip(["alliance_heard", "alliance_goals", "alliance_approach", "alliance_overall"], values, strict=True)
    )
    answers["felt_strain"] = "no"  # the session check-in's required question about a moment of strain
    response_save_draft(response=response, answers=answers, via_link=True)
    response_submit(response=response, via_link=True)


def test_relational_note_lifecycle_timeline_and_prep(world):
    clinician = world.client_for("clinician")
    client_id = world.p.client_a.pk
    last_week = appointment_for(
        world.p.clinician, world.p.client_a, starts_at=timezone.now().replace(microsecond=0) - timedelta(days=7)
    )

    # Today's (last week's) session: a withdrawal rupture, partially repaired by metacommunication.
    created = clinician.post(
        "/api/v1/progress-notes/",
        {
            "client": client_id,
            "appointment": last_week.pk,
            "content": {"focus": "Her father's illness."},
            "ruptures": [withdrawal_rupture(strategies=["rs_metacommunication"], outcome="partial")],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    note = created.json()
    assert note["status"] == "draft" and note["session_at"] is not None
    saved = clinician.patch(
        f"/api/v1/progress-notes/{note['id']}/", {"version": note["version"], "content": RELATIONAL}, format="json"
    )
    assert saved.status_code == 200 and saved.json()["version"] == 2
    signed = clinician.post(f"/api/v1/progress-notes/{note['id']}/sign/")
    assert signed.status_code == 200, signed.json()
    assert signed.json()["status"] == "awaiting_cosign" and len(signed.json()["content_hash"]) == 64

    refused = clinician.patch(f"/api/v1/progress-notes/{note['id']}/", {"content": {"plan": "x"}}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "note_locked"
    addendum = clinician.post(
        f"/api/v1/progress-notes/{note['id']}/addenda/",
        {"body": "Correction: she mentioned her sister too."},
        format="json",
    )
    assert addendum.status_code == 201 and addendum.json()["signed_at"]
    shown = clinician.get(f"/api/v1/progress-notes/{note['id']}/").json()
    assert shown["content"]["plan"] == RELATIONAL["plan"]
    assert [a["body"] for a in shown["addenda"]] == ["Correction: she mentioned her sister too."]

    # Supervisor co-signs.
    cosigned = world.client_for("supervisor").post(
        f"/api/v1/progress-notes/{note['id']}/cosign/", {"comment": "Good use of metacommunication."}, format="json"
    )
    assert cosigned.status_code == 200 and cosigned.json()["status"] == "cosigned"
    assert cosigned.json()["cosign_comment"] == "Good use of metacommunication."

    # Prep for this week: the plan and the open rupture.
    _submit_alliance(world, world.p.client_a, [8, 8, 7, 8])
    prep = clinician.get(f"/api/v1/notes/clients/{client_id}/session-prep/").json()
    assert prep["last_note"]["plan"] == RELATIONAL["plan"]
    rupture_id = prep["open_ruptures"][0]["id"]
    assert prep["open_ruptures"][0]["family"] == "withdrawal"
    assert prep["latest_measures"][0]["total"] == 31 and prep["alliance"]["below_cutoff"] is True

    # Next week's note repairs it.
    second = clinician.post(
        "/api/v1/progress-notes/",
        {
            "client": client_id,
            "content": RELATIONAL,
            "follow_ups": [
                {
                    "rupture": rupture_id,
                    "strategies": ["rs_acknowledge_contribution"],
                    "outcome": "repaired",
                    "client_response": "She said she felt less alone.",
                }
            ],
        },
        format="json",
    )
    assert second.status_code == 201, second.json()
    assert clinician.post(f"/api/v1/progress-notes/{second.json()['id']}/sign/").status_code == 200

    timeline = clinician.get(f"/api/v1/notes/clients/{client_id}/timeline/")
    assert timeline.status_code == 200
    body = timeline.json()
    assert [s["id"] for s in body["sessions"]] == [note["id"], second.json()["id"]]
    first_rupture = body["sessions"][0]["ruptures"][0]
    assert first_rupture["markers"] == ["wd_content_affect_split", "wd_minimal_response"]
    assert first_rupture["strategies"] == ["rs_metacommunication"] and first_rupture["outcome"] == "partial"
    assert first_rupture["resolved_in_note_id"] == second.json()["id"] and not first_rupture["is_open"]
    assert body["sessions"][1]["follow_ups"][0]["outcome"] == "repaired"
    assert body["open_ruptures"] == []
    summary = body["summary"]
    assert summary["ruptures_by_family"] == {"withdrawal": 1} and summary["repair_rate"] == 1.0
    assert summary["strategies"][0]["code"] == "rs_acknowledge_contribution"
    assert summary["alliance_latest"] == 31
    alliance_scores = [m for s in body["sessions"] for m in s["measures"]]
    assert alliance_scores and alliance_scores[0]["below_cutoff"] is True
    assert clinician.get(f"/api/v1/notes/clients/{client_id}/session-prep/").json()["open_ruptures"] == []

    # Front desk, admin and the client: 404 for every note and psychotherapy note.
    pnote = clinician.post(
        "/api/v1/psychotherapy-notes/", {"client": client_id, "body": "my process"}, format="json"
    ).json()
    for role in ("front_desk", "client", "admin"):
        api = world.client_for(role)
        assert api.get(f"/api/v1/progress-notes/{note['id']}/").status_code == 404
        assert api.get(f"/api/v1/psychotherapy-notes/{pnote['id']}/").status_code == 404
        assert api.get("/api/v1/progress-notes/").status_code == 403
    assert world.client_for("supervisor").get(f"/api/v1/psychotherapy-notes/{pnote['id']}/").status_code == 404


def test_every_note_read_is_audited(world):
    note = signed_note(world.p.clinician, world.p.client_a)
    api = world.client_for("supervisor")
    api.get(f"/api/v1/progress-notes/{note.pk}/")
    api.get("/api/v1/progress-notes/")
    api.get(f"/api/v1/notes/clients/{world.p.client_a.pk}/timeline/")
    mine = AuditEvent.objects.filter(action="read", actor=world.p.supervisor.membership.user)
    # the detail and the list: one event per note; the timeline: one event naming every note it drew on
    assert mine.filter(object_type="notes.progressnote", object_id=str(note.pk)).count() == 2
    [timeline] = mine.filter(object_type="notes.timeline", object_id=str(world.p.client_a.pk))
    assert timeline.detail["notes"] == [note.pk]
    assert all("Grief" not in str(e.detail) for e in AuditEvent.objects.all())


def test_create_for_a_client_outside_scope_is_400_not_a_leak(world):
    response = world.client_for("clinician").post(
        "/api/v1/progress-notes/", {"client": world.q.client_a.pk}, format="json"
    )
    assert response.status_code == 400 and "client" in response.json()["error"]["fields"]


def test_incomplete_note_cannot_be_signed_and_names_fields(world):
    api = world.client_for("clinician")
    note = api.post(
        "/api/v1/progress-notes/", {"client": world.p.client_a.pk, "risk_level": "high"}, format="json"
    ).json()
    response = api.post(f"/api/v1/progress-notes/{note['id']}/sign/")
    assert response.status_code == 400
    assert {"content.focus", "content.plan", "risk_rationale"} <= set(response.json()["error"]["fields"])


def test_soap_template_by_code(world):
    api = world.client_for("clinician")
    response = api.post(
        "/api/v1/progress-notes/",
        {"client": world.p.client_a.pk, "template": "soap", "content": {"subjective": "s"}},
        format="json",
    )
    assert response.status_code == 201 and response.json()["template"] == "soap"
    bad = api.post("/api/v1/progress-notes/", {"client": world.p.client_a.pk, "template": "nope"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"template": ["No template with this code."]}


def _many_notes(world, count, start):
    for i in range(count):
        signed_note(
            world.p.clinician2,
            world.p.client_b,
            session_at=start + timedelta(days=7 * i),
            ruptures=[
                withdrawal_rupture(outcome="partial"),
                withdrawal_rupture(family="confrontation", markers=["co_rejects_intervention"], outcome="repaired"),
            ],
        )


# Exact counts, authentication included; the same at 3 notes as at 25 (past the windows of 20 sessions and 20 open
# ruptures). The timeline: the notes with their rupture counts, check-ins, the ruptures shown and the open window
# (one UNION ALL), follow-ups, scores, the markers and strategies (one UNION ALL), the audit event.
PINNED_QUERIES = {"timeline": 11, "session-prep": 10}


@pytest.mark.parametrize("path", ["timeline", "session-prep"])
def test_timeline_and_prep_queries_do_not_grow_with_notes(world, django_assert_num_queries, path):
    api = world.client_for("clinician")
    from tests.factories.practice import CareTeamMemberFactory

    # The clinician joins client_b's care team so they read clinician2's signed notes.
    CareTeamMemberFactory(practice=world.p.practice, client=world.p.client_b, clinician=world.p.clinician)
    url = f"/api/v1/notes/clients/{world.p.client_b.pk}/{path}/"
    start = timezone.now() - timedelta(days=400)
    _many_notes(world, 3, start)
    with django_assert_num_queries(PINNED_QUERIES[path]):
        small = api.get(url)
    _many_notes(world, 22, start + timedelta(days=30))
    with django_assert_num_queries(PINNED_QUERIES[path]):
        large = api.get(url)
    assert small.status_code == large.status_code == 200
    if path == "timeline":
        assert len(large.json()["sessions"]) == 20 and large.json()["summary"]["ruptures"] == 50
        assert large.json()["summary"]["sessions"] == 25 and large.json()["summary"]["open"] == 25
    assert len(large.json()["open_ruptures"]) == 20 and large.json()["open_window"]["open"] == 25


def test_caseload_attention_lists_own_clients_with_open_ruptures(world, django_assert_max_num_queries):
    signed_note(world.p.clinician2, world.p.client_b, ruptures=[withdrawal_rupture(intensity=4)])
    api = world.client_for("clinician")
    assert api.get("/api/v1/notes/caseload-attention/").json() == []
    mine = world.client_for("clinician")
    signed_note(world.p.clinician, world.p.client_a, ruptures=[withdrawal_rupture(intensity=4)])
    with django_assert_max_num_queries(12):
        rows = mine.get("/api/v1/notes/caseload-attention/").json()
    assert [(r["client"], r["reasons"], r["open_ruptures"]) for r in rows] == [
        (world.p.client_a.pk, ["open_ruptures"], 1)
    ]


def test_overdue_endpoints(world):
    from notes.services import overdue_notes_flag
    from tests.factories.notes import draft_note

    draft = draft_note(world.p.clinician, world.p.client_a, session_at=timezone.now() - timedelta(days=5))
    overdue_notes_flag()
    alerts = world.client_for("clinician").get("/api/v1/notes/overdue-alerts/").json()
    assert len(alerts["results"]) == 1
    assert (alerts["results"][0]["note"], alerts["results"][0]["client"]) == (draft.pk, world.p.client_a.pk)
    summary = world.client_for("admin").get("/api/v1/notes/overdue-summary/").json()
    name = world.p.clinician.membership.user.full_name
    assert summary == [{"clinician": world.p.clinician.pk, "clinician_name": name, "overdue": 1}]


def test_timeline_body_matches_its_documented_shape(world):
    from notes.serializers_prep import TimelineOutput

    signed_note(world.p.clinician, world.p.client_a, ruptures=[withdrawal_rupture()])
    body = world.client_for("clinician").get(f"/api/v1/notes/clients/{world.p.client_a.pk}/timeline/").json()
    documented = TimelineOutput(data=body)
    assert documented.is_valid(), documented.errors
    assert set(body) == set(TimelineOutput().fields)
    assert set(body["sessions"][0]) == set(TimelineOutput().fields["sessions"].child.fields)
    assert set(body["sessions"][0]["ruptures"][0]) == set(
        TimelineOutput().fields["sessions"].child.fields["ruptures"].child.fields
    )


def test_session_prep_body_matches_its_documented_shape(world):
    from notes.serializers import RuptureOutput
    from notes.serializers_prep import SessionPrepOutput

    signed_note(world.p.clinician, world.p.client_a, ruptures=[withdrawal_rupture(outcome="partial")])
    body = world.client_for("clinician").get(f"/api/v1/notes/clients/{world.p.client_a.pk}/session-prep/").json()
    assert set(body) == set(SessionPrepOutput().fields)
    assert set(body["last_note"]) == set(SessionPrepOutput().fields["last_note"].fields)
    [rupture] = body["open_ruptures"]
    assert set(rupture) == set(RuptureOutput().fields)
    assert rupture["therapist_contribution"] == withdrawal_rupture()["therapist_contribution"]
    assert rupture["markers"] == sorted(withdrawal_rupture()["markers"]) and rupture["is_open"] is True
    assert body["last_note"]["plan"] == RELATIONAL["plan"]


def test_session_prep_for_a_couples_appointment(world, django_assert_num_queries):
    from practice.models import CareTeamMember
    from scheduling.models import AppointmentClient

    partner = world.p.client_b
    CareTeamMember.objects.create(practice=world.p.practice, client=partner, clinician=world.p.clinician)
    appointment = appointment_for(world.p.clinician, world.p.client_a)
    AppointmentClient.objects.create(
        practice=world.p.practice, appointment=appointment, client=partner, span=appointment.occupied
    )
    signed_note(world.p.clinician, world.p.client_a, ruptures=[withdrawal_rupture()])
    api = world.client_for("clinician")
    with django_assert_num_queries(18):  # per client of the session: its prep and its one audit event
        body = api.get(f"/api/v1/notes/appointments/{appointment.pk}/session-prep/")
    assert body.status_code == 200
    preps = {p["client"]: p for p in body.json()["clients"]}
    assert set(preps) == {world.p.client_a.pk, partner.pk}
    assert preps[world.p.client_a.pk]["last_note"]["plan"] == RELATIONAL["plan"]
    assert len(preps[world.p.client_a.pk]["open_ruptures"]) == 1 and preps[partner.pk]["last_note"] is None
