"""How to build the object of each kind for each scope of the world (see tests/world.py).

Each app registers its kinds with `@target("kind")`; a builder takes (world, scope) and
returns a model instance. Scopes: "mine" (tied to client_a / clinician, practice p),
"foreign" (tied to client_b / clinician2, practice p), "other" ("mine" of practice q).
"""

from collections.abc import Callable

TARGETS: dict[str, Callable] = {}


def target(kind: str):
    def register(fn):
        TARGETS[kind] = fn
        return fn

    return register


@target("client")
def _client(world, scope):
    t = world.tenant(scope)
    return t.client_b if scope == "foreign" else t.client_a


@target("clinician")
def _clinician(world, scope):
    t = world.tenant(scope)
    return t.clinician2 if scope == "foreign" else t.clinician


@target("staff")
def _staff(world, scope):
    return _clinician(world, scope).membership


@target("care_team_member")
def _care_team_member(world, scope):
    return _client(world, scope).care_team.get()


@target("supervision")
def _supervision(world, scope):
    from tests.factories.practice import ClinicianFactory, SupervisionFactory

    t = world.tenant(scope)
    if scope == "foreign":
        # A supervision that does not involve the acting clinician or supervisor.
        other_sup = ClinicianFactory(membership__practice=t.practice, membership__roles=["clinician", "supervisor"])
        return SupervisionFactory(practice=t.practice, supervisor=other_sup, supervisee=t.clinician2)
    return t.supervisor.supervisions_given.get()


@target("invitation")
def _invitation(world, scope):
    from practice.models import Invitation

    t = world.tenant(scope)
    return Invitation.objects.create(practice=t.practice, email=f"invitee-{scope}@example.test", roles=["front_desk"])


@target("audit_event")
def _audit_event(world, scope):
    from practice.audit import audit_record

    t = world.tenant(scope)
    member = t.members["front_desk"]
    return audit_record(actor=member, action="update", obj=_client(world, scope))
