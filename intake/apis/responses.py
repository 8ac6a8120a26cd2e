"""A client's answers and what they score: responses (drafted and submitted), risk flags, score series."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as HttpResponse

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from intake import selectors
from intake.apis._common import CLINICAL, _client_ip
from intake.filters import RiskFlagFilter
from intake.models import Response, RiskFlag
from intake.serializers import (
    AcknowledgeInput,
    DraftInput,
    ResponseBriefSerializer,
    ResponseForClientSerializer,
    ResponseSerializer,
    RiskFlagSerializer,
    SeriesOutput,
    SubmitOutput,
)
from intake.services import responses as response_services
from intake.services import risk_flags as flag_services
from practice import roles
from practice.audit import audit_read_many, audit_record
from practice.models import AuditEvent, Client
from practice.selectors import caseload_q, client_list


class ResponseViewSet(PracticeScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Answers. Clinicians and supervisors read their caseload's (audited); a client reads and drafts their own."""

    queryset = Response.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = {roles.CLINICIAN, roles.SUPERVISOR, roles.CLIENT}
    write_roles = {roles.CLIENT}
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["client", "packet", "status"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        qs = selectors.response_list(actor=self.request.membership)
        if self.action == "retrieve":
            qs = qs.select_related("score").prefetch_related("signatures__version", "risk_flags")
        return qs

    def get_serializer_class(self):
        return ResponseBriefSerializer

    def _output(self, response):
        own = response.client.portal_membership_id == self.request.membership.pk
        return (ResponseForClientSerializer if own else ResponseSerializer)(response).data

    @extend_schema(
        responses={200: ResponseSerializer},
        summary="One response with its definition, answers, signatures (and, for clinicians, score).",
    )
    def retrieve(self, request, *args, **kwargs):
        response = self.get_object()
        audit_record(actor=request.membership, action=AuditEvent.Action.READ, obj=response)
        return HttpResponse(self._output(response))

    @extend_schema(
        request=DraftInput,
        responses={200: ResponseForClientSerializer},
        summary="Save draft answers (client, own, until submitted). Each answer is checked for its type.",
    )
    def partial_update(self, request, *args, **kwargs):
        response = self.get_object()
        data = DraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        response = response_services.response_save_draft(
            response=response, answers=data.validated_data["answers"], actor=request.membership
        )
        return HttpResponse(ResponseForClientSerializer(response).data)

    @extend_schema(
        request=None,
        responses={200: SubmitOutput},
        summary="Submit: 400 lists every unanswered or invalid question; then read-only. `safety` is set when "
        "an answer raised a safety flag (PHQ-9 item 9 above 0): show it to the client.",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        response = response_services.response_submit(
            response=self.get_object(),
            actor=request.membership,
            ip_address=_client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return HttpResponse(SubmitOutput(response).data)

    @extend_schema(
        request=None,
        responses={201: ResponseForClientSerializer},
        summary="Correct a submitted response: a new draft linked to it (the original stays).",
    )
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        amended = response_services.response_amend(actor=request.membership, response=self.get_object())
        return HttpResponse(ResponseForClientSerializer(amended).data, status=status.HTTP_201_CREATED)


class RiskFlagViewSet(PracticeScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Risk flags of the caller's caseload, open first. Never shown to front desk, admins or clients."""

    queryset = RiskFlag.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = CLINICAL
    write_roles = {roles.CLINICIAN}
    serializer_class = RiskFlagSerializer
    filterset_class = RiskFlagFilter
    ordering = ["-raised_at", "-id"]

    def get_queryset(self):
        return selectors.risk_flag_list(actor=self.request.membership)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_read_many(actor=request.membership, objects=page)
        return self.get_paginated_response(RiskFlagSerializer(page, many=True).data)

    @extend_schema(
        request=AcknowledgeInput,
        responses={200: RiskFlagSerializer},
        summary="Acknowledge a flag with a note of what was done (clinician).",
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        data = AcknowledgeInput(data=request.data)
        data.is_valid(raise_exception=True)
        flag = flag_services.risk_flag_acknowledge(
            actor=request.membership, flag=self.get_object(), note=data.validated_data["note"]
        )
        return HttpResponse(RiskFlagSerializer(flag).data)


class ClientSeriesViewSet(PracticeScopedMixin, viewsets.GenericViewSet):
    """Score series per measure for one client of the caller's caseload, shaped for a chart."""

    queryset = Client.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = CLINICAL
    write_roles: set[str] = set()
    serializer_class = SeriesOutput

    def get_queryset(self):
        clinical = caseload_q(self.request.membership)
        if clinical is None:
            return Client.objects.none()
        return client_list(actor=self.request.membership).filter(clinical)

    @extend_schema(
        parameters=[OpenApiParameter("form", str, description="slug of one measure")],
        responses={200: SeriesOutput},
        summary="Measure scores over time (oldest first), with ranges and bands for the chart: each point "
        "carries those of the form version it was scored with; the measure's are its latest published version's.",
    )
    @action(detail=True, methods=["get"])
    def series(self, request, pk=None):
        series = selectors.client_measure_series(
            actor=request.membership, client=self.get_object(), form_slug=request.query_params.get("form") or None
        )
        audit_read_many(actor=request.membership, objects=series.scores)
        return HttpResponse(SeriesOutput(series).data)
