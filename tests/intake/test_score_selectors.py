"""Intake's score reads scope themselves: a caller asking for a client outside the actor's caseload gets nothing."""

import pytest

from intake.selectors import scores_by_client
from intake.services.responses import response_amend, response_save_draft, response_submit
from tests.factories.intake import packet_for, phq9_answers

pytestmark = pytest.mark.django_db

SLUGS = ("phq-9", "gad-7", "session-check-in")


def _submit_phq9(client, values):
    response = packet_for(client, "phq-9").responses.get()
    response_save_draft(response=response, answers=phq9_answers(values), via_link=True)
    response_submit(response=response, via_link=True)
    return response


def _client_ids(world):
    return [world.p.client_a.pk, world.p.client_b.pk, world.q.client_a.pk]


def test_scores_by_client_leaves_out_clients_outside_the_caseload(world, django_assert_max_num_queries):
    _submit_phq9(world.p.client_a, [1] * 9)
    _submit_phq9(world.p.client_a, [2] * 9)
    _submit_phq9(world.p.client_b, [3] * 9)  # clinician2's client: not on world.p.clinician's caseload
    _submit_phq9(world.q.client_a, [3] * 9)  # another practice

    with django_assert_max_num_queries(2):
        scores = scores_by_client(actor=world.p.members["clinician"], client_ids=_client_ids(world), form_slugs=SLUGS)

    assert set(scores) == {world.p.client_a.pk}
    assert [(s["measure"], s["total"], s["band"]) for s in scores[world.p.client_a.pk]] == [
        ("phq-9", 9, "Mild"),
        ("phq-9", 18, "Moderately severe"),
    ]


def test_scores_by_client_for_a_supervisor_and_roles_without_clinical_scope(world):
    _submit_phq9(world.p.client_a, [1] * 9)
    _submit_phq9(world.p.client_b, [3] * 9)

    supervised = scores_by_client(actor=world.p.members["supervisor"], client_ids=_client_ids(world), form_slugs=SLUGS)
    assert set(supervised) == {world.p.client_a.pk}  # the supervisee's client only
    for role in ("admin", "front_desk", "client"):
        assert scores_by_client(actor=world.p.members[role], client_ids=_client_ids(world), form_slugs=SLUGS) == {}


def test_scores_by_client_keeps_to_the_asked_measures_and_drops_amended_scores(world):
    first = _submit_phq9(world.p.client_a, [1] * 9)
    clinician = world.p.members["clinician"]
    assert scores_by_client(actor=clinician, client_ids=[world.p.client_a.pk], form_slugs=["gad-7"]) == {}

    portal = world.p.members["client"]  # client_a corrects their own answers
    amendment = response_amend(actor=portal, response=first)
    response_save_draft(response=amendment, answers=phq9_answers([0] * 9), actor=portal)
    response_submit(response=amendment, actor=portal)
    scores = scores_by_client(actor=clinician, client_ids=[world.p.client_a.pk], form_slugs=SLUGS)
    assert [s["total"] for s in scores[world.p.client_a.pk]] == [0]
