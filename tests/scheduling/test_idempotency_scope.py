"""Issue 11 (suspected, confirmed): an Idempotency-Key replay is a read of what the first request made, so it
re-checks the caller's scope first; someone who may no longer see the booking gets 404, not the stored body."""

from datetime import UTC, datetime

from practice import roles
from tests.factories.practice import ClinicianFactory
from tests.scheduling.test_idempotency import api_for, book, booking

START = datetime(2027, 3, 2, 15, 0, tzinfo=UTC)


def test_a_replay_after_the_caller_lost_the_scope_answers_404_not_the_stored_booking(sched):
    # A front desk member who is also a clinician books for another clinician's client, with a key.
    both = ClinicianFactory(membership__practice=sched.practice, membership__roles=[roles.FRONT_DESK, roles.CLINICIAN])
    api = api_for(both.membership)
    first = book(api, booking(sched, starts_at=START), "scope-1")
    assert first.status_code == 201, first.json()
    again = book(api, booking(sched, starts_at=START), "scope-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"  # still in scope: the replay

    both.membership.roles = [roles.CLINICIAN]  # no longer front desk: the other clinician's schedule is out of scope
    both.membership.save()
    replay = book(api, booking(sched, starts_at=START), "scope-1")
    assert replay.status_code == 404, replay.json()
    assert str(sched.client.pk) not in replay.content.decode()
    assert "Idempotent-Replayed" not in replay
    detail = api.get(f"/api/v1/appointments/{first.json()['id']}/")
    assert detail.status_code == 404 and replay.json() == detail.json()  # exactly as the object itself answers
