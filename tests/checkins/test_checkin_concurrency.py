"""The check-in hook run by two transactions at once for one completed session (each on its own database
connection, as two workers or a retried request would): one check-in and one email, no error."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from intake.models import SessionCheckIn
from intake.services.checkins import checkins_for_completed_session
from reminders.models import OutboundMessage
from scheduling.models import Appointment
from tests.checkins.helpers import session
from tests.world import World

THREADS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_hooks_make_one_checkin():
    world = World()
    appointment = session(world, status="completed")
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            with transaction.atomic():
                row = Appointment.objects.select_related("practice").get(pk=appointment.pk)
                barrier.wait(timeout=30)
                checkins_for_completed_session(appointment=row)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert SessionCheckIn.objects.filter(appointment=appointment).count() == 1
    assert OutboundMessage.objects.filter(kind=OutboundMessage.Kind.SESSION_CHECKIN).count() == 1
