"""HTTP endpoints for psychotherapy (process) notes, 45 CFR 164.501: their author alone reads and writes them.

Every other caller, supervisors and administrators included, gets 404 for any of them (ACCESS.md).
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from notes import selectors, services
from notes.apis import CLINICAL
from notes.models import PsychotherapyNote
from notes.serializers import (
    PsychotherapyNoteCreateInput,
    PsychotherapyNoteListOutput,
    PsychotherapyNoteOutput,
    PsychotherapyNoteUpdateInput,
)
from practice.audit import audit_read_many, audit_record
from practice.models import AuditEvent

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
        """Your own psychotherapy notes about clients you still serve, without their body. Nobody else's, ever."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_read_many(actor=request.membership, objects=page)
        return self.get_paginated_response(PsychotherapyNoteListOutput(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        """One of your psychotherapy notes with its body; anyone else, a supervisor included, gets 404. The
        read is recorded in the audit trail.
        """
        note = self.get_object()
        audit_record(actor=request.membership, action=AuditEvent.Action.READ, obj=note)
        return Response(PsychotherapyNoteOutput(note).data)

    def create(self, request, *args, **kwargs):
        """Write a psychotherapy note about a client on your care team, optionally tied to one of your
        appointments.
        """
        data = PsychotherapyNoteCreateInput(data=request.data, context={"membership": request.membership})
        data.is_valid(raise_exception=True)
        note = services.psychotherapy_note_create(
            actor=request.membership,
            client=data.validated_data["client"],
            appointment=data.validated_data.get("appointment"),
            body=data.validated_data["body"],
        )
        return Response(PsychotherapyNoteOutput(note).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        """Rewrite the body of one of your psychotherapy notes."""
        note = self.get_object()
        data = PsychotherapyNoteUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.psychotherapy_note_update(actor=request.membership, note=note, body=data.validated_data["body"])
        return Response(PsychotherapyNoteOutput(note).data)

    def destroy(self, request, *args, **kwargs):
        """Delete one of your psychotherapy notes (the author only)."""
        services.psychotherapy_note_delete(actor=request.membership, note=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
