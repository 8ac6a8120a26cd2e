"""What a client does without logging in (a signed link): confirm, and cancel until the practice's cut-off."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict, InvalidTransition, NotAllowed
from reminders.models import OutboundMessage
from scheduling.models import Status
from scheduling.services.appointment_changes import appointment_cancel, appointment_confirm_by_client
from tests.factories.reminders import appointment_row
from tests.scheduling.test_lifecycle import T0, book


def row(s, **kw):
    return appointment_row(
        clinician=s.clinician, clients=[s.client], starts_at=timezone.now() + timedelta(days=3), **kw
    )


def test_confirm_by_client_keeps_the_history_and_feeds_the_outbox(sched):
    appointment = row(sched)  # written directly: no outbox rows yet
    assert not OutboundMessage.objects.filter(appointment=appointment).exists()
    confirmed = appointment_confirm_by_client(appointment=appointment, client=sched.client, reason="by link")
    assert confirmed.status == Status.CONFIRMED
    change = confirmed.changes.get()
    assert (change.kind, change.old_status, change.new_status, change.changed_by, change.reason) == (
        "status",
        Status.SCHEDULED,
        Status.CONFIRMED,
        None,
        "by link",
    )
    reminders = OutboundMessage.objects.filter(appointment=appointment, kind=OutboundMessage.Kind.REMINDER)
    assert set(reminders.values_list("client_id", flat=True)) == {sched.client.pk}


def test_confirm_by_client_twice_changes_nothing_more(sched):
    appointment = row(sched)
    appointment_confirm_by_client(appointment=appointment, client=sched.client)
    again = appointment_confirm_by_client(appointment=appointment, client=sched.client)
    assert again.status == Status.CONFIRMED
    assert appointment.changes.filter(new_status=Status.CONFIRMED).count() == 1


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED, Status.REQUESTED])
def test_confirm_by_client_from_another_status_names_it(sched, status):
    appointment = row(sched, status=status)
    with pytest.raises(InvalidTransition) as err:
        appointment_confirm_by_client(appointment=appointment, client=sched.client)
    assert err.value.extra == {"current_status": status}
    appointment.refresh_from_db()
    assert appointment.status == status and not appointment.changes.exists()


def test_confirm_by_a_client_not_in_the_appointment_is_refused(sched):
    appointment = row(sched)
    with pytest.raises(NotAllowed):
        appointment_confirm_by_client(appointment=appointment, client=sched.client2)
    appointment.refresh_from_db()
    assert appointment.status == Status.SCHEDULED


def test_system_cancel_for_the_client_stops_at_the_cut_off(sched):
    sched.practice.settings = {"client_cancel_cutoff_hours": 2}
    sched.practice.save()
    appointment = book(sched)
    with pytest.raises(Conflict) as err:
        appointment_cancel(actor=None, appointment=appointment, by="client", now=T0 - timedelta(hours=1))
    assert err.value.code == "past_cancellation_cutoff"
    appointment.refresh_from_db()
    assert appointment.status == Status.SCHEDULED
    cancelled = appointment_cancel(actor=None, appointment=appointment, by="client", now=T0 - timedelta(hours=3))
    assert (cancelled.status, cancelled.cancelled_by_party, cancelled.cancelled_by) == (
        Status.LATE_CANCELLED,
        "client",
        None,
    )


def test_staff_recording_a_clients_call_are_not_bound_by_the_cut_off(sched):
    sched.practice.settings = {"client_cancel_cutoff_hours": 2}
    sched.practice.save()
    cancelled = appointment_cancel(
        actor=sched.front_desk, appointment=book(sched), by="client", now=T0 - timedelta(hours=1)
    )
    assert (cancelled.status, cancelled.cancelled_by_party) == (Status.LATE_CANCELLED, "client")
