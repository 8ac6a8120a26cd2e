"""Caseload attention: a client with an open PHQ-9 item-9 flag comes first, with the reason in words, for the
API and the page alike (the selector decides); an acknowledged flag leaves the list."""

from __future__ import annotations

from intake.models import RiskFlag
from intake.services.responses import response_save_draft, response_submit
from intake.services.risk_flags import risk_flag_acknowledge
from practice.models import CareTeamMember
from tests.factories.intake import packet_for, phq9_answers
from tests.factories.notes import signed_note, withdrawal_rupture
from tests.factories.practice import ClientFactory


def _item9(client):
    packet = packet_for(client, "phq-9")
    response = packet.responses.get()
    response_save_draft(response=response, answers=phq9_answers([0, 0, 0, 0, 0, 0, 0, 0, 1]), via_link=True)
    response_submit(response=response, via_link=True)
    return RiskFlag.objects.get(response=response)


def test_open_item9_flag_puts_the_client_first_with_the_reason_in_words(world):
    other = ClientFactory(practice=world.p.practice)
    CareTeamMember.objects.create(practice=world.p.practice, client=other, clinician=world.p.clinician)
    # The other client has two open ruptures of high intensity: without the flag rule they would come first.
    signed_note(world.p.clinician, other, ruptures=[withdrawal_rupture(intensity=5), withdrawal_rupture(intensity=5)])
    flag = _item9(world.p.client_a)
    rows = world.client_for("clinician").get("/api/v1/notes/caseload-attention/").json()
    assert [r["client"] for r in rows] == [world.p.client_a.pk, other.pk]
    first = rows[0]
    assert first["reasons"] == ["safety_flag"]
    assert "PHQ-9 item 9" in first["reason_text"][0]
    assert [f["id"] for f in first["risk_flags"]] == [flag.pk]
    assert rows[1]["reason_text"] == ["2 open ruptures (highest intensity 5)."]

    risk_flag_acknowledge(actor=world.p.clinician.membership, flag=flag, note="Called; safety plan in place.")
    rows = world.client_for("clinician").get("/api/v1/notes/caseload-attention/").json()
    assert [r["client"] for r in rows] == [other.pk]


def test_flag_of_a_client_outside_the_caseload_is_not_listed(world):
    _item9(world.p.client_b)  # clinician2's client
    rows = world.client_for("clinician").get("/api/v1/notes/caseload-attention/").json()
    assert rows == []
