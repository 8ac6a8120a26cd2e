"""Reads for the therapist's and the supervisor's pages that the API's selectors do not offer: the sessions of
a day or week with the state of their notes, the co-sign queue and the supervision overview. Scoped by the
acting membership like every selector (notes/selectors.py); psychotherapy notes never appear here."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from notes import reads, selectors
from notes.models import ProgressNote
from notes.services import overdue_hours
from practice.models import Client, Clinician, Membership
from practice.selectors import acting_clinician, supervisee_ids
from scheduling.selectors import appointment_list

NOT_HELD = ("requested", "declined", "cancelled", "late_cancelled")


def session_worklist(*, actor: Membership, start: datetime, end: datetime) -> list[dict]:
    """The actor's own sessions in [start, end), each client with the state of the actor's note for it:
    'none' (no note yet), 'draft', 'overdue' (a draft or none, past the practice's overdue hours) or signed."""

    clinician = acting_clinician(actor)
    if clinician is None:
        return []
    appointments = list(
        appointment_list(actor=actor)
        .filter(clinician=clinician, starts_at__gte=start, starts_at__lt=end)
        .exclude(status__in=NOT_HELD)
        .order_by("starts_at", "pk")
    )
    notes = {
        (n["appointment_id"], n["client_id"]): n
        for n in ProgressNote.objects.filter(
            practice=actor.practice, author=clinician, appointment_id__in=[a.pk for a in appointments]
        ).values("id", "appointment_id", "client_id", "status")
    }
    limit = overdue_hours(actor.practice.settings)
    now = timezone.now()
    rows = []
    for appointment in appointments:
        for client in appointment.clients.all():
            note = notes.get((appointment.pk, client.pk))
            held = appointment.ends_at <= now and appointment.status != "no_show"
            needs_note = held and (note is None or note["status"] == ProgressNote.Status.DRAFT)
            overdue = needs_note and (now - appointment.ends_at).total_seconds() > limit * 3600
            rows.append(
                {
                    "appointment": appointment,
                    "client": client,
                    "note": note,
                    "needs_note": needs_note,
                    "overdue": overdue,
                }
            )
    return rows


def cosign_queue(*, actor: Membership) -> QuerySet[ProgressNote]:
    """The current supervisees' notes awaiting the actor's co-signature, oldest first."""
    supervised = supervisee_ids(actor)
    return (
        selectors.progress_note_list(actor=actor)
        .filter(status=ProgressNote.Status.AWAITING_COSIGN, author_id__in=supervised)
        .order_by("signed_at", "id")
    )


def supervisee_list(*, actor: Membership):

    return Clinician.objects.filter(pk__in=supervisee_ids(actor)).select_related("membership__user").order_by("pk")


def supervision_overview(*, actor: Membership, supervisee) -> list[dict]:
    """The supervisee's current clients side by side: open ruptures, repair rate, alliance latest and trend.
    Each client's timeline summary is read alone (no sessions) and audited as a timeline read."""
    if supervisee.pk not in supervisee_ids(actor):
        return []
    clients = Client.objects.filter(practice=actor.practice, care_team__clinician=supervisee, is_active=True)
    rows = []
    for client in clients.order_by("last_name", "first_name", "pk"):
        summary = reads.timeline_summary_read(actor=actor, client=client)  # the summary alone, audited
        rows.append({"client": client, "summary": summary})
    return rows


def caseload_clients(*, actor: Membership) -> QuerySet[Client]:
    """The clients whose clinical pages the actor may open (their caseload and supervisees')."""
    return selectors.clinical_client_list(actor=actor).order_by("last_name", "first_name", "pk")
