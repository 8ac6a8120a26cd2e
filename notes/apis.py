"""HTTP endpoints for session notes, the relational timeline, session prep and psychotherapy notes.

Who reaches what (ACCESS.md): clinicians and supervisors only. Admin, front desk and clients get
403 on every note collection and 404 on every note object. Psychotherapy notes answer to their
author alone: 404 for everyone else, supervisors included.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.permissions import RolePermission
from backend.api.scope import in_scope_or_400
from backend.api.views import PracticeScopedMixin
from notes import checkins as relational
from notes import selectors, services
from notes.models import (
    NoteTemplate,
    OverdueNoteAlert,
    ProgressNote,
    PsychotherapyNote,
    RepairStrategy,
    RuptureEvent,
    RuptureMarker,
)
from notes.serializers import (
    AddendumInput,
    AddendumOutput,
    AppointmentPrepOutput,
    CaseloadAttentionRow,
    CosignInput,
    NoteTemplateSerializer,
    OverdueAlertOutput,
    OverdueCountOutput,
    ProgressNoteCreateInput,
    ProgressNoteListOutput,
    ProgressNoteOutput,
    ProgressNoteUpdateInput,
    PsychotherapyNoteCreateInput,
    PsychotherapyNoteListOutput,
    PsychotherapyNoteOutput,
    PsychotherapyNoteUpdateInput,
    RepairStrategySerializer,
    RepairStrategyUpdateInput,
    RuptureCloseInput,
    RuptureMarkerSerializer,
    RuptureMarkerUpdateInput,
    RuptureOutput,
    SessionPrepOutput,
    TimelineOutput,
)
from practice import roles
from practice.audit import audit_read_many, audit_record
from practice.models import AuditEvent
from practice.selectors import client_list

CLINICAL = {roles.CLINICIAN, roles.SUPERVISOR}
TAXONOMY_READERS = {roles.ADMIN, roles.CLINICIAN, roles.SUPERVISOR}


def _appointment_or_400(actor, pk):
    if pk is None:
        return None
    from scheduling.selectors import appointment_list

    return in_scope_or_400(appointment_list(actor=actor), pk, "appointment")


# --- taxonomy -------------------------------------------------------------------------------------


class _TaxonomyViewSet(PracticeScopedMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = [RolePermission]
    read_roles = TAXONOMY_READERS
    write_roles = {roles.ADMIN}
    http_method_names = ["get", "post", "patch", "head", "options"]
    pagination_class = None
    model: type
    update_input: type

    def list(self, request, *args, **kwargs):
        services.taxonomy_seed(practice=request.membership.practice)
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.taxonomy_entry_create(actor=request.membership, model=self.model, **data.validated_data)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        data = self.update_input(entry, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        entry = services.taxonomy_entry_update(actor=request.membership, entry=entry, **data.validated_data)
        return Response(self.get_serializer(entry).data)


@extend_schema_view(
    partial_update=extend_schema(request=RuptureMarkerUpdateInput, responses={200: RuptureMarkerSerializer})
)
class RuptureMarkerViewSet(_TaxonomyViewSet):
    """The practice's 3RS rupture markers (withdrawal, confrontation). Codes are stable; admins add and relabel."""

    queryset = RuptureMarker.objects.none()  # for the schema only: get_queryset() scopes every request
    serializer_class = RuptureMarkerSerializer
    model = RuptureMarker
    update_input = RuptureMarkerUpdateInput

    def get_queryset(self):
        return selectors.rupture_marker_list(actor=self.request.membership)


@extend_schema_view(
    partial_update=extend_schema(request=RepairStrategyUpdateInput, responses={200: RepairStrategySerializer})
)
class RepairStrategyViewSet(_TaxonomyViewSet):
    """Resolution strategies, immediate/indirect or expressive/metacommunication."""

    queryset = RepairStrategy.objects.none()  # for the schema only: get_queryset() scopes every request
    serializer_class = RepairStrategySerializer
    model = RepairStrategy
    update_input = RepairStrategyUpdateInput

    def get_queryset(self):
        return selectors.repair_strategy_list(actor=self.request.membership)


class NoteTemplateViewSet(PracticeScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Note templates as data: relational (default), SOAP, DAP, BIRP."""

    queryset = NoteTemplate.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = TAXONOMY_READERS
    serializer_class = NoteTemplateSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.note_template_list(actor=self.request.membership)

    def list(self, request, *args, **kwargs):
        services.taxonomy_seed(practice=request.membership.practice)
        return super().list(request, *args, **kwargs)


# --- progress notes -------------------------------------------------------------------------------

CLIENT_FILTER = OpenApiParameter("client", int, description="Only this client's notes.")


@extend_schema_view(
    list=extend_schema(
        parameters=[CLIENT_FILTER],
        responses={200: ProgressNoteListOutput(many=True)},
        summary="Notes you may read: your own, your care teams' signed notes, your supervisees'.",
    ),
    retrieve=extend_schema(
        responses={200: ProgressNoteOutput}, summary="One note with ruptures and addenda (the read is audited)."
    ),
    create=extend_schema(
        request=ProgressNoteCreateInput,
        responses={201: ProgressNoteOutput},
        summary="Start a draft (for an appointment of yours, or a standalone contact note).",
    ),
    partial_update=extend_schema(
        request=ProgressNoteUpdateInput,
        responses={200: ProgressNoteOutput},
        summary="Autosave a draft. A signed note answers 409 `note_locked`; "
        "a stale `version` answers 409 `stale_version`.",
    ),
)
class ProgressNoteViewSet(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ProgressNote.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = CLINICAL
    write_roles = CLINICAL
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields: list[str] = []
    ordering = ["-session_at", "-id"]
    ordering_fields = ["session_at"]

    def get_queryset(self):
        actor = self.request.membership
        if self.action == "list":
            qs = selectors.progress_note_list(actor=actor)
            client = self.request.query_params.get("client")
            if client and client.isdigit():
                qs = qs.filter(client_id=int(client))
            return qs
        return selectors.progress_note_detail_queryset(actor=actor)

    def get_serializer_class(self):
        return ProgressNoteListOutput if self.action == "list" else ProgressNoteOutput

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_read_many(actor=request.membership, objects=page)
        return self.get_paginated_response(ProgressNoteListOutput(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        note = self.get_object()
        audit_record(actor=request.membership, action=AuditEvent.Action.READ, obj=note)
        return Response(ProgressNoteOutput(note).data)

    def _fresh(self, note):
        return selectors.progress_note_detail_queryset(actor=self.request.membership).get(pk=note.pk)

    def create(self, request, *args, **kwargs):
        data = ProgressNoteCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        actor = request.membership
        client = in_scope_or_400(client_list(actor=actor), values.pop("client"), "client")
        appointment = _appointment_or_400(actor, values.pop("appointment", None))
        note = services.progress_note_create(
            actor=actor, client=client, template_code=values.pop("template", None), appointment=appointment, **values
        )
        return Response(ProgressNoteOutput(self._fresh(note)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        note = self.get_object()
        data = ProgressNoteUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.progress_note_update(actor=request.membership, note=note, **data.validated_data)
        return Response(ProgressNoteOutput(self._fresh(note)).data)

    @extend_schema(
        request=None,
        responses={200: ProgressNoteOutput},
        summary="Sign: lock the note, record signer, time and SHA-256. Supervisees' notes then await "
        "co-signature. 409 if already signed; 400 `note_incomplete` names missing fields.",
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        note = services.progress_note_sign(actor=request.membership, note=self.get_object())
        return Response(ProgressNoteOutput(self._fresh(note)).data)

    @extend_schema(
        request=CosignInput,
        responses={200: ProgressNoteOutput},
        summary="Co-sign a supervisee's note (their supervisor only), keeping the comment.",
    )
    @action(detail=True, methods=["post"])
    def cosign(self, request, pk=None):
        note = self.get_object()
        data = CosignInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.progress_note_cosign(
            actor=request.membership, note=note, comment=data.validated_data.get("comment", "")
        )
        return Response(ProgressNoteOutput(self._fresh(note)).data)

    @extend_schema(
        request=AddendumInput,
        responses={201: AddendumOutput},
        summary="Add a signed, timestamped addendum to a signed note (author only).",
    )
    @action(detail=True, methods=["post"])
    def addenda(self, request, pk=None):
        note = self.get_object()
        data = AddendumInput(data=request.data)
        data.is_valid(raise_exception=True)
        addendum = services.addendum_create(actor=request.membership, note=note, body=data.validated_data["body"])
        return Response(AddendumOutput(addendum).data, status=status.HTTP_201_CREATED)


class RuptureViewSet(PracticeScopedMixin, viewsets.GenericViewSet):
    queryset = RuptureEvent.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = CLINICAL
    write_roles = CLINICAL

    def get_queryset(self):
        return selectors.rupture_list(actor=self.request.membership).prefetch_related("markers", "strategies")

    @extend_schema(
        request=RuptureCloseInput,
        responses={200: RuptureOutput},
        summary="Close an open rupture without repair, with the reason (care-team clinicians).",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        rupture = self.get_object()
        data = RuptureCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        rupture = services.rupture_close(
            actor=request.membership, rupture=rupture, reason=data.validated_data["reason"]
        )
        return Response(RuptureOutput(self.get_queryset().get(pk=rupture.pk)).data)


# --- psychotherapy notes --------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        responses={200: PsychotherapyNoteListOutput(many=True)},
        summary="Your own psychotherapy notes (no body in the list).",
    ),
    retrieve=extend_schema(responses={200: PsychotherapyNoteOutput}),
    create=extend_schema(request=PsychotherapyNoteCreateInput, responses={201: PsychotherapyNoteOutput}),
    partial_update=extend_schema(request=PsychotherapyNoteUpdateInput, responses={200: PsychotherapyNoteOutput}),
)
class PsychotherapyNoteViewSet(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Psychotherapy (process) notes, 45 CFR 164.501: readable and writable by their author alone.

    Every other caller, supervisors and administrators included, gets 404 for any of them; they are
    in no export, no search, no timeline and no session prep.
    """

    queryset = PsychotherapyNote.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = CLINICAL
    write_roles = CLINICAL
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.psychotherapy_note_list(actor=self.request.membership)

    def get_serializer_class(self):
        return PsychotherapyNoteListOutput if self.action == "list" else PsychotherapyNoteOutput

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_read_many(actor=request.membership, objects=page)
        return self.get_paginated_response(PsychotherapyNoteListOutput(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        note = self.get_object()
        audit_record(actor=request.membership, action=AuditEvent.Action.READ, obj=note)
        return Response(PsychotherapyNoteOutput(note).data)

    def create(self, request, *args, **kwargs):
        data = PsychotherapyNoteCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor = request.membership
        client = in_scope_or_400(client_list(actor=actor), data.validated_data["client"], "client")
        appointment = _appointment_or_400(actor, data.validated_data.get("appointment"))
        note = services.psychotherapy_note_create(
            actor=actor, client=client, appointment=appointment, body=data.validated_data["body"]
        )
        return Response(PsychotherapyNoteOutput(note).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        note = self.get_object()
        data = PsychotherapyNoteUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.psychotherapy_note_update(actor=request.membership, note=note, body=data.validated_data["body"])
        return Response(PsychotherapyNoteOutput(note).data)

    def destroy(self, request, *args, **kwargs):
        services.psychotherapy_note_delete(actor=request.membership, note=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- timeline, session prep, caseload, overdue ----------------------------------------------------


class _ClinicalView(PracticeScopedMixin, APIView):
    permission_classes = [RolePermission]
    read_roles = CLINICAL


def _audit_prep_read(*, actor, clients, preps) -> None:
    """Session prep reads notes (audited one by one) and each client's measures and risk flags
    (audited as one `notes.session_prep` read per client)."""
    read = [p["last_note"] for p in preps if p["last_note"]]
    read += [ProgressNote(pk=r.note_id) for p in preps for r in p["open_ruptures"]]
    audit_read_many(actor=actor, objects={n.pk: n for n in read}.values(), object_type="notes.progressnote")
    relational.audit_checkin_reads(
        actor=actor, checkin_ids=[p["latest_checkin"]["checkin"] for p in preps if p["latest_checkin"]]
    )
    for client in clients:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.READ,
            obj=client,
            object_type="notes.session_prep",
            detail={"includes": ["notes", "measures", "risk_flags"]},
        )


class ClientTimelineView(_ClinicalView):
    @extend_schema(
        responses={200: TimelineOutput},
        summary="The relational timeline of one client: ruptures, repairs, outcomes and measures "
        "session by session, with treatment-wide summaries. Psychotherapy notes never appear.",
    )
    def get(self, request, pk: int):
        actor = request.membership
        client = get_object_or_404(selectors.clinical_client_list(actor=actor), pk=pk)
        timeline = selectors.client_timeline(actor=actor, client=client)
        audit_read_many(actor=actor, objects=[ProgressNote(pk=s["id"]) for s in timeline["sessions"]])
        relational.audit_checkin_reads(actor=actor, checkin_ids=relational.timeline_checkin_ids(timeline))
        # The timeline also shows the client's measures: one event for the timeline as a whole.
        audit_record(
            actor=actor,
            action=AuditEvent.Action.READ,
            obj=client,
            object_type="notes.timeline",
            detail={"includes": ["notes", "measures"]},
        )
        # The selector builds plain JSON-ready values in TimelineOutput's shape (tests/notes pin it); walking
        # 600 ruptures through DRF fields would triple the response time at 200 notes (bench/notes_bench.py).
        return Response(timeline)


class SessionPrepView(_ClinicalView):
    @extend_schema(
        responses={200: SessionPrepOutput},
        summary="Before the next session: the last signed note's plan, open ruptures, latest measures "
        "and unacknowledged risk flags.",
    )
    def get(self, request, pk: int):
        actor = request.membership
        client = get_object_or_404(selectors.clinical_client_list(actor=actor), pk=pk)
        prep = selectors.session_prep(actor=actor, client=client)
        _audit_prep_read(actor=actor, clients=[client], preps=[prep])
        return Response(SessionPrepOutput(prep).data)


class AppointmentSessionPrepView(_ClinicalView):
    @extend_schema(
        responses={200: AppointmentPrepOutput},
        summary="Session prep for an appointment: one prep per client of the session in your scope.",
    )
    def get(self, request, pk: int):
        from scheduling.selectors import appointment_list

        actor = request.membership
        appointment = get_object_or_404(appointment_list(actor=actor), pk=pk)
        clients = list(selectors.clinical_client_list(actor=actor).filter(appointments=appointment).order_by("pk"))
        if not clients:
            raise Http404
        preps = [selectors.session_prep(actor=actor, client=client) for client in clients]
        _audit_prep_read(actor=actor, clients=clients, preps=preps)
        return Response(
            AppointmentPrepOutput(
                {"appointment": appointment.pk, "starts_at": appointment.starts_at, "clients": preps}
            ).data
        )


class CaseloadAttentionView(_ClinicalView):
    @extend_schema(
        responses={200: CaseloadAttentionRow(many=True)},
        summary="Your own clients needing attention first: open ruptures, falling or low alliance.",
    )
    def get(self, request):
        rows = selectors.caseload_attention(actor=request.membership)
        # One event for the list, naming no client: which clients it shows (an open rupture, a falling
        # alliance) is itself clinical, and the admin reads the trail (practice/audit.py).
        audit_record(actor=request.membership, action=AuditEvent.Action.LIST, object_type="notes.caseload_attention")
        # The check-in answers the rows carry are covered by that one event: one read event per check-in here
        # would file, under this request's id, exactly the clients whose check-in reports a strain.
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
    permission_classes = [RolePermission]
    read_roles = {roles.ADMIN, roles.CLINICIAN, roles.SUPERVISOR}

    @extend_schema(
        responses={200: OverdueCountOutput(many=True)},
        summary="Counts of overdue unsigned notes: per clinician for admins, your own for clinicians.",
    )
    def get(self, request):
        return Response(OverdueCountOutput(selectors.overdue_counts(actor=request.membership), many=True).data)
