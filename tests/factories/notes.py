"""Notes are built through the services (drafts, signing), so tests exercise the real rules."""

from __future__ import annotations

from datetime import datetime

from notes import services
from notes.models import ProgressNote

RELATIONAL = {
    "focus": "Grief about her father, and the week's argument with her sister.",
    "process": "When I glanced at the clock she went quiet; I felt myself hurry.",
    "presentation": "Tired, guarded at first.",
    "interventions": "Metacommunication about the moment of distance.",
    "plan": "Return to the moment of distance; continue grief work.",
}


def withdrawal_rupture(**overrides) -> dict:
    data = {
        "minute": 25,
        "family": "withdrawal",
        "markers": ["wd_minimal_response", "wd_content_affect_split"],
        "intensity": 3,
        "therapist_contribution": "I looked at the clock while she spoke about her father.",
        "strategies": ["rs_metacommunication"],
        "client_response": "She said it felt like I wanted to move on.",
        "outcome": "partial",
    }
    data.update(overrides)
    return data


def draft_note(
    clinician,
    client,
    *,
    session_at: datetime | None = None,
    content: dict | None = None,
    ruptures: list[dict] | None = None,
    **changes,
) -> ProgressNote:
    return services.progress_note_create(
        actor=clinician.membership,
        client=client,
        session_at=session_at,
        content=RELATIONAL if content is None else content,
        ruptures=ruptures or [],
        **changes,
    )


def signed_note(clinician, client, **kwargs) -> ProgressNote:
    note = draft_note(clinician, client, **kwargs)
    return services.progress_note_sign(actor=clinician.membership, note=note)


def appointment_for(clinician, client, *, starts_at: datetime | None = None):
    """A completed one-client telehealth appointment, built directly (the scheduling rules are not under test)."""
    from datetime import timedelta

    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
    from django.utils import timezone

    from scheduling.models import Appointment, AppointmentClient
    from tests.factories.scheduling import AppointmentTypeFactory

    starts_at = starts_at or timezone.now().replace(microsecond=0) - timedelta(hours=2)
    ends_at = starts_at + timedelta(minutes=50)
    kind = AppointmentTypeFactory(practice=clinician.practice)
    appointment = Appointment.objects.create(
        practice=clinician.practice,
        clinician=clinician,
        appointment_type=kind,
        mode="telehealth",
        starts_at=starts_at,
        ends_at=ends_at,
        occupied=DateTimeTZRange(starts_at, ends_at),
        status="completed",
    )
    AppointmentClient.objects.create(
        practice=clinician.practice, appointment=appointment, client=client, span=DateTimeTZRange(starts_at, ends_at)
    )
    return appointment
