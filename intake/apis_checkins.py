"""Session check-ins: that one was sent and answered (every staff role within its scope, the client their own),
and, on one check-in, the answers for those who may read them (the client's clinicians and their supervisors,
audited; the client their own, without a score)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from intake import checkin_selectors as selectors
from intake.models import SessionCheckIn
from practice import roles


class CheckinAnswersOutput(serializers.Serializer):
    alliance_total = serializers.FloatField(
        allow_null=True, required=False, help_text="Clinicians and supervisors only (a client sees no score)."
    )
    felt_strain = serializers.CharField(allow_null=True)
    talked_through = serializers.CharField(allow_null=True)
    for_next_time = serializers.CharField(allow_blank=True)


class CheckinOutput(serializers.Serializer):
    id = serializers.IntegerField()
    client = serializers.IntegerField()
    appointment = serializers.IntegerField()
    session_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(choices=SessionCheckIn.State.choices)
    response = serializers.IntegerField(help_text="The client answers through /api/v1/intake/responses/{id}/.")
    packet = serializers.IntegerField()


class CheckinDetailOutput(CheckinOutput):
    answers = CheckinAnswersOutput(
        required=False, help_text="Only for the client's clinicians, their supervisors and the client (own)."
    )


class _OwnAnswersOutput(CheckinAnswersOutput):
    alliance_total = None  # the client's own answers come without a score (ACCESS.md)


class _OwnCheckinOutput(CheckinDetailOutput):
    answers = _OwnAnswersOutput(required=False)


class SessionCheckinViewSet(PracticeScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Session check-ins: the short questionnaire a client gets after a completed session, and whether it was
    answered. Every role reads those in its scope, without answers; the answers only the
    client's clinicians and supervisors (audited) and the client themselves (no score)."""

    queryset = SessionCheckIn.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = roles.ALL_ROLES
    write_roles: set[str] = set()
    serializer_class = CheckinOutput
    lookup_value_regex = r"\d+"
    filterset_fields = ["client", "appointment"]
    ordering = ["-session_at", "-id"]

    def get_queryset(self):
        return selectors.checkin_list(actor=self.request.membership)

    @extend_schema(summary="Session check-ins sent after completed sessions: sent, answered or expired (no answers).")
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = [selectors.checkin_row(c, with_answers=False) for c in page]
        return self.get_paginated_response(CheckinOutput(rows, many=True).data)

    @extend_schema(
        responses={200: CheckinDetailOutput},
        summary="One session check-in; with its answers for the client's clinicians and supervisors (audited) and "
        "for the client (own, no score).",
    )
    def retrieve(self, request, pk=None):
        row = selectors.checkin_read(actor=request.membership, pk=pk)
        own = "answers" in row and "alliance_total" not in row["answers"]
        return Response((_OwnCheckinOutput if own else CheckinDetailOutput)(row).data)
