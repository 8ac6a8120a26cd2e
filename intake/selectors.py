"""Reads for intake, always scoped by the acting membership (ACCESS.md).

- forms: every staff role (front desk needs the list to assign); clients none.
- packets (assignment and status): admin and front desk all; clinicians their caseload; a client their own.
- responses (answers, signatures, scores): clinicians and supervisors their caseload; a client their own.
  Admin and front desk: none, ever.
- risk flags and score series: clinicians and supervisors, their caseload only.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from intake.models import FormDefinition, MeasureSchedule, Packet, Response, RiskFlag, Score
from practice import roles
from practice.models import Membership
from practice.selectors import caseload_q


def _none_q() -> Q:
    return Q(pk__in=[])


def form_list(*, actor: Membership) -> QuerySet[FormDefinition]:
    if not actor.is_staff_member:
        return FormDefinition.objects.none()
    return FormDefinition.objects.filter(practice=actor.practice)


def packet_list(*, actor: Membership) -> QuerySet[Packet]:
    base = Packet.objects.filter(practice=actor.practice).select_related("client")
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    scope = _none_q()
    clinical = caseload_q(actor, client_field="client")
    if clinical is not None:
        scope |= clinical
    if actor.has_role(roles.CLIENT):
        scope |= Q(client__portal_membership=actor)
    return base.filter(scope).distinct()


def response_list(*, actor: Membership) -> QuerySet[Response]:
    base = Response.objects.filter(practice=actor.practice).select_related("version__form", "client")
    scope = _none_q()
    clinical = caseload_q(actor, client_field="client")
    if clinical is not None:
        scope |= clinical
    if actor.has_role(roles.CLIENT):
        scope |= Q(client__portal_membership=actor)
    return base.filter(scope).distinct()


def risk_flag_list(*, actor: Membership) -> QuerySet[RiskFlag]:
    clinical = caseload_q(actor, client_field="client")
    if clinical is None:
        return RiskFlag.objects.none()
    return (
        RiskFlag.objects.filter(practice=actor.practice)
        .filter(clinical)
        .distinct()
        .select_related("client", "response__version__form", "acknowledged_by__membership__user")
    )


def schedule_list(*, actor: Membership) -> QuerySet[MeasureSchedule]:
    base = MeasureSchedule.objects.filter(practice=actor.practice).select_related("form", "client")
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    clinical = caseload_q(actor, client_field="client")
    return base.filter(clinical).distinct() if clinical is not None else base.none()


def score_series(*, actor: Membership, client_id: int, form_slug: str | None = None) -> QuerySet[Score]:
    """Scores of one client, oldest first, for charts. A score replaced by a submitted amendment is left out."""
    clinical = caseload_q(actor, client_field="client")
    if clinical is None:
        return Score.objects.none()
    superseded = Response.objects.filter(amends=OuterRef("response"), status=Response.Status.SUBMITTED)
    qs = (
        Score.objects.filter(practice=actor.practice, client_id=client_id)
        .filter(clinical)
        .filter(~Exists(superseded))
        .select_related("form")
        .order_by("form__slug", "administered_at", "id")
        .distinct()
    )
    if form_slug:
        qs = qs.filter(form__slug=form_slug)
    return qs
