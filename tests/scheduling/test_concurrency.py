"""Many simultaneous bookings of one slot through the HTTP API, each on its own database connection."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from scheduling.models import Appointment
from tests.scheduling.conftest import build_sched

THREADS = 12
START = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_slot_exactly_one_wins():
    s = build_sched()
    from tests.factories.practice import ClientFactory

    clients = [ClientFactory(practice=s.practice) for _ in range(THREADS)]
    tokens = [AuthToken.objects.create(s.front_desk.user)[1] for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        try:
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Token {tokens[i]}", HTTP_X_PRACTICE=s.practice.slug)
            barrier.wait(timeout=30)
            response = api.post("/api/v1/appointments/", {
                "clinician": s.clinician.pk, "clients": [clients[i].pk], "appointment_type": s.session.pk,
                "starts_at": START.isoformat(), "mode": "telehealth"}, format="json")
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    statuses = sorted(code for code, _ in results)
    assert len(results) == THREADS
    assert statuses == [201] + [409] * (THREADS - 1), statuses
    for code, body in results:
        if code == 409:
            assert body["error"]["code"] == "clinician_taken"
            assert body["error"]["resource"] == "clinician"
    assert Appointment.objects.filter(clinician=s.clinician, starts_at=START).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_room_with_different_clinicians_exactly_one_wins():
    s = build_sched()
    from tests.factories.practice import ClientFactory, ClinicianFactory
    from tests.factories.scheduling import working_every_day

    n = 8
    clinicians = [ClinicianFactory(membership__practice=s.practice) for _ in range(n)]
    for c in clinicians:
        working_every_day(c)
    clients = [ClientFactory(practice=s.practice) for _ in range(n)]
    tokens = [AuthToken.objects.create(s.front_desk.user)[1] for _ in range(n)]
    barrier = threading.Barrier(n)
    codes: list[int] = []

    def attempt(i: int) -> None:
        try:
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Token {tokens[i]}", HTTP_X_PRACTICE=s.practice.slug)
            barrier.wait(timeout=30)
            codes.append(api.post("/api/v1/appointments/", {
                "clinician": clinicians[i].pk, "clients": [clients[i].pk], "appointment_type": s.session.pk,
                "starts_at": START.isoformat(), "mode": "in_person", "room": s.room.pk}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [201] + [409] * (n - 1)
    assert Appointment.objects.filter(room=s.room).count() == 1
