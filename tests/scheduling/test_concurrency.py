"""Many simultaneous bookings of one slot through the HTTP API, each on its own database connection."""

import threading
from datetime import UTC, datetime, timedelta

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
            response = api.post(
                "/api/v1/appointments/",
                {
                    "clinician": s.clinician.pk,
                    "clients": [clients[i].pk],
                    "appointment_type": s.session.pk,
                    "starts_at": START.isoformat(),
                    "mode": "telehealth",
                },
                format="json",
            )
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
            codes.append(
                api.post(
                    "/api/v1/appointments/",
                    {
                        "clinician": clinicians[i].pk,
                        "clients": [clients[i].pk],
                        "appointment_type": s.session.pk,
                        "starts_at": START.isoformat(),
                        "mode": "in_person",
                        "room": s.room.pk,
                    },
                    format="json",
                ).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [201] + [409] * (n - 1)
    assert Appointment.objects.filter(room=s.room).count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_service_bookings_over_many_rounds_never_error_only_conflict():
    """Straight to the service (no HTTP overhead), so inserts really collide; PostgreSQL may then detect a
    deadlock between two exclusion-constraint checks, which must end as a clean 409, never an error."""
    from core.errors import Conflict
    from scheduling.services.booking import appointment_book
    from tests.factories.practice import ClientFactory

    s = build_sched()
    n, rounds = 8, 10
    clients = [ClientFactory(practice=s.practice) for _ in range(n)]
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()
    barriers = [threading.Barrier(n) for _ in range(rounds)]

    def worker(i: int) -> None:
        try:
            for r in range(rounds):
                start = START + timedelta(days=r)
                barriers[r].wait(timeout=30)
                try:
                    appointment_book(
                        actor=s.front_desk,
                        clinician=s.clinician,
                        clients=[clients[i]],
                        appointment_type=s.session,
                        starts_at=start,
                        mode="in_person",
                        room=s.room,
                    )
                    result = "booked"
                except Conflict as exc:
                    result = exc.code
                except Exception as exc:  # noqa: BLE001 - the point is that nothing else escapes
                    result = f"error: {type(exc).__name__}"
                with lock:
                    outcomes.append((r, result))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == n * rounds
    assert not [o for o in outcomes if o[1].startswith("error")], outcomes
    for r in range(rounds):
        assert sum(1 for rr, res in outcomes if rr == r and res == "booked") == 1
    assert Appointment.objects.filter(clinician=s.clinician).count() == rounds


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_between_exclusion_checks_is_retried_not_a_500():
    """Another transaction holds the client's time and then wants the clinician's: a cycle PostgreSQL breaks by
    aborting the booking. The booking retries its savepoint and succeeds once the other side rolls back."""
    import time as clock
    from datetime import timedelta as td

    from scheduling.models import AppointmentClient
    from scheduling.services.booking import appointment_book

    s = build_sched()
    elsewhere = appointment_book(
        actor=s.front_desk,
        clinician=s.clinician2,
        clients=[s.client2],
        appointment_type=s.session,
        starts_at=START + td(days=1),
        mode="telehealth",
    )
    holding = threading.Event()
    outcome: dict = {}

    def other_transaction() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                AppointmentClient.objects.create(
                    practice=s.practice,
                    appointment=elsewhere,
                    client=s.client,
                    span=(START, START + td(minutes=50)),
                    is_active=True,
                )
                holding.set()
                clock.sleep(0.5)  # let the booking insert its appointment and block on the client row
                clash = Appointment(
                    practice=s.practice, clinician=s.clinician, appointment_type=s.session, mode="telehealth"
                )
                clash.set_times(START, s.session)
                try:
                    clash.save()
                except Exception as exc:  # noqa: BLE001
                    outcome["other"] = type(exc).__name__
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        finally:
            connection.close()

    def booking() -> None:
        try:
            holding.wait(timeout=10)
            appointment = appointment_book(
                actor=s.front_desk,
                clinician=s.clinician,
                clients=[s.client],
                appointment_type=s.session,
                starts_at=START,
                mode="telehealth",
            )
            outcome["booking"] = appointment.status
        except Exception as exc:  # noqa: BLE001
            outcome["booking"] = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=other_transaction), threading.Thread(target=booking)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcome["booking"] == "scheduled", outcome
    assert Appointment.objects.filter(clinician=s.clinician, starts_at=START).count() == 1
