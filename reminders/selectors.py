"""Reads of the outbox, scoped by the acting membership (ACCESS.md: reminder delivery status is
R for admin and front desk, R for a clinician on their own clients, nothing for supervisors or clients)."""

from __future__ import annotations

from django.db.models import QuerySet

from practice import roles
from practice.models import Membership
from practice.selectors import acting_clinician
from reminders.models import OutboundMessage


def outbound_message_list(*, actor: Membership) -> QuerySet[OutboundMessage]:
    # Client messages only: staff notices (recipient set) say nothing to the front desk and could reveal that a
    # client's questionnaire needs review (ACCESS.md: risk flags are never shown to the front desk).
    # Account messages (staff invitations, password resets) are no client's either.
    base = OutboundMessage.objects.filter(practice=actor.practice, client__isnull=False).select_related("client")
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    clinician = acting_clinician(actor) if actor.has_role(roles.CLINICIAN) else None
    if clinician is None:
        return base.none()
    # "own clients": the clinician's own caseload, not the supervisees' (supervisors have no access).
    return base.filter(client__care_team__clinician=clinician).distinct()
