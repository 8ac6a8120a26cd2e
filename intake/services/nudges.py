"""Intake nudges: one reminder per incomplete intake packet before the client's first session (beat), queued on
the outbox and sent by intake/messages.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from intake.invitations import PACKET
from intake.models import Packet
from practice.models import Practice
from practice.settings_schema import settings_value
from reminders.models import OutboundMessage
from reminders.services.outbox import outbox_client_message_queue
from scheduling.models import AppointmentClient

Kind = OutboundMessage.Kind


DEFAULT_INTAKE_NUDGE_HOURS = 48
# Appointment statuses that make an appointment a client's "first session" (it happened or will happen).
_FIRST_SESSION_STATUSES = ("scheduled", "confirmed", "checked_in", "completed", "no_show")


def intake_nudge_hours(practice_settings: dict | None) -> int:
    return settings_value(practice_settings, "intake_nudge_hours")


def intake_nudges_queue(*, now: datetime | None = None) -> int:
    """Queue one nudge per intake packet still incomplete `intake_nudge_hours` (practice setting, default 48)
    before the client's first session. Safe to run any number of times, concurrently too: a packet is nudged
    at most once (the subject constraint). A packet assigned after that moment gets no nudge (its invitation
    has just gone out), and the send task re-checks: a packet completed meanwhile is never nudged."""
    now = now or timezone.now()
    queued = 0
    for practice_id, practice_settings in Practice.objects.values_list("id", "settings"):
        window = timedelta(hours=intake_nudge_hours(practice_settings))
        firsts = dict(
            AppointmentClient.objects.filter(practice_id=practice_id, appointment__status__in=_FIRST_SESSION_STATUSES)
            .values("client_id")
            .annotate(first=Min("appointment__starts_at"))
            .filter(first__gt=now, first__lte=now + window)
            .values_list("client_id", "first")
        )
        if not firsts:
            continue
        packets = (
            Packet.objects.filter(practice_id=practice_id, client_id__in=firsts.keys())
            .exclude(status=Packet.Status.COMPLETED)
            .filter(session_checkin__isnull=True)  # a session check-in is not intake: it is never nudged
            .select_related("client")
        )
        for packet in packets:
            first = firsts[packet.client_id]
            if packet.created_at >= first - window:
                continue
            with transaction.atomic():
                queued += outbox_client_message_queue(
                    practice_id=practice_id,
                    client=packet.client,
                    kind=Kind.INTAKE_NUDGE,
                    subject_type=PACKET,
                    subject_id=packet.pk,
                    scheduled_for=first,
                    now=now,
                )
    return queued
