"""The outbox follows the appointment, in the same transaction: book, reschedule, cancel, re-sync."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from reminders.models import OutboundMessage
from reminders.services.outbox import reminders_sync_for_appointment
from scheduling.services.appointment_changes import appointment_cancel, appointment_reschedule
from scheduling.services.booking import appointment_book
from tests.factories.reminders import OutboundMessageFactory, ReminderPolicyFactory, appointment_row
from tests.factories.scheduling import AppointmentTypeFactory

pytestmark = pytest.mark.django_db
St = OutboundMessage.Status
Kind = OutboundMessage.Kind


def _book(world, starts_at, clients=None):
    p = world.p
    return appointment_book(
        actor=p.members["front_desk"],
        clinician=p.clinician,
        clients=clients or [p.client_a],
        appointment_type=AppointmentTypeFactory(practice=p.practice),
        starts_at=starts_at,
        mode="telehealth",
        video_link="https://video.example/abc",
        outside_availability=True,
    )


def _rows(appointment, **filters):
    return list(OutboundMessage.objects.filter(appointment=appointment, **filters).order_by("due_at", "id"))


def test_booking_writes_confirmation_and_policy_reminders_with_skips_visible(world):
    ReminderPolicyFactory(
        practice=world.p.practice,
        send_confirmation=True,
        steps=[{"offset_minutes": 2880, "channel": "email"}, {"offset_minutes": 1440, "channel": "sms"}],
    )
    starts = timezone.now() + timedelta(days=5)
    appointment = _book(world, starts)

    by_kind = {(m.kind, m.channel): m for m in _rows(appointment)}
    assert set(by_kind) == {(Kind.CONFIRMATION, "email"), (Kind.REMINDER, "email"), (Kind.REMINDER, "sms")}
    assert by_kind[(Kind.REMINDER, "email")].status == St.PENDING
    assert by_kind[(Kind.REMINDER, "email")].due_at == starts - timedelta(hours=48)
    assert by_kind[(Kind.CONFIRMATION, "email")].status == St.PENDING
    sms = by_kind[(Kind.REMINDER, "sms")]
    assert (sms.status, sms.skip_reason) == (St.SKIPPED, "no_sms_consent")  # client_a never consented to SMS


def test_sms_consent_makes_the_sms_reminder_pending(world):
    client = world.p.client_a
    client.sms_consent, client.sms_consent_at, client.sms_consent_source = True, timezone.now(), "intake form"
    client.save()
    ReminderPolicyFactory(practice=world.p.practice, steps=[{"offset_minutes": 120, "channel": "sms"}])
    appointment = _book(world, timezone.now() + timedelta(days=1))
    [row] = _rows(appointment)
    assert (row.channel, row.status, row.skip_reason) == ("sms", St.PENDING, "")


def test_reschedule_cancels_old_reminders_and_schedules_new_ones(world):
    ReminderPolicyFactory(practice=world.p.practice)
    old_start = timezone.now() + timedelta(days=4)
    appointment = _book(world, old_start)
    new_start = old_start + timedelta(days=2)
    appointment_reschedule(
        actor=world.p.members["front_desk"], appointment=appointment, starts_at=new_start, outside_availability=True
    )

    [old] = _rows(appointment, kind=Kind.REMINDER, scheduled_for=old_start)
    assert (old.status, old.skip_reason) == (St.CANCELLED, "appointment_moved")
    [new] = _rows(appointment, kind=Kind.REMINDER, status=St.PENDING)
    assert new.due_at == new_start - timedelta(hours=24)
    [notice] = _rows(appointment, kind=Kind.RESCHEDULED)
    assert notice.status == St.PENDING


def test_moving_back_to_the_first_time_schedules_again(world):
    ReminderPolicyFactory(practice=world.p.practice)
    first = timezone.now() + timedelta(days=4)
    appointment = _book(world, first)
    fd = world.p.members["front_desk"]
    appointment_reschedule(
        actor=fd, appointment=appointment, starts_at=first + timedelta(hours=3), outside_availability=True
    )
    appointment_reschedule(actor=fd, appointment=appointment, starts_at=first, outside_availability=True)
    live = _rows(appointment, kind=Kind.REMINDER, status=St.PENDING)
    assert [m.scheduled_for for m in live] == [first]


def test_cancel_cancels_pending_reminders_and_notifies_only_a_told_client(world):
    ReminderPolicyFactory(practice=world.p.practice, send_confirmation=True)
    appointment = _book(world, timezone.now() + timedelta(days=4))
    appointment_cancel(actor=world.p.members["front_desk"], appointment=appointment, reason="clinician ill")
    assert {m.status for m in _rows(appointment, kind__in=[Kind.REMINDER, Kind.CONFIRMATION])} == {St.CANCELLED}
    [notice] = _rows(appointment, kind=Kind.CANCELLED)
    assert notice.status == St.PENDING


def test_cancel_before_any_message_sends_no_notice(world):
    ReminderPolicyFactory(practice=world.p.practice, send_confirmation=False)
    appointment = _book(world, timezone.now() + timedelta(days=4))
    appointment_cancel(actor=world.p.members["front_desk"], appointment=appointment)
    assert not _rows(appointment, kind=Kind.CANCELLED)
    assert {m.status for m in _rows(appointment)} == {St.CANCELLED}


def test_reminders_whose_time_has_passed_are_not_created(world):
    ReminderPolicyFactory(
        practice=world.p.practice,
        steps=[{"offset_minutes": 2880, "channel": "email"}, {"offset_minutes": 60, "channel": "email"}],
    )
    appointment = _book(world, timezone.now() + timedelta(hours=5))
    assert [m.offset_minutes for m in _rows(appointment)] == [60]


def test_sync_twice_is_harmless_and_a_duplicate_row_is_impossible(world):
    ReminderPolicyFactory(practice=world.p.practice)
    appointment = appointment_row(clinician=world.p.clinician, clients=[world.p.client_a])
    reminders_sync_for_appointment(appointment=appointment, reason="booked")
    reminders_sync_for_appointment(appointment=appointment, reason="booked")
    [row] = _rows(appointment)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessageFactory(appointment=appointment, client=world.p.client_a)
    # a cancelled row is history: it does not block a live one
    row.status = St.CANCELLED
    row.save()
    OutboundMessageFactory(appointment=appointment, client=world.p.client_a)


def test_a_couples_session_reminds_each_client(world):
    p = world.p
    ReminderPolicyFactory(practice=p.practice)
    appointment = _book(world, timezone.now() + timedelta(days=3), clients=[p.client_a, p.client_b])
    assert {m.client_id for m in _rows(appointment)} == {p.client_a.pk, p.client_b.pk}
