"""`GET /invitations/?status=` (practice/filters.py InvitationFilter): each state narrows the list, no status lists
them all, and a status that is not one of them is a 400 naming it (it used to list them all, as if left out)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from practice.models import Invitation
from practice.selectors import INVITATION_STATUSES


@pytest.fixture
def invitations(world):
    practice = world.p.practice

    def invite(email, **fields):
        return Invitation.objects.create(practice=practice, email=email, roles=["clinician"], **fields).pk

    now = timezone.now()
    made = {
        "pending": invite("pending@example.test"),
        "accepted": invite("accepted@example.test", accepted_at=now),
        "revoked": invite("revoked@example.test", revoked_at=now),
        "expired": invite("expired@example.test"),
    }
    old = now - timedelta(seconds=settings.INVITATION_MAX_AGE + 60)
    Invitation.objects.filter(pk=made["expired"]).update(created_at=old)
    Invitation.objects.create(practice=world.q.practice, email="elsewhere@example.test", roles=["clinician"])
    return world, {state: str(pk) for state, pk in made.items()}


def _listed(world, params):
    response = world.client_for("admin").get("/api/v1/invitations/", params)
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.django_db
def test_each_status_lists_the_invitations_in_it(invitations):
    world, ids = invitations
    for state in INVITATION_STATUSES:
        assert _listed(world, {"status": state}) == {ids[state]}, state
    assert _listed(world, {}) == set(ids.values())  # the other practice's is never there
    assert _listed(world, {"status": ""}) == set(ids.values())


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["bogus", "Pending", "pending\x00", "\x00"])
def test_an_unknown_status_is_a_400_naming_it(invitations, value):
    world, _ = invitations
    response = world.client_for("admin").get("/api/v1/invitations/", {"status": value})
    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == ["status"]


@pytest.mark.django_db
def test_the_status_narrows_the_list_only_not_a_revoke(invitations):
    world, ids = invitations
    admin = world.client_for("admin")
    response = admin.post(f"/api/v1/invitations/{ids['pending']}/revoke/?status=accepted")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "revoked"


def test_the_schema_lists_the_status_with_its_values():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/invitations/"]["get"]["parameters"]}
    assert set(parameters["status"]["schema"]["enum"]) == set(INVITATION_STATUSES)
    assert "post" not in schema["paths"]["/api/v1/invitations/"] or not any(
        p["name"] == "status" for p in schema["paths"]["/api/v1/invitations/"]["post"].get("parameters", [])
    )
