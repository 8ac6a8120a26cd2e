"""Demo schedule for `manage.py seed_demo`: an office with two rooms, three session types,
weekday hours for every clinician, and next week's sessions. Idempotent."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from practice import roles
from practice.models import Client, Clinician, Membership, Practice
from scheduling.models import Appointment, AppointmentType, AvailabilityRule, Location, Mode, Room
from scheduling.services.booking import appointment_book


@transaction.atomic
def seed(*, practice: Practice) -> None:
    office, _ = Location.objects.get_or_create(
        practice=practice,
        name="Harbor Office",
        defaults={"address": "12 Wharf Street, Portland, ME", "time_zone": practice.time_zone},
    )
    rooms = [
        Room.objects.get_or_create(practice=practice, location=office, name=name)[0] for name in ("Room 1", "Room 2")
    ]
    individual, _ = AppointmentType.objects.get_or_create(
        practice=practice,
        name="Individual session",
        defaults={"duration_minutes": 50, "buffer_after_minutes": 10, "client_bookable": True},
    )
    AppointmentType.objects.get_or_create(
        practice=practice, name="Couples session", defaults={"duration_minutes": 80, "buffer_after_minutes": 10}
    )
    AppointmentType.objects.get_or_create(
        practice=practice, name="Intake session", defaults={"duration_minutes": 60, "is_intake": True}
    )

    clinicians = list(Clinician.objects.filter(practice=practice).select_related("membership"))
    for clinician in clinicians:
        for weekday in range(5):
            AvailabilityRule.objects.get_or_create(
                practice=practice,
                clinician=clinician,
                weekday=weekday,
                defaults={
                    "start_time": time(9),
                    "end_time": time(17),
                    "location": office,
                    "effective_from": timezone.localdate() - timedelta(days=7),
                },
            )

    if Appointment.objects.filter(practice=practice).exists():
        return
    front_desk = Membership.objects.filter(practice=practice, roles__contains=[roles.FRONT_DESK]).first()
    tz = ZoneInfo(practice.time_zone)
    next_monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    for index, clinician in enumerate(clinicians):
        caseload = Client.objects.filter(practice=practice, care_team__clinician=clinician).order_by("id")
        for day, client in enumerate(caseload):
            starts_at = datetime.combine(next_monday + timedelta(days=day), time(10 + 2 * index), tzinfo=tz)
            in_person = day % 2 == 0
            appointment_book(
                actor=front_desk,
                clinician=clinician,
                clients=[client],
                appointment_type=individual,
                starts_at=starts_at,
                mode=Mode.IN_PERSON if in_person else Mode.TELEHEALTH,
                room=rooms[index % 2] if in_person else None,
                video_link="" if in_person else "https://video.example.org/harbor-demo",
            )
