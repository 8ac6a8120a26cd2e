"""Reminder delivery status (front desk, admin, clinicians for their own clients), resend, and the reminder
policy. The public signed confirm/cancel links are scheduling's (scheduling/apis/links.py)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from practice import roles
from reminders import selectors
from reminders.filters import OutboundMessageFilter
from reminders.models import OutboundMessage
from reminders.serializers import OutboundMessageSerializer, ReminderPolicySerializer
from reminders.services.frontdesk import outbound_message_resend
from reminders.services.policy import reminder_policy_for, reminder_policy_update


class OutboundMessageViewSet(PracticeScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Reminders and notices sent about appointments, and their delivery: pending, sent, failed or skipped, with
    the reason. Admins and front desk read all, a clinician those of their own clients; front desk resends."""

    queryset = OutboundMessage.objects.none()  # schema only: get_queryset() scopes every request
    serializer_class = OutboundMessageSerializer
    permission_classes = [RolePermission]
    read_roles = {roles.ADMIN, roles.FRONT_DESK, roles.CLINICIAN}
    write_roles = {roles.FRONT_DESK}
    filterset_class = OutboundMessageFilter
    ordering_fields = ["due_at", "created_at"]
    ordering = ["due_at", "id"]

    def get_queryset(self):
        return selectors.outbound_message_list(actor=self.request.membership)

    @extend_schema(
        request=None,
        responses={200: OutboundMessageSerializer},
        summary="Queue a failed message again (front desk).",
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """Queue a failed message again. Front desk only (403); a message that has not failed is 409."""
        message = outbound_message_resend(actor=request.membership, message=self.get_object())
        return Response(OutboundMessageSerializer(message).data)


class ReminderPolicyView(PracticeScopedMixin, APIView):
    """Which reminders go out before a session (when, by which channel) and which notices on changes. Every
    staff role reads it; admins change it, for appointments changed from then on."""

    permission_classes = [RolePermission]
    read_roles = roles.STAFF_ROLES
    write_roles = {roles.ADMIN}

    @extend_schema(responses={200: ReminderPolicySerializer}, summary="The practice's reminder policy.")
    def get(self, request):
        policy = reminder_policy_for(practice=request.membership.practice)
        return Response(ReminderPolicySerializer(policy).data)

    @extend_schema(
        request=ReminderPolicySerializer,
        responses={200: ReminderPolicySerializer},
        summary="Change the reminder policy (admin). Applies to appointments changed from now on.",
    )
    def patch(self, request):
        data = ReminderPolicySerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        policy = reminder_policy_update(actor=request.membership, **data.validated_data)
        return Response(ReminderPolicySerializer(policy).data)
