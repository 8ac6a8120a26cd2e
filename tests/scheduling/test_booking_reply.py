"""The booking's reply is built from the objects in hand (`appointment_reply`), not by AppointmentSerializer: it
must say exactly what the serializer says, and what a read of the same appointment answers."""

from __future__ import annotations

from datetime import date

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from scheduling.models import Appointment, Status
from scheduling.serializers.appointments import AppointmentSerializer, appointment_reply
from tests.scheduling.test_booking_queries import START


def _api(s):
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(s.front_desk.user)[1]}", HTTP_X_PRACTICE=s.practice.slug
    )
    return api


def _book(api, s, **extra):
    body = {
        "clinician": s.clinician.pk,
        "clients": [s.client.pk],
        "appointment_type": s.session.pk,
        "starts_at": START.isoformat(),
        "mode": "telehealth",
        **extra,
    }
    reply = api.post("/api/v1/appointments/", body, format="json")
    assert reply.status_code == 201, reply.json()
    return reply.json()


@pytest.mark.parametrize(
    "extra, query",
    [
        ({"video_link": "https://video.example/room-1"}, ""),
        ({"mode": "in_person"}, "?tz=Europe/Paris"),
        ({"clients": "both", "mode": "in_person"}, "?tz=Asia/Kolkata"),
    ],
)
def test_the_booking_reply_is_what_a_read_of_the_appointment_answers(sched, extra, query):
    api = _api(sched)
    if extra.get("mode") == "in_person":
        extra = {**extra, "room": sched.room.pk}
    if extra.get("clients") == "both":
        extra = {**extra, "clients": [sched.client2.pk, sched.client.pk]}  # a couple (front desk: any client)
    booked = api.post(
        f"/api/v1/appointments/{query}",
        {
            "clinician": sched.clinician.pk,
            "clients": [sched.client.pk],
            "appointment_type": sched.session.pk,
            "starts_at": START.isoformat(),
            "mode": "telehealth",
            **extra,
        },
        format="json",
    )
    assert booked.status_code == 201, booked.json()
    read = api.get(f"/api/v1/appointments/{booked.json()['id']}/{query}")
    assert booked.json() == read.json()
    assert list(booked.json()) == list(read.json())  # the same keys in the same order


@pytest.mark.django_db
def test_appointment_reply_matches_the_serializer_on_every_field(sched):
    _book(_api(sched), sched, mode="in_person", room=sched.room.pk)
    appointment = Appointment.objects.get()
    # fields a booking leaves empty, filled in: a cancellation, a series occurrence's date
    appointment.status = Status.CANCELLED
    appointment.cancelled_at = appointment.booked_at
    appointment.cancelled_by_party = "client"
    appointment.cancellation_reason = "moved away"
    appointment.series_date = date(2027, 3, 15)
    for tz in ("UTC", "America/New_York"):
        assert appointment_reply(appointment, tz=tz) == AppointmentSerializer(appointment, context={"tz": tz}).data
