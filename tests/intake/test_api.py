"""The issue's "done when", through the HTTP API: front desk sees status only; the client answers through
the signed link; the clinician reads answers, score, band and flag, and acknowledges it."""

import json
import re

import pytest
from django.core import mail

from intake.invitations import packet_from_token, packet_link_token
from intake.models import ConsentSignature, Packet, Score
from practice.models import AuditEvent
from tests.factories.intake import packet_for, phq9_answers, seeded
from tests.reminders.outbox import outbox_deliver

pytestmark = pytest.mark.django_db


def _link(packet):
    return f"/api/v1/intake/link/{packet_link_token(packet)}/"


def test_new_client_packet_end_to_end(world, django_capture_on_commit_callbacks):
    forms = seeded(world.p.practice)
    desk = world.client_for("front_desk")
    with django_capture_on_commit_callbacks(execute=True):
        r = desk.post(
            "/api/v1/intake/packets/",
            {
                "client": world.p.client_a.pk,
                "due_on": "2030-01-31",
                "forms": [forms[s].pk for s in ("demographics-history", "consent-for-services", "phq-9")],
            },
            format="json",
        )
    assert r.status_code == 201, r.content
    assert outbox_deliver() == ["sent"]  # the invitation rides on the reminders outbox
    packet = Packet.objects.get(pk=r.json()["id"])
    assert r.json()["status"] == "sent" and len(mail.outbox) == 1
    # The emailed link opens this packet (the token is signed at send time, so compare what it opens).
    token = re.search(r"/api/v1/intake/p/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert packet_from_token(token) == packet

    anon = world.client_for(None)
    page = anon.get(_link(packet)).json()
    demo, consent, phq = (item["id"] for item in page["responses"])

    # half the answers, then leave
    r = anon.patch(f"{_link(packet)}responses/{demo}/", {"answers": {"full_name": "Ada Lovelace"}}, format="json")
    assert r.status_code == 200
    assert desk.get(f"/api/v1/intake/packets/{packet.pk}/").json()["status"] == "in_progress"

    # submitting too early lists every missing question
    r = anon.post(f"{_link(packet)}responses/{demo}/submit/")
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"answers.date_of_birth", "answers.reason", "answers.prior_therapy"}

    # come back, finish, sign, submit
    r = anon.patch(
        f"{_link(packet)}responses/{demo}/",
        {"answers": {"date_of_birth": "1990-12-10", "reason": "Feeling stuck", "prior_therapy": False}},
        format="json",
    )
    opened = anon.get(_link(packet)).json()
    assert opened["responses"][0]["answers"]["full_name"] == "Ada Lovelace"
    # the client gets the questions, never the scoring (bands, flag rules)
    assert all("scoring" not in r["definition"] for r in opened["responses"])
    assert AuditEvent.objects.filter(action="read", object_type="intake.packet", object_id=str(packet.pk)).exists()
    assert anon.post(f"{_link(packet)}responses/{demo}/submit/").status_code == 200
    anon.patch(f"{_link(packet)}responses/{consent}/", {"answers": {"consent_services": "Ada Lovelace"}}, format="json")
    assert anon.post(f"{_link(packet)}responses/{consent}/submit/", HTTP_USER_AGENT="PhoneBrowser/1").status_code == 200
    anon.patch(
        f"{_link(packet)}responses/{phq}/", {"answers": phq9_answers([2, 2, 2, 2, 1, 1, 1, 0, 1])}, format="json"
    )
    r = anon.post(f"{_link(packet)}responses/{phq}/submit/")
    assert r.status_code == 200 and "score" not in r.json()

    # front desk: status only, consent as yes/no
    status = desk.get(f"/api/v1/intake/packets/{packet.pk}/").json()
    assert status["status"] == "completed"
    assert [i["consent_signed"] for i in status["items"]] == [None, True, None]
    assert desk.get(f"/api/v1/intake/responses/{phq}/").status_code == 404
    assert desk.get("/api/v1/intake/risk-flags/").status_code == 403

    # clinician: answers, score and band, the flag; reads are audited
    clin = world.client_for("clinician")
    body = clin.get(f"/api/v1/intake/responses/{phq}/").json()
    assert body["answers"]["phq9_9"] == 1
    assert body["score"] == {"total": 12.0, "subscales": {}, "band": "Moderate"}
    assert AuditEvent.objects.filter(
        action="read", object_type="intake.response", object_id=str(phq), actor=world.p.clinician.membership.user
    ).exists()
    consent_body = clin.get(f"/api/v1/intake/responses/{consent}/").json()
    signed = consent_body["signatures"][0]
    assert signed["signed_name"] == "Ada Lovelace" and signed["user_agent"] == "PhoneBrowser/1"
    # the signature names the form version by its number, as the response does (it was the row's id)
    signature = ConsentSignature.objects.get(response_id=consent)
    assert signature.version.pk != signature.version.number  # (else the check below proves nothing)
    assert signed["version"] == consent_body["version"] == signature.version.number
    flags = clin.get("/api/v1/intake/risk-flags/", {"state": "open"}).json()["results"]
    assert [f["code"] for f in flags] == ["phq9_item9"]
    r = clin.post(f"/api/v1/intake/risk-flags/{flags[0]['id']}/acknowledge/", {"note": "Called, safe."}, format="json")
    assert r.status_code == 200 and r.json()["acknowledged_at"]
    assert clin.get("/api/v1/intake/risk-flags/", {"state": "open"}).json()["results"] == []
    acknowledged = clin.get("/api/v1/intake/risk-flags/", {"state": "acknowledged"}).json()["results"]
    assert [f["id"] for f in acknowledged] == [flags[0]["id"]]
    assert [f["id"] for f in clin.get("/api/v1/intake/risk-flags/").json()["results"]] == [flags[0]["id"]]
    bad = clin.get("/api/v1/intake/risk-flags/", {"state": "closed"})  # a state that does not exist: 400, not all
    assert bad.status_code == 400 and "state" in bad.json()["error"]["fields"]

    # the client (portal) sees their answers but no score or flags
    mine = world.client_for("client").get(f"/api/v1/intake/responses/{phq}/").json()
    assert mine["answers"]["phq9_9"] == 1 and "score" not in mine and "risk_flags" not in mine
    assert "scoring" not in mine["definition"] and mine["definition"]["sections"]


def test_submitted_response_cannot_change_through_the_link(world):
    packet = packet_for(world.p.client_a, "phq-9")
    response = packet.responses.get()
    anon = world.client_for(None)
    anon.patch(f"{_link(packet)}responses/{response.pk}/", {"answers": phq9_answers([0] * 9)}, format="json")
    assert anon.post(f"{_link(packet)}responses/{response.pk}/submit/").status_code == 200
    r = anon.patch(f"{_link(packet)}responses/{response.pk}/", {"answers": {"phq9_1": 3}}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_submitted"


def test_invalid_draft_answers_are_400_beside_each_question(world):
    packet = packet_for(world.p.client_a, "demographics-history")
    response = packet.responses.get()
    r = world.client_for(None).patch(
        f"{_link(packet)}responses/{response.pk}/",
        {"answers": {"date_of_birth": "31/12/1990", "prior_therapy": "maybe", "ghost": 1}},
        format="json",
    )
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"answers.date_of_birth", "answers.prior_therapy", "answers.ghost"}


def test_link_is_404_when_expired_revoked_or_for_another_packet(world, settings):
    packet = packet_for(world.p.client_a, "phq-9")
    other = packet_for(world.p.client_b, "phq-9")
    anon = world.client_for(None)
    link = _link(packet)
    assert anon.get(link).status_code == 200
    # a response of another packet is not reachable through this link
    r = anon.patch(f"{link}responses/{other.responses.get().pk}/", {"answers": {"phq9_1": 1}}, format="json")
    assert r.status_code == 404
    assert anon.get(link[:-3] + "xx/").status_code == 404
    settings.INTAKE_LINK_MAX_AGE = -1
    assert anon.get(link).status_code == 404
    settings.INTAKE_LINK_MAX_AGE = 3600
    Packet.objects.filter(pk=packet.pk).update(link_nonce="revoked")
    assert anon.get(link).status_code == 404


def test_page_renders_for_a_valid_link_and_hides_it_from_referrers(world):
    packet = packet_for(world.p.client_a, "demographics-history", "consent-for-services")
    r = world.client_for(None).get(f"/api/v1/intake/p/{packet_link_token(packet)}/")
    assert r.status_code == 200 and r["Referrer-Policy"] == "no-referrer"
    html = r.content.decode()
    assert "Consent for services" in html and 'data-show-if="' in html
    assert world.client_for(None).get("/api/v1/intake/p/forged/").status_code == 404


def test_form_edit_through_the_api_versions_and_old_responses_keep_their_version(world):
    admin = world.client_for("admin")
    forms = seeded(world.p.practice)
    response = packet_for(world.p.client_a, "gad-7").responses.get()
    from intake.builtins import gad7

    changed = gad7()
    changed["title"] = "GAD-7 (revised wording)"
    r = admin.patch(f"/api/v1/intake/forms/{forms['gad-7'].pk}/", {"content": changed}, format="json")
    assert r.status_code == 200 and r.json()["number"] == 2 and r.json()["status"] == "draft"
    assert admin.post(f"/api/v1/intake/forms/{forms['gad-7'].pk}/publish/").status_code == 200
    response.refresh_from_db()
    assert response.version.number == 1 and response.version.content["title"] == "GAD-7"
    bad = admin.patch(f"/api/v1/intake/forms/{forms['gad-7'].pk}/", {"content": {"title": "x"}}, format="json")
    assert bad.status_code == 400 and "definition" in bad.json()["error"]["fields"]


def test_assigning_another_practices_client_or_form_answers_exactly_as_an_unknown_id(world):
    mine, theirs = seeded(world.p.practice)["phq-9"], seeded(world.q.practice)["phq-9"]
    unknown = max(theirs.pk, mine.pk, world.q.client_a.pk) + 1000
    desk = world.client_for("front_desk")

    def assign(client, form):
        return desk.post("/api/v1/intake/packets/", {"client": client, "forms": [form]}, format="json")

    for field, foreign_pk, foreign, missing in (
        ("forms", theirs.pk, assign(world.p.client_a.pk, theirs.pk), assign(world.p.client_a.pk, unknown)),
        ("client", world.q.client_a.pk, assign(world.q.client_a.pk, mine.pk), assign(unknown, mine.pk)),
    ):
        assert foreign.status_code == missing.status_code == 400
        # The same body, but for the id named: nothing tells another practice's object from a missing one.
        expected = json.loads(missing.content.decode().replace(f'\\"{unknown}\\"', f'\\"{foreign_pk}\\"'))
        assert foreign.json() == expected, field
        assert set(expected["error"]["fields"]) == {field}
    assert not Packet.objects.exists()


def test_series_returns_points_oldest_first_with_bands(world):
    anon = world.client_for(None)
    for values in ([3] * 9, [1] * 9):
        packet = packet_for(world.p.client_a, "phq-9")
        response = packet.responses.get()
        anon.patch(f"{_link(packet)}responses/{response.pk}/", {"answers": phq9_answers(values)}, format="json")
        anon.post(f"{_link(packet)}responses/{response.pk}/submit/")
    body = (
        world.client_for("supervisor")
        .get(f"/api/v1/intake/clients/{world.p.client_a.pk}/series/", {"form": "phq-9"})
        .json()
    )
    (measure,) = body["measures"]
    assert measure["slug"] == "phq-9" and measure["range"] == {"min": 0, "max": 27}
    assert [(p["total"], p["band"]) for p in measure["points"]] == [(27, "Severe"), (9, "Mild")]
    assert len(measure["bands"]) == 5
    # Each score shown is a clinical read: one audit event per score, by the supervisor who read it.
    shown = sorted(Score.objects.filter(client=world.p.client_a).values_list("pk", flat=True))
    reads = AuditEvent.objects.filter(object_type="intake.score", action=AuditEvent.Action.READ)
    assert sorted(int(e.object_id) for e in reads) == shown and len(shown) == 2
    assert {e.actor_id for e in reads} == {world.p.supervisor.membership.user_id}


def test_series_points_carry_the_bands_of_the_version_they_were_scored_with(world, django_assert_max_num_queries):
    from intake.builtins import phq9
    from intake.services.forms import form_edit, form_publish

    anon = world.client_for(None)

    def submit(values):
        packet = packet_for(world.p.client_a, "phq-9")
        response = packet.responses.get()
        anon.patch(f"{_link(packet)}responses/{response.pk}/", {"answers": phq9_answers(values)}, format="json")
        assert anon.post(f"{_link(packet)}responses/{response.pk}/submit/").status_code == 200

    submit([1] * 9)  # 9 under version 1: "Mild" (5-9)
    v1_bands = phq9()["scoring"]["bands"]
    revised = phq9()
    revised["scoring"]["bands"] = [{"min": 0, "max": 9, "label": "Low"}, {"min": 10, "max": 27, "label": "High"}]
    form = seeded(world.p.practice)["phq-9"]
    admin = world.p.members["admin"]
    form_edit(actor=admin, form=form, content=revised)
    assert form_publish(actor=admin, form=form).number == 2
    submit([1] * 9)  # the same 9 under version 2: "Low"

    api = world.client_for("clinician")
    with django_assert_max_num_queries(8):
        body = api.get(f"/api/v1/intake/clients/{world.p.client_a.pk}/series/", {"form": "phq-9"}).json()
    (measure,) = body["measures"]
    first, second = measure["points"]
    assert (first["version"], first["band"], first["bands"]) == (1, "Mild", v1_bands)
    assert (second["version"], second["band"], second["bands"]) == (2, "Low", revised["scoring"]["bands"])
    assert first["range"] == second["range"] == {"min": 0, "max": 27}
    assert measure["bands"] == revised["scoring"]["bands"]  # the measure keeps the latest version's scale
