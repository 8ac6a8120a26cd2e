"""The portal's reads: each one the apps' own scoped selector, narrowed to the signed-in client's record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from intake.checkin_selectors import checkin_list
from intake.models import Packet, Response, SessionCheckIn
from intake.selectors import packet_list, response_list
from practice.audit import audit_record
from practice.models import AuditEvent, Client, Membership
from practice.selectors import client_list
from scheduling.models import Appointment, Status
from scheduling.selectors import appointment_list

UPCOMING = (Status.SCHEDULED, Status.CONFIRMED, Status.CHECKED_IN)
REQUESTS = (Status.REQUESTED, Status.DECLINED)
PAST_SHOWN = 20


def own_client(*, actor: Membership) -> Client:
    """The client record the portal membership signs in for; 404 when there is none."""
    client = client_list(actor=actor).filter(portal_membership=actor).first()
    if client is None:
        raise Http404
    return client


def _own_appointments(actor: Membership, client: Client) -> QuerySet[Appointment]:
    return appointment_list(actor=actor).filter(participants__client=client)


@dataclass
class MySessions:
    upcoming: list[Appointment]
    requests: list[Appointment]
    past: list[Appointment]


def my_sessions(*, actor: Membership, client: Client, now: datetime | None = None) -> MySessions:
    now = now or timezone.now()
    mine = _own_appointments(actor, client)
    return MySessions(
        upcoming=list(mine.filter(status__in=UPCOMING, starts_at__gte=now).order_by("starts_at")),
        requests=list(mine.filter(status__in=REQUESTS, starts_at__gte=now - timedelta(days=30)).order_by("starts_at")),
        past=list(
            mine.exclude(status__in=REQUESTS)
            .exclude(status__in=UPCOMING, starts_at__gte=now)
            .order_by("-starts_at")[:PAST_SHOWN]
        ),
    )


def my_appointment(*, actor: Membership, client: Client, pk: int) -> Appointment:
    appointment = _own_appointments(actor, client).select_related("practice").filter(pk=pk).first()
    if appointment is None:
        raise Http404
    return appointment


@dataclass
class MyForms:
    to_complete: list[Packet]
    checkins_waiting: list[SessionCheckIn]
    submitted: list[Response]


def my_forms(*, actor: Membership, client: Client, now: datetime | None = None) -> MyForms:
    now = now or timezone.now()
    checkins = checkin_list(actor=actor).filter(client=client)
    return MyForms(
        to_complete=list(
            packet_list(actor=actor)
            .filter(client=client)
            .exclude(status=Packet.Status.COMPLETED)
            .exclude(pk__in=checkins.values("packet_id"))
            .order_by("due_on", "pk")
        ),
        checkins_waiting=list(
            checkins.filter(answered_at__isnull=True, expires_at__gt=now).select_related("packet").order_by("-pk")
        ),
        submitted=list(
            response_list(actor=actor)
            .filter(client=client, status=Response.Status.SUBMITTED)
            .order_by("-submitted_at", "-pk")
        ),
    )


def my_submitted_response_read(*, actor: Membership, client: Client, pk: int) -> Response:
    """One of my own submitted answers, the read audited (the client's own clinical content)."""
    response = (
        response_list(actor=actor)
        .filter(client=client, status=Response.Status.SUBMITTED, pk=pk)
        .select_related("version__form")
        .first()
    )
    if response is None:
        raise Http404
    audit_record(actor=actor, action=AuditEvent.Action.READ, obj=response)
    return response
