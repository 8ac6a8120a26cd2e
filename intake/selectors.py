"""Reads for intake, always scoped by the acting membership (ACCESS.md).

- forms: every staff role (front desk needs the list to assign); clients none.
- packets (assignment and status): admin and front desk all; clinicians their caseload; a client their own.
- responses (answers, signatures, scores): clinicians and supervisors their caseload; a client their own.
  Admin and front desk: none, ever.
- risk flags and scores (one client's series, or many clients' at once): clinicians and supervisors, their
  caseload only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from intake.models import FormDefinition, FormVersion, MeasureSchedule, Packet, Response, RiskFlag, Score
from practice import roles
from practice.models import Client, Membership
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


def _score_list(*, actor: Membership) -> QuerySet[Score]:
    """Scores of the actor's caseload (clinicians and supervisors only), amended-away scores left out.

    Scoped through a client-id subquery rather than a join on care teams, so a score is never repeated
    (a client with two of the actor's clinicians on the care team) and no DISTINCT is needed.
    """
    clinical = caseload_q(actor)
    if clinical is None:
        return Score.objects.none()
    caseload = Client.objects.filter(practice=actor.practice).filter(clinical).values("pk")
    superseded = Response.objects.filter(amends=OuterRef("response"), status=Response.Status.SUBMITTED)
    return Score.objects.filter(practice=actor.practice, client_id__in=caseload).filter(~Exists(superseded))


def score_series(*, actor: Membership, client_id: int, form_slug: str | None = None) -> QuerySet[Score]:
    """Scores of one client, oldest first, for charts. A score replaced by a submitted amendment is left out."""
    qs = (
        _score_list(actor=actor)
        .filter(client_id=client_id)
        .select_related("form")
        .order_by("form__slug", "administered_at", "id")
    )
    if form_slug:
        qs = qs.filter(form__slug=form_slug)
    return qs


@dataclass(frozen=True)
class MeasureSeries:
    """One client's measures shaped for a chart, and the scores that were read (for the audit trail)."""

    client: int
    measures: list[dict]
    scores: list[Score]


def _scoring(version: FormVersion | None) -> dict:
    return ((version.content or {}).get("scoring") if version else None) or {}


def client_measure_series(*, actor: Membership, client: Client, form_slug: str | None = None) -> MeasureSeries:
    """Each measure's scores oldest first, with ranges and bands for the chart.

    A point carries the `range` and `bands` of the form version its score was computed with (its response's
    version), so a point banded under an older version is drawn against that version's boundaries. The
    measure's own `range` and `bands` are its latest published version's (the current scale). Two queries
    whatever the number of points or versions (plus the supervisees look-up for a supervisor).
    """
    scores = list(
        score_series(actor=actor, client_id=client.pk, form_slug=form_slug).annotate(
            version_id=F("response__version_id")
        )
    )
    if not scores:
        return MeasureSeries(client=client.pk, measures=[], scores=[])
    # The versions the scores were computed with, and every published version of their forms (for the latest).
    versions = {
        v.pk: v
        for v in FormVersion.objects.filter(practice=actor.practice).filter(
            Q(pk__in={s.version_id for s in scores})
            | Q(form_id__in={s.form_id for s in scores}, status=FormVersion.Status.PUBLISHED)
        )
    }
    published = [v for v in versions.values() if v.status == FormVersion.Status.PUBLISHED]
    latest = {v.form_id: v for v in sorted(published, key=lambda v: v.number)}  # each form's highest number wins

    measures: dict[str, dict] = {}
    for s in scores:
        entry = measures.get(s.form.slug)
        if entry is None:
            current = _scoring(latest.get(s.form_id))
            entry = measures[s.form.slug] = {
                "slug": s.form.slug,
                "name": s.form.name,
                "range": current.get("range"),
                "bands": current.get("bands") or [],
                "points": [],
            }
        version = versions[s.version_id]
        scoring = _scoring(version)
        entry["points"].append(
            {
                "response": s.response_id,
                "at": s.administered_at,
                "total": s.total,
                "band": s.band,
                "subscales": s.subscales,
                "version": version.number,
                "range": scoring.get("range"),
                "bands": scoring.get("bands") or [],
            }
        )
    return MeasureSeries(client=client.pk, measures=list(measures.values()), scores=scores)


def scores_by_client(
    *, actor: Membership, client_ids: Iterable[int], form_slugs: Iterable[str]
) -> dict[int, list[dict]]:
    """{client_id: [{"measure", "total", "band", "administered_at"}...] oldest first} for many clients at once.

    Scoped here, not by the caller: a client outside the actor's caseload (or practice) gets no entry.
    One query for the scores (plus the supervisees look-up for a supervisor).
    """
    rows = (
        _score_list(actor=actor)
        .filter(client_id__in=list(client_ids), form__slug__in=list(form_slugs))
        .order_by("administered_at", "id")
        .values("client_id", "form__slug", "total", "band", "administered_at")
    )
    out: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        out[row["client_id"]].append(
            {
                "measure": row["form__slug"],
                "total": row["total"],
                "band": row["band"],
                "administered_at": row["administered_at"],
            }
        )
    return dict(out)
