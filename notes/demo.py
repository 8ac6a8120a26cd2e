"""Demo notes set-up for `manage.py seed_demo`: the 3RS taxonomy and note templates, and for the demo clinician
(Sam Okafor, supervised by Dr. Reyes) last week's signed session with Jordan Lee holding a withdrawal rupture only
partly repaired, and a session with Jordan today: something to prepare, and a rupture to follow up. Idempotent."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from notes import services
from notes.models import ProgressNote
from practice.models import Client, Clinician, Practice
from scheduling.models import Appointment, AppointmentClient, AppointmentType

DEMO_CLINICIAN = "okafor@harbor.test"
DEMO_CLIENT = "jordan@harbor.test"


def _appointment(clinician: Any, client: Any, starts_at: datetime, status: str) -> Any:

    kind = AppointmentType.objects.filter(practice=clinician.practice, name="Individual session").first()
    if kind is None:
        kind = AppointmentType.objects.create(practice=clinician.practice, name="Individual session")
    ends_at = starts_at + timedelta(minutes=50)
    appointment = Appointment.objects.create(
        practice=clinician.practice,
        clinician=clinician,
        appointment_type=kind,
        mode="telehealth",
        video_link="https://video.example.org/harbor-demo",
        starts_at=starts_at,
        ends_at=ends_at,
        occupied=DateTimeTZRange(starts_at, ends_at),
        status=status,
    )
    AppointmentClient.objects.create(
        practice=clinician.practice, appointment=appointment, client=client, span=DateTimeTZRange(starts_at, ends_at)
    )
    return appointment


@transaction.atomic
def seed(*, practice: Practice) -> None:

    services.taxonomy_seed(practice=practice)
    clinician = Clinician.objects.filter(practice=practice, membership__user__email=DEMO_CLINICIAN).first()
    client = Client.objects.filter(practice=practice, email=DEMO_CLIENT).first()
    if clinician is None or client is None or ProgressNote.objects.filter(practice=practice).exists():
        return
    now = timezone.now().replace(second=0, microsecond=0)
    last_week = _appointment(clinician, client, now - timedelta(days=7, hours=3), "completed")
    _appointment(clinician, client, now + timedelta(minutes=90), "confirmed")
    note = services.progress_note_create(
        actor=clinician.membership,
        client=client,
        appointment=last_week,
        content={
            "focus": "The week's conflict at work; Jordan's wish to be seen without having to ask.",
            "process": "When I suggested a homework exercise Jordan went quiet and agreed too quickly; "
            "I felt I had pushed my agenda.",
            "plan": "Return to the moment of distance; ask what the exercise meant to them.",
        },
        ruptures=[
            {
                "minute": 35,
                "family": "withdrawal",
                "markers": ["wd_deferential_appeasing", "wd_minimal_response"],
                "intensity": 3,
                "therapist_contribution": "I pressed the exercise after Jordan hesitated.",
                "strategies": ["rs_metacommunication"],
                "client_response": "Jordan said it was fine, then admitted feeling a little managed.",
                "outcome": "partial",
            }
        ],
    )
    services.progress_note_sign(actor=clinician.membership, note=note)
