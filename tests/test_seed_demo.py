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


def test_seed_demo_gives_the_demo_clinician_a_session_today_to_prepare(db):
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from notes import prep as prep_selectors
    from notes import selectors, worklist
    from practice.models import Clinician

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    okafor = Clinician.objects.get(membership__user__email="okafor@harbor.test")
    tz = ZoneInfo(okafor.practice.time_zone)
    now = datetime.now(tz)
    start = datetime.combine(now.date(), time.min, tzinfo=tz)
    # Today's session (90 min from now: it may fall tomorrow late at night; then look a day further).
    rows = worklist.session_worklist(actor=okafor.membership, start=start, end=start + timedelta(days=2))
    assert [r["client"].email for r in rows if r["appointment"].starts_at > now.astimezone(tz)] == [
        "jordan@harbor.test"
    ]
    jordan = rows[0]["client"]
    prep = prep_selectors.session_prep(actor=okafor.membership, client=jordan)
    assert prep["last_note"] is not None and len(prep["open_ruptures"]) == 1
    assert selectors.progress_note_list(actor=okafor.membership).count() == 1  # idempotent
