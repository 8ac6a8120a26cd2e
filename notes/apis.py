"""HTTP endpoints for session notes, the relational timeline, session prep and psychotherapy notes.

Who reaches what (ACCESS.md): clinicians and supervisors only. Admin, front desk and clients get
403 on every note collection and 404 on every note object. Psychotherapy notes answer to their
author alone: 404 for everyone else, supervisors included.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from core.lookups import id_or_none
from notes import selectors, services
from notes.models import (
    NoteTemplate,
    ProgressNote,
    RepairStrategy,
    RuptureEvent,
    RuptureMarker,
)
from notes.serializers import (
    AddendumInput,
    AddendumOutput,
    CosignInput,
    NoteTemplateSerializer,
    ProgressNoteCreateInput,
    ProgressNoteListOutput,
    ProgressNoteOutput,
    ProgressNoteUpdateInput,
    RepairStrategySerializer,
    RepairStrategyUpdateInput,
    RuptureCloseInput,
    RuptureMarkerSerializer,
    RuptureMarkerUpdateInput,
    RuptureOutput,
)
from practice import roles
from practice.audit import audit_read_many, audit_record
from practice.models import AuditEvent

CLINICAL = {roles.CLINICIAN, roles.SUPERVISOR}
TAXONOMY_READERS = {roles.ADMIN, roles.CLINICIAN, roles.SUPERVISOR}


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
        """Every entry of the practice's list, active or not (the defaults from the practice's creation, and what
        its admins added). Admins, clinicians and supervisors.
        """
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        """Add an entry with a new stable `code` (admins only); a code already in use answers 400 naming
        `code`.
        """
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.taxonomy_entry_create(actor=request.membership, model=self.model, **data.validated_data)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    UPDATE_DESCRIPTION = "Relabel, reword or deactivate an entry (admins only); its `code` never changes."

    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        data = self.update_input(entry, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        entry = services.taxonomy_entry_update(actor=request.membership, entry=entry, **data.validated_data)
        return Response(self.get_serializer(entry).data)


@extend_schema_view(
    partial_update=extend_schema(
        request=RuptureMarkerUpdateInput,
        responses={200: RuptureMarkerSerializer},
        description=_TaxonomyViewSet.UPDATE_DESCRIPTION,
    )
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
    partial_update=extend_schema(
        request=RepairStrategyUpdateInput,
        responses={200: RepairStrategySerializer},
        description=_TaxonomyViewSet.UPDATE_DESCRIPTION,
    )
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
        """The practice's note templates with their sections (which are required). Admins, clinicians and
        supervisors.
        """
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
    """Relational progress notes: drafts, signing, co-signing and addenda. Clinicians and supervisors only."""

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
            client = id_or_none(self.request.query_params.get("client"))
            if client is not None:
                qs = qs.filter(client_id=client)
            return qs
        return selectors.progress_note_detail_queryset(actor=actor)

    def get_serializer_class(self):
        return ProgressNoteListOutput if self.action == "list" else ProgressNoteOutput

    def list(self, request, *args, **kwargs):
        """The progress notes you may read, newest session first: your own (drafts included), the signed notes
        of clients on your care team, and your current supervisees' signed notes. Filter with `client`. Each
        note listed is recorded in the audit trail.
        """
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_read_many(actor=request.membership, objects=page)
        return self.get_paginated_response(ProgressNoteListOutput(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        """One progress note in full, with its ruptures, follow-ups and addenda. Clinicians and supervisors in
        scope; anyone else gets 404. The read is recorded in the audit trail.
        """
        note = self.get_object()
        audit_record(actor=request.membership, action=AuditEvent.Action.READ, obj=note)
        return Response(ProgressNoteOutput(note).data)

    def _fresh(self, note):
        return selectors.progress_note_detail_queryset(actor=self.request.membership).get(pk=note.pk)

    def create(self, request, *args, **kwargs):
        """Start a draft for a client on your care team, for one of your appointments with them or standalone
        (a call, an email). Another practice's or another caseload's client or appointment answers 400 like
        an unknown one.
        """
        # Client and appointment resolve in the caller's scope: any other id answers like an unknown one.
        data = ProgressNoteCreateInput(data=request.data, context={"membership": request.membership})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        note = services.progress_note_create(
            actor=request.membership,
            client=values.pop("client"),
            template_code=values.pop("template", None),
            appointment=values.pop("appointment", None),
            **values,
        )
        return Response(ProgressNoteOutput(self._fresh(note)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        """Autosave your draft: only the sections sent change; `ruptures` replaces the list. Send the `version`
        you loaded: a stale one answers 409 `stale_version` with `current_version`; a signed note answers
        409 `note_locked`.
        """
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
        """Sign your draft: checks the required sections and the risk rationale (400 `note_incomplete`, fields
        named), locks the note and records signer, time and SHA-256. A note of an appointment signs once the
        session took place (409 `session_not_held`). Under a co-signing supervision it then awaits co-
        signature.
        """
        note = services.progress_note_sign(actor=request.membership, note=self.get_object())
        return Response(ProgressNoteOutput(self._fresh(note)).data)

    @extend_schema(
        request=CosignInput,
        responses={200: ProgressNoteOutput},
        summary="Co-sign a supervisee's note (their supervisor only), keeping the comment.",
    )
    @action(detail=True, methods=["post"])
    def cosign(self, request, pk=None):
        """Co-sign a supervisee's signed note awaiting co-signature, with an optional comment that is kept
        (their current supervisor only).
        """
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
        """Add a correction to your signed note: signed and timestamped at once, shown with the original, which
        never changes (the author only).
        """
        note = self.get_object()
        data = AddendumInput(data=request.data)
        data.is_valid(raise_exception=True)
        addendum = services.addendum_create(actor=request.membership, note=note, body=data.validated_data["body"])
        return Response(AddendumOutput(addendum).data, status=status.HTTP_201_CREATED)


class RuptureViewSet(PracticeScopedMixin, viewsets.GenericViewSet):
    """Rupture events of signed notes you may read."""

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
        """Close an open rupture without repair, giving the reason (a clinician on the client's care team). A
        rupture already settled answers 409.
        """
        rupture = self.get_object()
        data = RuptureCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        rupture = services.rupture_close(
            actor=request.membership, rupture=rupture, reason=data.validated_data["reason"]
        )
        return Response(RuptureOutput(self.get_queryset().get(pk=rupture.pk)).data)
