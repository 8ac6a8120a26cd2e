"""Session check-ins: after a session is marked completed, one short check-in to each of its clients.

`checkins_for_completed_session` runs inside the transaction that completes the appointment (the scheduling
outbox hook). For each client of the session it creates, at most once ever per (appointment, client) (a unique
constraint: completing twice, or reverting and completing again, sends nothing more):

- a packet with one draft response to the practice's `session-check-in` measure (so the client answers it on the
  signed-link form page, or in the portal through /api/v1/intake/responses/{id}/),
- the `SessionCheckIn` row linking it to the appointment, open until `expires_at`,
- one email on the reminders outbox (kind `session_checkin`): the practice's name and the link, nothing clinical.

Nothing is created when the practice has check-ins off, or for a client who is inactive, has turned check-ins off
(`Client.wants_session_checkins`), has no email address, has not consented to email or asked for no messages
(the reminders consent rule, reminders/services/consent.py).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict
from intake.checkin_settings import checkin_settings
from intake.models import FormDefinition, Packet, Response, SessionCheckIn
from intake.services.forms import builtins_seed
from practice.audit import audit_record
from practice.models import AuditEvent, Client
from reminders.models import Channel, OutboundMessage
from reminders.services.consent import consent_problem
from reminders.services.outbox import outbox_client_message_queue
from scheduling.models import Status

CHECKIN_SLUG = "session-check-in"
SUBJECT = "intake.sessioncheckin"


def client_checkin_problem(client: Client) -> str:
    """Why this client gets no check-in ("" when they do). Asked again at send time."""
    if not client.wants_session_checkins:
        return "checkins_turned_off"
    return consent_problem(client, Channel.EMAIL)


def _checkin_form(practice) -> FormDefinition | None:
    form = FormDefinition.objects.filter(practice=practice, slug=CHECKIN_SLUG, is_active=True).first()
    if form is None:
        builtins_seed(practice=practice, slugs=[CHECKIN_SLUG])
        form = FormDefinition.objects.filter(practice=practice, slug=CHECKIN_SLUG, is_active=True).first()
    return form


def checkins_for_completed_session(*, appointment) -> list[SessionCheckIn]:
    """Create and queue the session's check-ins (see the module docstring). Returns those this call created."""

    if appointment.status != Status.COMPLETED:
        return []
    practice = appointment.practice
    config = checkin_settings(practice)
    if not config.enabled:
        return []
    clients = list(
        Client.objects.filter(
            appointment_participations__appointment_id=appointment.pk, appointment_participations__is_active=True
        ).order_by("pk")
    )
    already = set(SessionCheckIn.objects.filter(appointment_id=appointment.pk).values_list("client_id", flat=True))
    wanted = [c for c in clients if c.pk not in already and not client_checkin_problem(c)]
    if not wanted:
        return []
    form = _checkin_form(practice)
    version = form.latest_published if form else None
    if version is None:
        return []  # the practice retired its check-in measure (or has only a draft of it)
    now = timezone.now()
    created = []
    for client in wanted:
        try:
            with transaction.atomic():  # a savepoint: a concurrent completion's row makes this one a no-op
                packet = Packet.objects.create(
                    practice=practice, client=client, due_on=(now + config.expiry).date(), assigned_by=None
                )
                response = Response.objects.create(practice=practice, client=client, packet=packet, version=version)
                checkin = SessionCheckIn.objects.create(
                    practice=practice,
                    appointment=appointment,
                    client=client,
                    packet=packet,
                    response=response,
                    session_at=appointment.starts_at,
                    created_at=now,
                    expires_at=now + config.expiry,
                )
        except IntegrityError as exc:
            if "session_checkin_once_per_client" not in str(exc):
                raise
            continue
        outbox_client_message_queue(
            practice_id=practice.pk,
            client=client,
            kind=OutboundMessage.Kind.SESSION_CHECKIN,
            subject_type=SUBJECT,
            subject_id=checkin.pk,
            now=now,
        )
        audit_record(
            actor=None,
            practice=practice,
            action=AuditEvent.Action.CREATE,
            obj=checkin,
            detail={"appointment": appointment.pk, "client": client.pk, "packet": packet.pk},
        )
        created.append(checkin)
    return created


def checkin_of(response: Response) -> SessionCheckIn | None:
    return SessionCheckIn.objects.filter(response_id=response.pk).first()


def checkin_require_open(response: Response) -> SessionCheckIn | None:
    """A check-in's response is answered only until the check-in expires (409 `checkin_expired` after)."""
    checkin = checkin_of(response)
    if checkin is not None and checkin.answered_at is None and checkin.expires_at <= timezone.now():
        raise Conflict("This check-in has closed. Thank you all the same.", code="checkin_expired")
    return checkin


def checkin_require_amendable(response: Response) -> None:
    if checkin_of(response) is not None:
        raise Conflict("A session check-in is answered once and cannot be amended.", code="checkin_answered_once")


def checkin_mark_answered(response: Response) -> None:
    SessionCheckIn.objects.filter(response_id=response.pk, answered_at__isnull=True).update(
        answered_at=response.submitted_at
    )


def checkin_expired_for_packet(packet: Packet) -> bool:
    """For the signed link: an unanswered check-in past its expiry opens nothing (like an expired link)."""
    return SessionCheckIn.objects.filter(
        packet_id=packet.pk, answered_at__isnull=True, expires_at__lte=timezone.now()
    ).exists()
