"""An instant without its UTC offset is refused, never silently read as UTC."""

from datetime import timedelta

from django.utils import timezone

from scheduling.models import Appointment
from tests.factories.scheduling import AppointmentTypeFactory


def test_booking_with_a_naive_instant_is_a_400_naming_the_field(world):
    appointment_type = AppointmentTypeFactory(practice=world.p.practice)
    naive = (timezone.now() + timedelta(days=3)).replace(tzinfo=None, microsecond=0).isoformat()
    response = world.client_for("front_desk").post(
        "/api/v1/appointments/",
        {
            "clinician": world.p.clinician.pk,
            "clients": [world.p.client_a.pk],
            "appointment_type": appointment_type.pk,
            "starts_at": naive,
            "mode": "telehealth",
            "video_link": "https://video.example.org/x",
            "outside_availability": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "offset" in response.json()["error"]["fields"]["starts_at"][0]
    assert not Appointment.objects.filter(clinician=world.p.clinician).exists()


def test_booking_with_an_offset_is_accepted(world):
    appointment_type = AppointmentTypeFactory(practice=world.p.practice)
    aware = (timezone.now() + timedelta(days=3)).replace(microsecond=0, second=0, minute=0).isoformat()
    response = world.client_for("front_desk").post(
        "/api/v1/appointments/",
        {
            "clinician": world.p.clinician.pk,
            "clients": [world.p.client_a.pk],
            "appointment_type": appointment_type.pk,
            "starts_at": aware,
            "mode": "telehealth",
            "video_link": "https://video.example.org/x",
            "outside_availability": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
