"""Reschedules, changes of place and bookings racing for one room at one time, through the HTTP API, each on its
own thread and database connection: exactly one wins, every other answers 409, none 503 (issue 12: a deadlock
between a change's lock on the appointment's clinician, type and practice rows and a booking's foreign-key
checks used to reach the client as `503 database_unavailable`)."""

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from scheduling.models import ACTIVE_STATUSES, Appointment
from scheduling.services.booking import appointment_book
from tests.factories.practice import ClientFactory, ClinicianFactory
from tests.factories.scheduling import working_every_day
from tests.scheduling.conftest import build_sched

START = datetime(2027, 4, 5, 15, 0, tzinfo=UTC)
EACH = 4  # racers of each kind per round
ROUNDS = 12
STAGGER_STEP = 0.01  # seconds


def _race(requests: list) -> list[tuple[int, dict]]:
    """Run each (token, method, path, body, slug, delay) on its own thread, all released at once and each after
    its delay; return (status, body) of each."""
    barrier = threading.Barrier(len(requests))
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def run(token: str, method: str, path: str, body: dict, slug: str, delay: float) -> None:
        try:
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=slug)
            barrier.wait(timeout=30)
            time.sleep(delay)
            response = getattr(api, method)(path, body, format="json")
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=r) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_reschedules_place_changes_and_bookings_racing_for_one_room_exactly_one_wins_none_503():
    s = build_sched()
    clinicians = [ClinicianFactory(membership__practice=s.practice) for _ in range(3 * EACH)]
    for c in clinicians:
        working_every_day(c)
    clients = [ClientFactory(practice=s.practice) for _ in range(3 * EACH)]
    booking_c, moving_c, placing_c = clinicians[:EACH], clinicians[EACH : 2 * EACH], clinicians[2 * EACH :]
    outcomes: Counter = Counter()
    winners: list[int] = []
    in_room: list[int] = []
    for r in range(ROUNDS):
        # A booking does more work before its insert than a change does before its lock: the changes start a
        # little later each round, so the rounds sweep the orders in which the two meet.
        stagger = r * STAGGER_STEP
        slot = START + timedelta(days=r)
        tokens = [AuthToken.objects.create(s.front_desk.user)[1] for _ in range(3 * EACH)]
        requests = []
        for i, clinician in enumerate(booking_c):
            body = {
                "clinician": clinician.pk,
                "clients": [clients[i].pk],
                "appointment_type": s.session.pk,
                "starts_at": slot.isoformat(),
                "mode": "in_person",
                "room": s.room.pk,
            }
            requests.append((tokens[i], "post", "/api/v1/appointments/", body, s.practice.slug, 0))
        for i, clinician in enumerate(moving_c):
            later = appointment_book(
                actor=s.front_desk,
                clinician=clinician,
                clients=[clients[EACH + i]],
                appointment_type=s.session,
                starts_at=slot + timedelta(hours=2 + i),
                mode="in_person",
                room=s.room2,
            )
            body = {"starts_at": slot.isoformat(), "room": s.room.pk}
            path = f"/api/v1/appointments/{later.pk}/reschedule/"
            requests.append((tokens[EACH + i], "post", path, body, s.practice.slug, stagger))
        for i, clinician in enumerate(placing_c):
            online = appointment_book(
                actor=s.front_desk,
                clinician=clinician,
                clients=[clients[2 * EACH + i]],
                appointment_type=s.session,
                starts_at=slot,
                mode="telehealth",
            )
            body = {"mode": "in_person", "room": s.room.pk}
            path = f"/api/v1/appointments/{online.pk}/"
            requests.append((tokens[2 * EACH + i], "patch", path, body, s.practice.slug, stagger))

        results = _race(requests)

        assert len(results) == 3 * EACH
        codes = [code for code, _ in results]
        winners.append(sum(code in (200, 201) for code in codes))
        for code, body in results:
            outcomes[body["error"]["code"] if code >= 400 else code] += 1
        in_room.append(Appointment.objects.filter(room=s.room, starts_at=slot, status__in=ACTIVE_STATUSES).count())
    # Every round in one figure (printed with -s, and in the failure message): rounds, racers, each outcome.
    print(f"\n{ROUNDS} rounds x {3 * EACH} racers: winners per round {winners}, outcomes {dict(outcomes)}")
    assert winners == [1] * ROUNDS and in_room == [1] * ROUNDS, (winners, in_room, outcomes)
    assert set(outcomes) <= {200, 201, "room_taken"} and outcomes["room_taken"] == ROUNDS * (3 * EACH - 1), outcomes
