"""The access matrix in the situations that change a person's reach (issue 11).

The matrix (test_matrix.py) proves each role in a steady practice. Here the same rows are walked after
something changed: a clinician taken off a care team, a clinician profile deactivated, a membership whose
clinician role was removed, a supervision that ended, a person who belongs to two practices with different
roles. The clinical rows are derived from the matrix itself: every GET that admin and front desk may not
read but a clinician or supervisor may (notes, timeline, session prep, intake answers, scores, risk flags,
measures). After the change, the affected person must see nothing clinical of the affected client: each
such row answers 403/404, or a 2xx that names the client nowhere (a list without the client's object).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from practice import roles
from tests.access.matrix import Row, all_rows
from tests.factories.practice import CareTeamMemberFactory, MembershipFactory

ROWS = all_rows()


def _ok(status: int) -> bool:
    return 200 <= status < 300


def _clinical(row: Row) -> bool:
    """Content ACCESS.md gives the clinical roles and denies admin and front desk."""
    if row.method != "GET" or not (row.target or row.lists):
        return False
    denied = not _ok(row.status_for("admin", "mine")) and not _ok(row.status_for("front_desk", "mine"))
    return denied and (_ok(row.status_for("clinician", "mine")) or _ok(row.status_for("supervisor", "mine")))


CLINICAL_ROWS = [row for row in ROWS if _clinical(row)]


def _names_client(data, client_pk: int) -> bool:
    """Whether a response body refers to the client anywhere (`client`, `clients`, nested)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "client" and value == client_pk:
                return True
            if key == "clients" and isinstance(value, list) and client_pk in value:
                return True
            if _names_client(value, client_pk):
                return True
    elif isinstance(data, list):
        return any(_names_client(item, client_pk) for item in data)
    return False


def _api(membership) -> APIClient:
    api = APIClient()
    _, token = AuthToken.objects.create(membership.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=membership.practice.slug)
    return api


@dataclass(frozen=True)
class Situation:
    name: str
    role: str  # the role in practice p whose clinical rows are walked
    scope: str  # whose objects must disappear: "mine" (practice p) or "other" (practice q)
    change: Callable  # (world) -> the membership that acts afterwards


def _off_care_team(world):
    world.p.client_a.care_team.filter(clinician=world.p.clinician).delete()
    return world.p.members["clinician"]


def _profile_deactivated(world):
    from practice.services.members import clinician_update

    clinician_update(actor=world.p.members["admin"], clinician=world.p.clinician, is_active=False)
    return world.p.members["clinician"]


def _clinician_role_removed(world):
    from practice.services.members import membership_set_roles

    membership = world.p.members["clinician"]
    membership_set_roles(actor=world.p.members["admin"], membership=membership, roles_=[roles.FRONT_DESK])
    membership.refresh_from_db()
    return membership


def _supervision_ended(world):
    from practice.services.members import supervision_end

    supervision_end(actor=world.p.members["admin"], supervision=world.p.supervisor.supervisions_given.get())
    return world.p.members["supervisor"]


def _supervisee_deactivated(world):
    from practice.services.members import clinician_update

    clinician_update(actor=world.p.members["admin"], clinician=world.p.clinician, is_active=False)
    return world.p.members["supervisor"]


def _clinician_here_front_desk_there(world):
    """p's clinician also works the front desk of practice q, and acts there: p's clinical content stays in p."""
    return MembershipFactory(
        practice=world.q.practice, user=world.p.clinician.membership.user, roles=[roles.FRONT_DESK]
    )


def _admin_here_clinician_there(world):
    """p's admin is also a clinician in practice q on q's client: acting in p, they read nothing of q, nothing
    clinical of p."""
    from tests.factories.practice import ClinicianFactory

    admin = world.p.members["admin"]
    elsewhere = ClinicianFactory(
        membership__practice=world.q.practice, membership__user=admin.user, membership__roles=[roles.CLINICIAN]
    )
    CareTeamMemberFactory(practice=world.q.practice, client=world.q.client_a, clinician=elsewhere)
    return admin


SITUATIONS = [
    Situation("clinician taken off the care team", "clinician", "mine", _off_care_team),
    Situation("clinician profile deactivated", "clinician", "mine", _profile_deactivated),
    Situation("clinician role removed from the membership", "clinician", "mine", _clinician_role_removed),
    Situation("supervision ended", "supervisor", "mine", _supervision_ended),
    Situation("supervisee's profile deactivated", "supervisor", "mine", _supervisee_deactivated),
    Situation("clinician in p, front desk in q, acting in q", "clinician", "mine", _clinician_here_front_desk_there),
    Situation(
        "admin in p, clinician in q, acting in p: q's content", "clinician", "other", _admin_here_clinician_there
    ),
    Situation("admin in p, clinician in q, acting in p: p's content", "clinician", "mine", _admin_here_clinician_there),
]


@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda s: s.name)
def test_nothing_clinical_of_the_affected_client_after(world, situation: Situation):
    rows = [row for row in CLINICAL_ROWS if _ok(row.status_for(situation.role, "mine"))]
    assert len(rows) >= 10, "the matrix should give this role clinical rows to walk"
    # Everything exists before the change, built while the person could still see it.
    for row in rows:
        world.target(row.target or row.lists, situation.scope)
    queries = {row.key: row.query(world, situation.role) if row.query else {} for row in rows}
    client = world.target("client", situation.scope)

    acting = situation.change(world)
    api = _api(acting)
    leaks = []
    for row in rows:
        path = row.path
        if row.target:
            path = path.replace("{id}", str(world.target(row.target, situation.scope).pk))
        response = api.get(path, queries[row.key])
        if not _ok(response.status_code):
            if response.status_code not in (403, 404):
                leaks.append(f"{row.path}: {response.status_code} (expected 403 or 404)")
            continue
        data = response.json()
        if _names_client(data, client.pk):
            leaks.append(f"{row.path}: {response.status_code} names client {client.pk}")
        if row.lists:
            results = data["results"] if isinstance(data, dict) and "results" in data else data
            listed = {str(item["id"]) for item in results}
            if str(world.target(row.lists, situation.scope).pk) in listed:
                leaks.append(f"{row.path}: lists the {row.lists}")
    assert not leaks, f"{situation.name}: " + "; ".join(leaks)


def test_the_person_in_two_practices_still_reads_where_they_are_the_clinician(world):
    """The control for the two-practice situations: acting in q as q's clinician, q's client's timeline reads."""
    admin = _admin_here_clinician_there(world)
    elsewhere = admin.user.memberships.get(practice=world.q.practice)
    from tests.factories.notes import signed_note

    note = signed_note(world.q.clinician, world.q.client_a)
    response = _api(elsewhere).get(f"/api/v1/progress-notes/{note.pk}/")
    assert response.status_code == 200 and response.json()["client"] == world.q.client_a.pk
    assert _api(admin).get(f"/api/v1/progress-notes/{note.pk}/").status_code == 404
