"""A small, complete practice (and a second one) for access tests.

    practice "p" (and an identical practice "q", the other tenant):
      admin, front_desk
      clinician   - supervised by `supervisor`; on client_a's care team  ("mine")
      supervisor  - a clinician who supervises `clinician`
      clinician2  - not supervised by anyone; on client_b's care team     ("foreign")
      client_a    - has a portal login: the `client` actor
      client_b    - no portal login

For any kind of object, `mine` is the one tied to client_a / clinician, `foreign` the one
tied to client_b / clinician2 in the same practice, `other` the `mine` of practice q.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from knox.models import AuthToken
from rest_framework.test import APIClient

from practice import roles
from practice.models import Membership
from tests.factories.practice import (
    CareTeamMemberFactory,
    ClientFactory,
    ClinicianFactory,
    MembershipFactory,
    PracticeFactory,
    SupervisionFactory,
)

ACTOR_ROLES = ("admin", "front_desk", "clinician", "supervisor", "client")


@dataclass
class Tenant:
    practice: object
    members: dict[str, Membership] = field(default_factory=dict)
    clinician: object = None
    supervisor: object = None
    clinician2: object = None
    client_a: object = None
    client_b: object = None


def build_tenant(slug: str) -> Tenant:
    practice = PracticeFactory(slug=slug, name=f"Practice {slug.upper()}")
    t = Tenant(practice=practice)
    t.members["admin"] = MembershipFactory(practice=practice, roles=[roles.ADMIN])
    t.members["front_desk"] = MembershipFactory(practice=practice, roles=[roles.FRONT_DESK])
    t.clinician = ClinicianFactory(membership__practice=practice, membership__roles=[roles.CLINICIAN])
    t.supervisor = ClinicianFactory(
        membership__practice=practice, membership__roles=[roles.CLINICIAN, roles.SUPERVISOR]
    )
    t.clinician2 = ClinicianFactory(membership__practice=practice, membership__roles=[roles.CLINICIAN])
    t.members["clinician"] = t.clinician.membership
    t.members["supervisor"] = t.supervisor.membership
    SupervisionFactory(practice=practice, supervisor=t.supervisor, supervisee=t.clinician)
    portal = MembershipFactory(practice=practice, roles=[roles.CLIENT])
    t.client_a = ClientFactory(practice=practice, portal_membership=portal, email=portal.user.email)
    t.client_b = ClientFactory(practice=practice)
    t.members["client"] = portal
    CareTeamMemberFactory(practice=practice, client=t.client_a, clinician=t.clinician)
    CareTeamMemberFactory(practice=practice, client=t.client_b, clinician=t.clinician2)
    return t


class World:
    def __init__(self):
        self.p = build_tenant("p")
        self.q = build_tenant("q")
        self._cache: dict = {}

    def client_for(self, role: str | None) -> APIClient:
        """An API client authenticated as `role` in practice p (None: anonymous)."""
        api = APIClient()
        if role is not None:
            membership = self.p.members[role]
            _, token = AuthToken.objects.create(membership.user)
            api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=self.p.practice.slug)
        return api

    def target(self, kind: str, scope: str):
        """The object of `kind` for `scope` in ("mine", "foreign", "other"), built once per world."""
        from tests.access.targets import TARGETS

        key = (kind, scope)
        if key not in self._cache:
            self._cache[key] = TARGETS[kind](self, scope)
        return self._cache[key]

    def tenant(self, scope: str) -> Tenant:
        return self.q if scope == "other" else self.p
