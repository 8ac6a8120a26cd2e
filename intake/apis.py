"""HTTP endpoints for intake: forms, packets, responses, risk flags, schedules, score series, client links."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response as HttpResponse
from rest_framework.views import APIView

from backend.api.permissions import RolePermission
from backend.api.throttling import AtomicScopedThrottle
from backend.api.views import PracticeScopedMixin
from intake import invitations, selectors
from intake.models import FormDefinition, MeasureSchedule, Packet, Response, RiskFlag
from intake.serializers import (
    AcknowledgeInput,
    DraftInput,
    FormCreateInput,
    FormDetailSerializer,
    FormEditInput,
    FormSerializer,
    FormVersionSerializer,
    LinkPacketSerializer,
    LinkResponseSerializer,
    LinkSubmitOutput,
    PacketAssignInput,
    PacketResendInput,
    PacketSerializer,
    ResponseBriefSerializer,
    ResponseForClientSerializer,
    ResponseSerializer,
    RiskFlagSerializer,
    ScheduleSerializer,
    SeriesOutput,
    SubmitOutput,
)
from intake.services import forms as form_services
from intake.services import links as link_services
from intake.services import packets as packet_services
from intake.services import responses as response_services
from intake.services import risk_flags as flag_services
from intake.services import schedules as schedule_services
from practice import roles
from practice.audit import audit_read_many, audit_record
from practice.models import AuditEvent, Client
from practice.selectors import caseload_q, client_list

STAFF = roles.STAFF_ROLES
CLINICAL = {roles.CLINICIAN, roles.SUPERVISOR}


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class FormViewSet(PracticeScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Forms and measures. Every staff role reads them (to assign); admins and clinicians write them."""

    queryset = FormDefinition.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = STAFF
    write_roles = {roles.ADMIN, roles.CLINICIAN}
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["kind", "is_active", "slug"]
    ordering = ["name"]

    def get_queryset(self):
        return selectors.form_list(actor=self.request.membership).prefetch_related("versions")

    def get_serializer_class(self):
        return FormDetailSerializer if self.action == "retrieve" else FormSerializer

    @extend_schema(
        request=FormCreateInput,
        responses={201: FormDetailSerializer},
        summary="Create a form or measure (its first version is a draft unless `publish`).",
    )
    def create(self, request, *args, **kwargs):
        data = FormCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        form = form_services.form_create(actor=request.membership, **data.validated_data)
        return HttpResponse(FormDetailSerializer(form).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=FormEditInput,
        responses={200: FormVersionSerializer},
        summary="Edit the draft; editing a published form opens a new draft version.",
    )
    def partial_update(self, request, *args, **kwargs):
        form = self.get_object()
        data = FormEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = form_services.form_edit(actor=request.membership, form=form, **data.validated_data)
        return HttpResponse(FormVersionSerializer(version).data)

    @extend_schema(
        request=None,
        responses={200: FormVersionSerializer},
        summary="Publish the draft version (it is frozen from then on).",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        version = form_services.form_publish(actor=request.membership, form=self.get_object())
        return HttpResponse(FormVersionSerializer(version).data)


@extend_schema_view(
    list=extend_schema(summary="Packets and their status (front desk: status only, never answers)."),
)
class PacketViewSet(PracticeScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Intake packets: the forms assigned to a client, and whether each is done. Every role reads those in its
    scope (a client: their own; front desk: status, never answers); front desk assigns to any client, a
    clinician to their caseload, and the client gets a signed link by email."""

    extra_error_statuses = {"resend": {429}}  # the resend interval is the service's own limit, not a throttle
    queryset = Packet.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = roles.ALL_ROLES
    write_roles = {roles.FRONT_DESK, roles.CLINICIAN}
    serializer_class = PacketSerializer
    filterset_fields = ["client", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.packet_list(actor=self.request.membership).prefetch_related(
            "responses__version__form", "responses__signatures"
        )

    @extend_schema(
        request=PacketAssignInput,
        responses={201: PacketSerializer},
        summary="Assign forms to a client; the client is emailed a signed link.",
    )
    def create(self, request, *args, **kwargs):
        # Client and forms resolve in the caller's scope: another practice's (or caseload's) is an unknown id.
        data = PacketAssignInput(data=request.data, context={"membership": request.membership})
        data.is_valid(raise_exception=True)
        packet = packet_services.packet_assign(
            actor=request.membership,
            client=data.validated_data["client"],
            forms=data.validated_data["forms"],
            due_on=data.validated_data.get("due_on"),
            send_invitation=data.validated_data["send_invitation"],
        )
        packet = self.get_queryset().get(pk=packet.pk)
        return HttpResponse(PacketSerializer(packet).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PacketResendInput,
        responses={200: PacketSerializer},
        summary="Email the client the invitation again, with the packet's current link (front desk, or a "
        "clinician for their caseload). By default the links already sent stop working first. 409 for a completed "
        "packet, a client without an email address or an invitation still on its way; 429 with "
        "`retry_after_seconds` within INTAKE_RESEND_MIN_INTERVAL of the last invitation.",
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        packet = self.get_object()
        data = PacketResendInput(data=request.data)
        data.is_valid(raise_exception=True)
        link_services.packet_invitation_resend(
            actor=request.membership, packet=packet, revoke_previous=data.validated_data["revoke_previous"]
        )
        return HttpResponse(PacketSerializer(self.get_queryset().get(pk=packet.pk)).data)

    @extend_schema(
        request=None,
        responses={200: PacketSerializer},
        summary="Revoke every link to the packet already sent (a new link nonce); old links answer 404 like an "
        "expired one. The packet stays assigned: a later invitation or nudge carries the new link.",
    )
    @action(detail=True, methods=["post"], url_path="revoke-link")
    def revoke_link(self, request, pk=None):
        packet = link_services.packet_link_revoke(actor=request.membership, packet=self.get_object())
        return HttpResponse(PacketSerializer(self.get_queryset().get(pk=packet.pk)).data)


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
    filterset_fields = ["client", "code"]
    ordering = ["-raised_at", "-id"]

    def get_queryset(self):
        qs = selectors.risk_flag_list(actor=self.request.membership)
        state = self.request.query_params.get("state")
        if state == "open":
            qs = qs.filter(acknowledged_at__isnull=True)
        elif state == "acknowledged":
            qs = qs.filter(acknowledged_at__isnull=False)
        return qs

    @extend_schema(parameters=[OpenApiParameter("state", str, enum=["open", "acknowledged"])])
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


class ScheduleViewSet(PracticeScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Repeated administrations of a measure for a client (a new packet each time one falls due)."""

    queryset = MeasureSchedule.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = STAFF
    write_roles = {roles.FRONT_DESK, roles.CLINICIAN}
    serializer_class = ScheduleSerializer
    filterset_fields = ["client", "form", "is_active"]
    ordering = ["next_due_on", "id"]

    def get_queryset(self):
        return selectors.schedule_list(actor=self.request.membership)

    @extend_schema(request=ScheduleSerializer, responses={201: ScheduleSerializer})
    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)  # client and form resolve in the caller's scope
        data.is_valid(raise_exception=True)
        schedule = schedule_services.schedule_create(
            actor=request.membership,
            client=data.validated_data["client"],
            form=data.validated_data["form"],
            interval_days=data.validated_data["interval_days"],
            first_due_on=data.validated_data["next_due_on"],
        )
        return HttpResponse(ScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ScheduleSerializer}, summary="Stop a schedule.")
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        schedule = schedule_services.schedule_end(actor=request.membership, schedule=self.get_object())
        return HttpResponse(ScheduleSerializer(schedule).data)


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


# --- the client's signed link: no account, the token is the credential ------------------------------------


def _packet_or_404(token: str) -> Packet:
    packet = invitations.packet_from_token(token)
    if packet is None:
        raise NotFound("This link is not valid or has expired. Ask the practice for a new one.")
    return packet


def _link_response_or_404(token: str, pk: int) -> Response:
    packet = _packet_or_404(token)
    return get_object_or_404(
        Response.objects.select_related("version__form", "client", "packet"), packet=packet, pk=pk, amends__isnull=True
    )


class LinkMixin:
    # A signed link's token is the credential: no account, no token, a throttle per address.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AtomicScopedThrottle]
    throttle_scope = "public_link"


class LinkPacketView(LinkMixin, APIView):
    """The packet a client's signed link opens, with its forms and their state; no account needed. A link
    that is not valid, expired or revoked is a 404.
    """

    @extend_schema(
        responses={200: LinkPacketSerializer},
        summary="The packet a signed link opens (no account needed).",
    )
    def get(self, request, token: str):
        packet = _packet_or_404(token)
        packet = (
            Packet.objects.select_related("practice").prefetch_related("responses__version__form").get(pk=packet.pk)
        )
        link_services.packet_link_read_audit(packet=packet)
        return HttpResponse(LinkPacketSerializer(packet).data)


class LinkDraftView(LinkMixin, APIView):
    """Save draft answers to one form of the packet through its signed link; no account needed. A submitted
    form is 409 `already_submitted`; an answer that is not valid is a 400 naming it (`answers.<question>`).
    """

    @extend_schema(
        request=DraftInput,
        responses={200: LinkResponseSerializer},
        summary="Save draft answers through a signed link.",
    )
    def patch(self, request, token: str, pk: int):
        response = _link_response_or_404(token, pk)
        data = DraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        response = response_services.response_save_draft(
            response=response, answers=data.validated_data["answers"], via_link=True
        )
        return HttpResponse(LinkResponseSerializer(response).data)


class LinkSubmitView(LinkMixin, APIView):
    """Submit one form of the packet through its signed link; no account needed. A 400 lists every
    unanswered or invalid question; already submitted is 409 `already_submitted`. `safety` is set when an answer
    raised a safety flag: show it to the client."""

    @extend_schema(
        request=None,
        responses={200: LinkSubmitOutput},
        summary="Submit through a signed link: 400 lists every unanswered or invalid question. `safety` is set "
        "when an answer raised a safety flag (PHQ-9 item 9 above 0): show it to the client.",
    )
    def post(self, request, token: str, pk: int):
        response = response_services.response_submit(
            response=_link_response_or_404(token, pk),
            via_link=True,
            ip_address=_client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return HttpResponse(LinkSubmitOutput(response).data)
