from io import StringIO

from django.core.management import call_command

from practice.models import Client, Membership, Supervision
from scheduling.models import Appointment


def _counts():
    return (
        Membership.objects.count(),
        Client.objects.count(),
        Supervision.objects.count(),
        Appointment.objects.count(),
    )


def test_seed_demo_builds_every_role_and_is_idempotent(db):
    call_command("seed_demo", stdout=StringIO())
    first = _counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert _counts() == first
    roles = {role for m in Membership.objects.all() for role in m.roles}
    assert roles == {"admin", "front_desk", "clinician", "supervisor", "client"}
    assert first[3] > 0
    assert Client.objects.filter(portal_membership__isnull=False).count() == Client.objects.count()
    assert "attune-demo-pass" in out.getvalue()
