"""The booking's outbox rows are written by `core.rows.insert_ignoring_conflicts` (one statement composed once):
the same rows as the `bulk_create(..., ignore_conflicts=True)` it replaced, and a second run still adds none."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from knox.models import AuthToken
from rest_framework.test import APIClient

from reminders.models import OutboundMessage
from reminders.services import outbox
from reminders.services.policy import reminder_policy_for
from scheduling.models import Appointment
from tests.scheduling.conftest import build_sched
from tests.scheduling.test_booking_queries import START, _body

NOW_STAMPED = ("id", "created_at", "updated_at")


def _rows(appointment_id: int) -> list[dict]:
    rows = OutboundMessage.objects.filter(appointment_id=appointment_id).order_by("kind", "channel", "offset_minutes")
    return [{k: v for k, v in model_to_dict(r).items() if k not in NOW_STAMPED} for r in rows]


@pytest.mark.django_db
def test_the_outbox_rows_of_a_booking_are_what_bulk_create_wrote_and_a_second_run_adds_none(monkeypatch):
    s = build_sched()
    reminder_policy_for(practice=s.practice)
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(s.front_desk.user)[1]}", HTTP_X_PRACTICE=s.practice.slug
    )
    reply = api.post("/api/v1/appointments/", _body(s, START), format="json")
    assert reply.status_code == 201, reply.json()
    appointment = Appointment.objects.get(pk=reply.json()["id"])
    written = _rows(appointment.pk)
    kinds = {r["kind"] for r in written}
    assert {"confirmation", "reminder"} <= kinds and len(written) >= 3  # a confirmation and the policy's reminders
    stamped = OutboundMessage.objects.filter(appointment_id=appointment.pk)
    assert all(r.updated_at is not None and r.created_at is not None for r in stamped)  # auto_now, default

    # the same appointment's rows again, written the way they were before (Django's bulk_create)
    OutboundMessage.objects.filter(appointment_id=appointment.pk).delete()
    monkeypatch.setattr(
        outbox,
        "insert_ignoring_conflicts",
        lambda rows: OutboundMessage.objects.bulk_create(rows, ignore_conflicts=True),
    )
    outbox.reminders_sync_for_appointment(appointment=appointment, reason="booked")
    by_bulk_create = _rows(appointment.pk)
    monkeypatch.undo()
    # the confirmation is due "now", which differs between the two runs; every other value is the same
    for row in written + by_bulk_create:
        if row["kind"] == "confirmation":
            row.pop("due_at")
    assert written == by_bulk_create

    outbox.reminders_sync_for_appointment(appointment=appointment, reason="booked")  # the constraint drops them all
    assert OutboundMessage.objects.filter(appointment_id=appointment.pk).count() == len(written)
