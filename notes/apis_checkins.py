"""Both sides of the relationship for one client: every answered session check-in beside its session's note."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from notes import checkins as relational
from notes import selectors
from notes.models import ProgressNote
from notes.serializers_checkins import ClientTwoViewsOutput
from practice import roles
from practice.audit import audit_read_many

CLINICAL = {roles.CLINICIAN, roles.SUPERVISOR}


class ClientTwoViewsView(PracticeScopedMixin, APIView):
    """For one client, each session's signed note beside the client's own check-in about it. Clinicians and
    supervisors of the client's care (404 outside it); the reads of notes and check-ins are audited."""

    permission_classes = [RolePermission]
    read_roles = CLINICAL

    @extend_schema(
        responses={200: ClientTwoViewsOutput},
        summary="Per session, the ruptures the signed note records beside the strain the client reported in their "
        "check-in and how talked-through they felt it was, with the disagreements named "
        "(strain_not_in_note, repaired_but_not_talked_through, rupture_not_felt), and how often the two agree.",
    )
    def get(self, request, pk: int):
        """Every answered session check-in of a client in your caseload (or a supervisee's), oldest first,
        beside the ruptures its session's signed note records, with the disagreements named and how often
        the two views agree. 404 for a client outside your scope. The reads are recorded in the audit trail.
        """
        actor = request.membership
        client = get_object_or_404(selectors.clinical_client_list(actor=actor), pk=pk)
        rows = relational.client_two_views(actor=actor, client=client)
        relational.audit_checkin_reads(actor=actor, checkin_ids=[r["checkin"] for r in rows])
        notes = {r["note_view"]["note"] for r in rows if r["note_view"]}
        audit_read_many(actor=actor, objects=[ProgressNote(pk=n) for n in sorted(notes)])
        return Response(
            ClientTwoViewsOutput(
                {"client": client.pk, "sessions": rows, "summary": relational.agreement_summary(rows)}
            ).data
        )
