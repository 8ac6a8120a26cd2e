"""HTTP endpoints for the relational record over time: the timeline, session prep (per client and per
appointment), caseload attention and the overdue-note counts. Clinicians and supervisors only (ACCESS.md):
admin, front desk and clients get 404 for a client's timeline or prep and 403 for the lists.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from core.lookups import BIGINT_MAX
from notes import reads, selectors
from notes.apis import CLINICAL
from notes.models import OverdueNoteAlert
from notes.selectors import OPEN_WINDOW
from notes.serializers import OverdueAlertOutput, OverdueCountOutput
from notes.serializers_prep import AppointmentPrepOutput, CaseloadAttentionRow, SessionPrepOutput, TimelineOutput
from notes.timeline import SESSION_WINDOW
from practice import roles
from scheduling.selectors import appointment_list


class OpenQuery(serializers.Serializer):
    # Bounded like every id (it reaches PostgreSQL): past bigint it would be a database error, not a 400.
    open_before = serializers.IntegerField(required=False, min_value=1, max_value=BIGINT_MAX)


class TimelineQuery(OpenQuery):
    before = serializers.IntegerField(required=False, min_value=1)


BEFORE = OpenApiParameter(
    "before",
    int,
    description=f"The id of a session (progress note) of this timeline: answer the {SESSION_WINDOW} sessions just "
    "before it. Without it, the latest ones. The summary always covers every session.",
)
OPEN_BEFORE = OpenApiParameter(
    "open_before",
    int,
    description=f"The id of an open rupture of this client: answer the {OPEN_WINDOW} open ruptures just before it "
    "(`open_window.earlier`). Without it, the most recent ones.",
)


# --- timeline, session prep, caseload, overdue ----------------------------------------------------


class _ClinicalView(PracticeScopedMixin, APIView):
    permission_classes = [RolePermission]
    read_roles = CLINICAL


class ClientTimelineView(_ClinicalView):
    """The relational timeline of one client."""

    @extend_schema(
        parameters=[BEFORE, OPEN_BEFORE],
        responses={200: TimelineOutput},
        summary="The relational timeline of one client: ruptures, repairs, outcomes and measures "
        "session by session, with treatment-wide summaries. Psychotherapy notes never appear.",
    )
    def get(self, request, pk: int):
        """The relational timeline of a client in your caseload (or a supervisee's): the latest sessions in
        full (signed notes only: ruptures with family, markers, intensity, strategies and outcome, follow-
        ups, the measures given around each session and the client's check-in beside it), the most recent open
        ruptures whatever their session, and a summary over every session (its `open` counts every open
        rupture). `?before=` pages back through earlier sessions (`window.earlier`), `?open_before=` through
        earlier open ruptures (`open_window.earlier`). No free text and never psychotherapy notes. Clinicians
        and supervisors; 404 for a client outside your scope. The read is recorded in the audit trail.
        """
        actor = request.membership
        query = TimelineQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        client = get_object_or_404(selectors.clinical_client_list(actor=actor), pk=pk)
        # audited by the read path (notes/reads.py)
        timeline = reads.timeline_read(
            actor=actor,
            client=client,
            before=query.validated_data.get("before"),
            open_before=query.validated_data.get("open_before"),
        )
        # The selector builds plain JSON-ready values in TimelineOutput's shape (tests/notes pin it); walking
        # 600 ruptures through DRF fields would triple the response time at 200 notes (bench/notes_bench.py).
        return Response(timeline)


class SessionPrepView(_ClinicalView):
    """Session prep for one client."""

    @extend_schema(
        parameters=[OPEN_BEFORE],
        responses={200: SessionPrepOutput},
        summary="Before the next session: the last signed note's plan, open ruptures, latest measures "
        "and unacknowledged risk flags.",
    )
    def get(self, request, pk: int):
        """What to hold in mind before the next session with a client in your caseload (or a supervisee's): the
        latest check-in with the client's words, the last signed note's plan, the most recent open ruptures in
        full (`open_window` counts them all; `?open_before=` pages back), the latest score of each measure, the
        alliance state and the unacknowledged risk flags. 404 for a client outside your scope. The read is
        recorded in the audit trail.
        """
        actor = request.membership
        query = OpenQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        client = get_object_or_404(selectors.clinical_client_list(actor=actor), pk=pk)
        (prep,) = reads.session_prep_read(
            actor=actor, clients=[client], open_before=query.validated_data.get("open_before")
        )
        # Plain JSON-ready values in SessionPrepOutput's shape (tests/notes pin it), as for the timeline: 200 open
        # ruptures through a ModelSerializer and its prefetches cost more than the rest of the request.
        return Response(prep)


class AppointmentSessionPrepView(_ClinicalView):
    """Session prep for every client of one appointment."""

    @extend_schema(
        responses={200: AppointmentPrepOutput},
        summary="Session prep for an appointment: one prep per client of the session in your scope.",
    )
    def get(self, request, pk: int):
        """Session prep for an appointment you can see: one prep per client of the session in your clinical
        scope (couples, families), each with its most recent open ruptures. 404 when none is. The read is
        recorded in the audit trail.
        """

        actor = request.membership
        appointment = get_object_or_404(appointment_list(actor=actor), pk=pk)
        clients = list(selectors.clinical_client_list(actor=actor).filter(appointments=appointment).order_by("pk"))
        if not clients:
            raise Http404
        preps = reads.session_prep_read(actor=actor, clients=clients)
        return Response({"appointment": appointment.pk, "starts_at": appointment.starts_at, "clients": preps})


class CaseloadAttentionView(_ClinicalView):
    """Your caseload's clients needing attention first."""

    @extend_schema(
        responses={200: CaseloadAttentionRow(many=True)},
        summary="Your own clients needing attention first: open ruptures, falling or low alliance.",
    )
    def get(self, request):
        """Your own clients needing attention first: open risk flags (a safety flag above all), open ruptures,
        a falling or low alliance, a strain the client reported as not talked through; each row with its
        reasons in words. Clinicians and supervisors.
        """
        rows = reads.caseload_attention_read(actor=request.membership)
        return Response(CaseloadAttentionRow(rows, many=True).data)


class OverdueAlertViewSet(PracticeScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your notes still unsigned too long after the session (default 72 h; practice setting
    `note_overdue_hours`). Each alert also reached the author once by email through the outbox."""

    queryset = OverdueNoteAlert.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = CLINICAL
    serializer_class = OverdueAlertOutput

    def get_queryset(self):
        return selectors.overdue_alert_list(actor=self.request.membership)


class OverdueSummaryView(PracticeScopedMixin, APIView):
    """Counts of overdue unsigned notes."""

    permission_classes = [RolePermission]
    read_roles = {roles.ADMIN, roles.CLINICIAN, roles.SUPERVISOR}

    @extend_schema(
        responses={200: OverdueCountOutput(many=True)},
        summary="Counts of overdue unsigned notes: per clinician for admins, your own for clinicians.",
    )
    def get(self, request):
        """Counts of overdue unsigned notes, no note content: one row per clinician for an admin, your own
        count for a clinician or supervisor.
        """
        return Response(OverdueCountOutput(selectors.overdue_counts(actor=request.membership), many=True).data)
