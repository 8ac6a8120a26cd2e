"""Reads, always scoped by the acting membership (ACCESS.md). Views never start from `objects.all()`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from psycopg import sql

from core import rows
from core.lookups import get_object_or_404  # Http404 for a malformed id too
from practice import roles
from practice.audit import audit_list_read, audit_record
from practice.models import AuditEvent, CareTeamMember, Client, Clinician, Invitation, Membership, Practice, Supervision


def any_practice_exists() -> bool:
    """Whether this server has a practice yet (the sign-in page offers the first-run page when not)."""

    return Practice.objects.exists()


def acting_clinician(actor: Membership) -> Clinician | None:
    """The actor's clinician profile while it may do clinical work, else None.

    Clinical scope ends with the profile (`Clinician.is_active` false) or with the role (the membership no
    longer holds `clinician`; a supervisor always holds it too): every caseload, note, intake and measure
    read starts here, so a deactivated or former clinician reads nothing clinical.
    """
    if not actor.has_role(roles.CLINICIAN):
        return None
    try:
        clinician = actor.clinician
    except Clinician.DoesNotExist:
        return None
    return clinician if clinician.is_active else None


def working_clinician_q(prefix: str = "") -> Q:
    """Clinicians who may still do clinical work: active profile, active membership, clinician role held."""
    return Q(
        **{
            f"{prefix}is_active": True,
            f"{prefix}membership__is_active": True,
            f"{prefix}membership__roles__contains": [roles.CLINICIAN],
        }
    )


def current_supervision_q() -> Q:
    """A supervision that has not ended: no end date, or one still ahead."""
    return Q(ended_on__isnull=True) | Q(ended_on__gt=timezone.localdate())


def supervisee_ids(actor: Membership) -> list[int]:
    """Clinicians the actor currently supervises (empty unless the actor holds the supervisor role).

    Only supervisions that have not ended, and only supervisees who may still do clinical work: a
    supervisee deactivated or stripped of the clinician role brings the supervisor no clients.
    """
    clinician = acting_clinician(actor)
    if clinician is None or not actor.has_role(roles.SUPERVISOR):
        return []
    return list(
        Supervision.objects.filter(practice=actor.practice, supervisor=clinician)
        .filter(current_supervision_q(), working_clinician_q("supervisee__"))
        .values_list("supervisee_id", flat=True)
    )


def caseload_q(actor: Membership, *, client_field: str = "") -> Q | None:
    """The Q that limits a client-linked queryset to the clinician's (and supervisor's) caseload.

    `client_field` is the path from the queried model to Client ("" for Client itself,
    "client" for a model with a `client` foreign key). None means "no clinical scope".
    """
    clinician = acting_clinician(actor)
    if clinician is None:
        return None
    prefix = f"{client_field}__" if client_field else ""
    q = Q(**{f"{prefix}care_team__clinician": clinician})
    supervised = supervisee_ids(actor)
    if supervised:
        q |= Q(**{f"{prefix}care_team__clinician__in": supervised})
    return q


def client_list(*, actor: Membership) -> QuerySet[Client]:
    # The admin's and front desk's branch is written out in SQL too, for booking: booking_clients_read, below.
    base = Client.objects.filter(practice=actor.practice)
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    scope = Q(pk__in=[])
    clinical = caseload_q(actor)
    if clinical is not None:
        scope |= clinical
    if actor.has_role(roles.CLIENT):
        scope |= Q(portal_membership=actor)
    return base.filter(scope).distinct()


def booking_clients_read(*, actor: Membership, pks: Sequence[int]) -> dict[int, Client] | None:
    """`client_list(actor=actor).filter(pk__in=pks)` for the admin and the front desk, by id, in one statement
    composed once (`_clients_of_practice_sql`); None for any other role (their scope is a caseload or their own
    record: the caller asks `client_list` itself).

    The scope is `client_list`'s for those roles, written in the SQL: every client of their own practice
    (`practice_id = %(practice)s`). tests/scheduling/test_booking_reads.py holds it to `client_list` for
    every role. Why written out: the ORM composing and compiling this read cost about a tenth of a booking's app
    CPU, on every booking.
    """
    if not actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_clients_of_practice_sql(), {"practice": actor.practice_id, "pks": list(pks)})
        found = [rows.instance_from_row(Client, row) for row in cursor.fetchall()]
    return {c.pk: c for c in found}


@cache
def _clients_of_practice_sql() -> str:
    query = sql.SQL(
        "SELECT {columns} FROM {table} c WHERE c.{practice} = %(practice)s AND c.{pk} = ANY(%(pks)s)"
    ).format(
        columns=rows.columns("c", Client),
        table=rows.table(Client),
        practice=rows.column(Client, "practice"),
        pk=rows.column(Client, "id"),
    )
    return query.as_string()


def client_read(*, actor: Membership, pk) -> Client:
    """One client record through the caller's scope (404 outside it), the read audited."""
    client = get_object_or_404(client_list(actor=actor), pk=pk)
    audit_record(actor=actor, action=AuditEvent.Action.READ, obj=client)
    return client


def client_list_read(*, actor: Membership, clients: Sequence[Client]) -> Sequence[Client]:
    """The client records a list or a search shows (one page of `client_list`), the read audited: one event
    naming the ids shown, not one per row. Every list of client records, API or page, goes through here."""
    audit_list_read(actor=actor, objects=clients, object_type="practice.client")
    return clients


def clinician_list(*, actor: Membership) -> QuerySet[Clinician]:
    # Written out in SQL too, for a staff booking and the slot search (scheduling/sql_selectors.py): a change of
    # this scope is made there as well (tests/scheduling/test_booking_reads.py, test_slot_scope.py hold them equal).
    base = Clinician.objects.filter(practice=actor.practice).select_related("membership__user")
    if actor.is_staff_member:
        return base
    if actor.has_role(roles.CLIENT):
        # A client sees only the clinicians on their own care team.
        return base.filter(care_team_memberships__client__portal_membership=actor).distinct()
    return base.none()


def staff_list(*, actor: Membership) -> QuerySet[Membership]:
    base = Membership.objects.filter(practice=actor.practice).exclude(roles=[roles.CLIENT]).select_related("user")
    if actor.has_role(roles.ADMIN):
        return base  # inactive members too, so an admin can reactivate them
    base = base.filter(is_active=True)
    if actor.is_staff_member:
        return base
    if actor.has_role(roles.CLIENT):
        return base.filter(clinician__care_team_memberships__client__portal_membership=actor).distinct()
    return base.none()


def care_team_list(*, actor: Membership) -> QuerySet[CareTeamMember]:
    base = CareTeamMember.objects.filter(practice=actor.practice).select_related(
        "client", "clinician__membership__user"
    )
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    clinical = caseload_q(actor, client_field="client")
    return base.filter(clinical).distinct() if clinical is not None else base.none()


def supervision_list(*, actor: Membership) -> QuerySet[Supervision]:
    base = Supervision.objects.filter(practice=actor.practice).select_related(
        "supervisor__membership__user", "supervisee__membership__user"
    )
    if actor.is_staff_member:
        return base
    return base.none()


def invitation_list(*, actor: Membership) -> QuerySet[Invitation]:
    if not actor.has_role(roles.ADMIN):
        return Invitation.objects.none()
    return Invitation.objects.filter(practice=actor.practice)


INVITATION_STATUSES = ("pending", "accepted", "revoked", "expired")


def invitation_filter_status(queryset: QuerySet[Invitation], status: str | None) -> QuerySet[Invitation]:
    """Narrow to one `Invitation.status`; an unknown or empty status leaves the queryset as it is."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    cutoff = timezone.now() - timedelta(seconds=settings.INVITATION_MAX_AGE)
    if status == "pending":
        return queryset.filter(open_, created_at__gte=cutoff)
    if status == "expired":
        return queryset.filter(open_, created_at__lt=cutoff)
    if status == "accepted":
        return queryset.filter(accepted_at__isnull=False)
    if status == "revoked":
        return queryset.filter(revoked_at__isnull=False)
    return queryset


def audit_event_list(*, actor: Membership) -> QuerySet[AuditEvent]:
    if not actor.has_role(roles.ADMIN):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(practice=actor.practice).select_related("actor")
