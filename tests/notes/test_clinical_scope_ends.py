"""Clinical scope ends with the profile, the role, the care team and the supervision (issue 11, items 4 and 5).

Supervisor rule, per note: S reads a signed note when its author is a current supervisee of S and the
author still serves the note's client. Another supervisee serving the same client does not carry the note.
"""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from notes.selectors import progress_note_list
from practice import roles
from practice.services.members import clinician_update, membership_set_roles, supervision_end
from tests.factories.notes import signed_note
from tests.factories.practice import (
    CareTeamMemberFactory,
    ClientFactory,
    ClinicianFactory,
    MembershipFactory,
    PracticeFactory,
    SupervisionFactory,
)


@pytest.fixture
def team(db):
    """S supervises A and B; A and B both serve K; each has signed a note on K."""
    practice = PracticeFactory()
    admin = MembershipFactory(practice=practice, roles=[roles.ADMIN])
    s = ClinicianFactory(membership__practice=practice, membership__roles=[roles.CLINICIAN, roles.SUPERVISOR])
    a = ClinicianFactory(membership__practice=practice)
    b = ClinicianFactory(membership__practice=practice)
    k = ClientFactory(practice=practice)
    for supervisee in (a, b):
        SupervisionFactory(practice=practice, supervisor=s, supervisee=supervisee)
        CareTeamMemberFactory(practice=practice, client=k, clinician=supervisee)
    notes = {"a": signed_note(a, k), "b": signed_note(b, k)}
    return {"admin": admin, "s": s, "a": a, "b": b, "k": k, "notes": notes}


def _readable(clinician) -> set[int]:
    return set(progress_note_list(actor=clinician.membership).values_list("pk", flat=True))


def _get(clinician, note):
    api = APIClient()
    _, token = AuthToken.objects.create(clinician.membership.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api.get(f"/api/v1/progress-notes/{note.pk}/")


def test_supervisor_reads_both_supervisees_notes_while_both_serve_the_client(team):
    assert _readable(team["s"]) == {team["notes"]["a"].pk, team["notes"]["b"].pk}


def test_supervisor_stops_reading_a_supervisees_notes_once_the_supervisee_leaves_the_care_team(team):
    team["k"].care_team.filter(clinician=team["a"]).delete()  # B still serves K
    assert _readable(team["s"]) == {team["notes"]["b"].pk}
    assert _get(team["s"], team["notes"]["a"]).status_code == 404
    assert _get(team["s"], team["notes"]["b"]).status_code == 200


def test_supervisor_stops_reading_once_the_supervision_ended(team):
    supervision_end(actor=team["admin"], supervision=team["s"].supervisions_given.get(supervisee=team["a"]))
    assert _readable(team["s"]) == {team["notes"]["b"].pk}
    assert _get(team["s"], team["notes"]["a"]).status_code == 404


def test_supervisor_stops_reading_a_deactivated_supervisees_notes(team):
    clinician_update(actor=team["admin"], clinician=team["a"], is_active=False)
    assert _readable(team["s"]) == {team["notes"]["b"].pk}


def test_clinician_taken_off_the_care_team_no_longer_reads_their_own_notes_on_the_client(team):
    team["k"].care_team.filter(clinician=team["a"]).delete()
    assert _readable(team["a"]) == set()
    assert _get(team["a"], team["notes"]["a"]).status_code == 404


def test_a_deactivated_clinician_reads_no_notes(team):
    assert _readable(team["a"]) == {team["notes"]["a"].pk, team["notes"]["b"].pk}
    clinician_update(actor=team["admin"], clinician=team["a"], is_active=False)
    assert _readable(team["a"]) == set()
    assert _get(team["a"], team["notes"]["b"]).status_code == 404


def test_a_membership_whose_clinician_role_was_removed_reads_no_notes(team):
    membership_set_roles(actor=team["admin"], membership=team["a"].membership, roles_=[roles.FRONT_DESK])
    team["a"].membership.refresh_from_db()
    assert _readable(team["a"]) == set()
    response = _get(team["a"], team["notes"]["b"])
    assert response.status_code in (403, 404) and "content" not in response.json()
