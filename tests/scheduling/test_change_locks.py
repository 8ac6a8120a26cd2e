"""What a change to an appointment locks, and what a deadlock answers (issue 12). Real PostgreSQL: a second
connection asks for the rows with NOWAIT while a change holds its locks, and two threads make a real deadlock."""

import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.db import connection, transaction

from backend.api.errors import exception_handler
from core.contention import retry_on_contention
from practice.models import Clinician, Practice
from scheduling.models import Appointment, AppointmentType
from scheduling.services.appointment_changes import appointment_cancel, appointment_change_place, appointment_reschedule
from scheduling.services.booking import appointment_book
from tests.pg import admin_connection
from tests.scheduling.conftest import build_sched

START = datetime(2027, 5, 3, 15, 0, tzinfo=UTC)


def _locked_by_other(table: str, pk: int) -> bool:
    with admin_connection() as other:
        try:
            other.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
        except psycopg.errors.LockNotAvailable:
            return True
    return False


@pytest.mark.parametrize("change", ["cancel", "reschedule", "place"])
@pytest.mark.django_db(transaction=True)
def test_a_change_locks_the_appointment_row_only_not_its_practice_clinician_or_type(change):
    s = build_sched()
    appointment = appointment_book(
        actor=s.front_desk,
        clinician=s.clinician,
        clients=[s.client],
        appointment_type=s.session,
        starts_at=START,
        mode="telehealth",
    )
    with transaction.atomic():  # the change's locks stay held until this block ends
        if change == "cancel":
            appointment_cancel(actor=s.front_desk, appointment=appointment)
        elif change == "reschedule":
            appointment_reschedule(actor=s.front_desk, appointment=appointment, starts_at=START + timedelta(hours=2))
        else:
            appointment_change_place(actor=s.front_desk, appointment=appointment, mode="in_person", room=s.room)
        assert _locked_by_other(Appointment._meta.db_table, appointment.pk)
        assert not _locked_by_other(Practice._meta.db_table, s.practice.pk)
        assert not _locked_by_other(Clinician._meta.db_table, s.clinician.pk)
        assert not _locked_by_other(AppointmentType._meta.db_table, s.session.pk)


def _deadlock(first: tuple[str, int], second: tuple[str, int], body=None):
    """Two threads lock `first` and `second` in opposite orders: PostgreSQL aborts one of them."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    calls: list[str] = []

    def side(a: tuple[str, int], b: tuple[str, int], name: str) -> None:
        @retry_on_contention
        @transaction.atomic
        def work() -> None:
            calls.append(name)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM {a[0]} WHERE id = %s FOR UPDATE", [a[1]])
                if len(calls) <= 2:  # only the first run of each side meets the other one
                    barrier.wait(timeout=10)
                cursor.execute(f"SELECT 1 FROM {b[0]} WHERE id = %s FOR UPDATE", [b[1]])

        try:
            work() if body is None else body(work)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=side, args=(first, second, "one")),
        threading.Thread(target=side, args=(second, first, "two")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors, calls


@pytest.mark.django_db(transaction=True)
def test_a_deadlocked_transaction_is_run_again_and_both_sides_succeed():
    s = build_sched()
    errors, calls = _deadlock((Practice._meta.db_table, s.practice.pk), (AppointmentType._meta.db_table, s.session.pk))
    assert errors == []
    # The victim ran again (a loaded machine may make it wait its turn more than once: what matters is that
    # neither side failed and the deadlock was resolved by running a side again).
    assert set(calls) == {"one", "two"} and len(calls) >= 3


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_that_reaches_the_error_handler_is_a_409_not_a_503():
    s = build_sched()

    def inside_a_callers_transaction(work):
        with transaction.atomic():  # no retry possible here: the deadlock escapes to the caller
            work()

    errors, _ = _deadlock(
        (Practice._meta.db_table, s.practice.pk),
        (AppointmentType._meta.db_table, s.session.pk),
        body=inside_a_callers_transaction,
    )
    assert len(errors) == 1
    response = exception_handler(errors[0], {})
    assert response.status_code == 409
    assert response.data["error"]["code"] == "write_contended"
    assert "Retry-After" not in response
