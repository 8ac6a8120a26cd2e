"""Assigning forms to a client: packets (with their signed link by email) and the measure schedules that
assign a measure again each time it falls due."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as HttpResponse

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from intake import selectors
from intake.apis._common import STAFF
from intake.models import MeasureSchedule, Packet
from intake.serializers import (
    PacketAssignInput,
    PacketResendInput,
    PacketSerializer,
    ScheduleSerializer,
)
from intake.services import links as link_services
from intake.services import packets as packet_services
from intake.services import schedules as schedule_services
from practice import roles


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
