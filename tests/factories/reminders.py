"""Appointments ready for reminders, and outbox rows."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone
from factory.django import DjangoModelFactory

from reminders.models import OutboundMessage, ReminderPolicy
from scheduling.models import Appointment, AppointmentClient, Mode
from tests.factories.practice import PracticeFactory
from tests.factories.scheduling import AppointmentTypeFactory


class ReminderPolicyFactory(DjangoModelFactory):
    class Meta:
        model = ReminderPolicy
        django_get_or_create = ("practice",)

    practice = factory.SubFactory(PracticeFactory)
    steps = factory.LazyFunction(lambda: [{"offset_minutes": 24 * 60, "channel": "email"}])
    send_confirmation = False
    send_change_notices = True


def appointment_row(*, clinician, clients, starts_at=None, status="scheduled", video_link="https://video.example/r1"):
    """An appointment written directly (no scheduling service, so no outbox rows)."""
    practice = clinician.practice
    starts_at = starts_at or timezone.now() + timedelta(days=3)
    kind = AppointmentTypeFactory(practice=practice)
    appointment = Appointment(
        practice=practice,
        clinician=clinician,
        appointment_type=kind,
        mode=Mode.TELEHEALTH,
        video_link=video_link,
        status=status,
    )
    appointment.set_times(starts_at, kind)
    appointment.save()
    for client in clients:
        AppointmentClient.objects.create(
            practice=practice,
            appointment=appointment,
            client=client,
            span=DateTimeTZRange(appointment.starts_at, appointment.ends_at, "[)"),
            is_active=appointment.is_active,
        )
    return appointment


class OutboundMessageFactory(DjangoModelFactory):
    class Meta:
        model = OutboundMessage

    practice = factory.SelfAttribute("appointment.practice")
    kind = OutboundMessage.Kind.REMINDER
    channel = "email"
    offset_minutes = 24 * 60
    scheduled_for = factory.SelfAttribute("appointment.starts_at")
    due_at = factory.LazyAttribute(lambda o: o.appointment.starts_at - timedelta(minutes=o.offset_minutes))
