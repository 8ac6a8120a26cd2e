"""What every write to a note checks first: that the actor is a clinician (the author), that the note names
their own appointment and a client of their own caseload, and the note's row lock."""

from __future__ import annotations

from core.errors import DomainError, NotAllowed
from notes.models import (
    ProgressNote,
)
from practice.models import CareTeamMember, Client, Membership
from practice.selectors import acting_clinician


def author_or_403(actor: Membership):
    clinician = acting_clinician(actor)
    if clinician is None:
        raise NotAllowed("Only clinicians write notes.")
    return clinician


def require_own_appointment(author, appointment, client: Client) -> None:
    """A note (progress or psychotherapy) may name only its author's own appointment that the client attended."""
    if appointment.practice_id != author.practice_id or appointment.clinician_id != author.pk:
        raise DomainError(
            "You can write notes only for your own appointments.", fields={"appointment": ["Not your appointment."]}
        )
    if not appointment.clients.filter(pk=client.pk).exists():
        raise DomainError(
            "The client did not attend this appointment.",
            fields={"appointment": ["Client not in this appointment."]},
        )


def require_own_caseload(clinician, client: Client) -> None:
    # Supervisors read their supervisees' clients but write notes only for their own care teams.
    if not CareTeamMember.objects.filter(client=client, clinician=clinician).exists():
        raise NotAllowed(
            "You are not on this client's care team.",
            code="not_on_care_team",
            fields={"client": ["Not on your caseload."]},
        )


def note_for_update(note: ProgressNote) -> ProgressNote:
    return ProgressNote.objects.select_for_update(of=("self",)).select_related("template").get(pk=note.pk)
