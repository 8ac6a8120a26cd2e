"""Reads of session check-ins, scoped by the acting membership (ACCESS.md).

- that a check-in was sent, when, until when, whether answered (no answers): admin and front desk all of the
  practice; clinicians and supervisors their caseload; a client their own.
- the answers (alliance items, the moment of strain, how talked-through, the note for next time): clinicians and
  supervisors for their caseload (an alliance measure), and the client their own. Never admin or front desk.

The reads that return answers are audited by their callers' read path (`checkin_read`, and the notes views
through notes/checkins.py), one event per check-in, naming the object only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from intake.builtins import FELT_STRAIN, FOR_NEXT_TIME, TALKED_THROUGH
from intake.models import SessionCheckIn
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Client, Membership
from practice.selectors import caseload_q


def _caseload_ids(actor: Membership):
    clinical = caseload_q(actor)
    if clinical is None:
        return None
    return Client.objects.filter(practice=actor.practice).filter(clinical).values("pk")


def checkin_list(*, actor: Membership) -> QuerySet[SessionCheckIn]:
    """Check-ins whose status the actor may see (see the module docstring)."""
    base = SessionCheckIn.objects.filter(practice=actor.practice).select_related("client")
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    scope = Q(pk__in=[])
    caseload = _caseload_ids(actor)
    if caseload is not None:
        scope |= Q(client_id__in=caseload)
    if actor.has_role(roles.CLIENT):
        scope |= Q(client__portal_membership=actor)
    return base.filter(scope)


def checkin_answers_list(*, actor: Membership) -> QuerySet[SessionCheckIn]:
    """Check-ins whose answers the actor may read: their caseload's (clinician, supervisor), their own (client)."""
    scope = Q(pk__in=[])
    caseload = _caseload_ids(actor)
    if caseload is not None:
        scope |= Q(client_id__in=caseload)
    if actor.has_role(roles.CLIENT):
        scope |= Q(client__portal_membership=actor)
    return (
        SessionCheckIn.objects.filter(practice=actor.practice).filter(scope).select_related("client", "response__score")
    )


def may_read_answers(actor: Membership, checkin: SessionCheckIn) -> bool:
    return checkin_answers_list(actor=actor).filter(pk=checkin.pk).exists()


def client_view(checkin: SessionCheckIn, *, with_score: bool = True) -> dict:
    """The client's side, from the answered check-in: the alliance total (clinicians only: a client sees no
    score, ACCESS.md) and their three answers."""
    answers = (checkin.response.answers or {}) if checkin.answered_at else {}
    view = {}
    if with_score:
        score = getattr(checkin.response, "score", None) if checkin.answered_at else None
        view["alliance_total"] = score.total if score is not None else None
    return {
        **view,
        "felt_strain": answers.get(FELT_STRAIN),
        "talked_through": answers.get(TALKED_THROUGH),
        "for_next_time": answers.get(FOR_NEXT_TIME, ""),
    }


def checkin_row(checkin: SessionCheckIn, *, with_answers: bool, with_score: bool = False) -> dict:
    row = {
        "id": checkin.pk,
        "client": checkin.client_id,
        "appointment": checkin.appointment_id,
        "session_at": checkin.session_at,
        "sent_at": checkin.created_at,
        "expires_at": checkin.expires_at,
        "answered_at": checkin.answered_at,
        "state": checkin.state,
        "response": checkin.response_id,
        "packet": checkin.packet_id,
    }
    if with_answers:
        row["answers"] = client_view(checkin, with_score=with_score)
    return row


def answered_checkins_by_client(*, actor: Membership, client_ids: Iterable[int]) -> dict[int, list[SessionCheckIn]]:
    """{client_id: [answered check-ins, oldest first]} for many clients in one query, within the actor's scope."""
    rows = (
        checkin_answers_list(actor=actor)
        .filter(client_id__in=list(client_ids), answered_at__isnull=False)
        .order_by("session_at", "id")
    )
    out: dict[int, list[SessionCheckIn]] = defaultdict(list)
    for checkin in rows:
        out[checkin.client_id].append(checkin)
    return dict(out)


def checkin_read(*, actor: Membership, pk: int) -> dict:
    """One check-in: its status for every role that sees it; its answers (audited) for those who may read them."""
    checkin = get_object_or_404(checkin_list(actor=actor).select_related("response__score"), pk=pk)
    with_answers = may_read_answers(actor, checkin)
    if with_answers:
        audit_record(actor=actor, action=AuditEvent.Action.READ, obj=checkin)
    own = checkin.client.portal_membership_id == actor.pk
    return checkin_row(checkin, with_answers=with_answers, with_score=with_answers and not own)


def latest_answered_checkins(*, actor: Membership, client_ids: Iterable[int]) -> dict[int, SessionCheckIn]:
    """{client_id: their latest answered check-in} for many clients in one query, within the actor's scope."""
    rows = (
        checkin_answers_list(actor=actor)
        .filter(client_id__in=list(client_ids), answered_at__isnull=False)
        .order_by("client_id", "-session_at", "-id")
        .distinct("client_id")
    )
    return {c.client_id: c for c in rows}
