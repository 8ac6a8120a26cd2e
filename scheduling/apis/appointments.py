"""Appointment endpoints: book, request, reschedule, change place, cancel, lifecycle, history."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api.filters import refuse_nul_in_query
from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from practice import roles
from scheduling import idempotency, selectors
from scheduling.apis._common import EVERYONE, TZ_PARAM, _is_client_only, _response_tz
from scheduling.filters import AppointmentFilter
from scheduling.models import Appointment
from scheduling.serializers.appointments import (
    AppointmentBookInput,
    AppointmentChangeForClientSerializer,
    AppointmentChangeSerializer,
    AppointmentForClientSerializer,
    AppointmentRequestInput,
    AppointmentSerializer,
    CancelInput,
    PlaceChangeInput,
    RescheduleInput,
    TransitionInput,
    appointment_reply,
)
from scheduling.serializers.resources import WaitlistEntrySerializer
from scheduling.services import appointment_changes, appointment_rules, booking


@extend_schema_view(
    list=extend_schema(
        parameters=[TZ_PARAM],  # the filters come from AppointmentFilter
        responses=AppointmentSerializer(many=True),
        description="Front desk and admin: all; clinician: own; supervisor: + supervisees'; "
        "client: own (narrower shape).",
    ),
    retrieve=extend_schema(parameters=[TZ_PARAM], responses=AppointmentSerializer),
    create=extend_schema(
        request=AppointmentBookInput,
        parameters=[idempotency.HEADER_PARAMETER],
        responses={201: AppointmentSerializer, **idempotency.RESPONSES},
        summary="Book (front desk: any clinician; clinician: own schedule).",
        description="Send an `Idempotency-Key` to retry safely after a timeout or a 503: see docs/api.md.",
    ),
    partial_update=extend_schema(
        request=PlaceChangeInput,
        responses={200: AppointmentSerializer},
        summary="Change the place (mode, room, video link) without moving the time; clients are told.",
        description="Front desk: any appointment; clinician: their own. Only mode, room and video_link "
        "(any other field: 400 naming it; the time moves through reschedule). Requested, scheduled or "
        "confirmed appointments that have not started (else 409 invalid_transition / appointment_started). "
        "A telehealth session needs its video link; a taken room is 409 room_taken.",
    ),
    destroy=extend_schema(responses={204: None}, summary="Delete an appointment entered in error."),
)
class AppointmentViewSet(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Appointments: front desk books and changes any clinician's, a clinician their own; admins and supervisors
    read; a client reads, requests and (as the practice allows) cancels their own. Conflicts are 409:
    `slot_taken` (with `error.resource`, `error.taken_from`, `error.taken_until`), `invalid_transition` (with
    `error.current_status`)."""

    queryset = Appointment.objects.none()
    permission_classes = [RolePermission]
    read_roles = EVERYONE
    # Services decide per object and per action (a client may cancel but not reschedule, ...).
    write_roles = {roles.FRONT_DESK, roles.CLINICIAN, roles.CLIENT}
    action_roles = {"waitlist_matches": {roles.ADMIN, roles.FRONT_DESK}}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering = ["starts_at", "id"]
    filterset_class = AppointmentFilter

    def get_queryset(self):
        return selectors.appointment_list(actor=self.request.membership)

    def filter_queryset(self, queryset):
        # The filters narrow the list only: an appointment named by its id is found in the caller's scope whatever
        # the query string says (as before: `?status=` on a retrieve or an action is not a 404).
        if self.action != "list":
            refuse_nul_in_query(self.request)
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        membership = getattr(self.request, "membership", None)
        if membership is not None and _is_client_only(membership):
            return AppointmentForClientSerializer
        return AppointmentSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self.request, "membership", None) is not None:
            context["tz"] = _response_tz(self.request)
        return context

    def _out(self, appointment, code=200):
        appointment = (
            selectors.appointment_list(actor=self.request.membership).filter(pk=appointment.pk).first() or appointment
        )
        return Response(self.get_serializer(appointment).data, status=code)

    def create(self, request, *args, **kwargs):
        if idempotency.HEADER not in request.headers:
            # No key to keep: the booking's own transaction is the whole write, and its reply is built from the
            # objects in hand, so nothing is read after the commit (which therefore cannot fail a made booking).
            return self._book()
        return idempotency.reply_once(
            request,
            self._book,
            still_in_scope=lambda body: (
                selectors.appointment_list(actor=request.membership).filter(pk=body.get("id")).exists()
            ),
        )

    def _book(self) -> Response:
        data = AppointmentBookInput(data=self.request.data, context={"membership": self.request.membership})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        appointment = booking.appointment_book(actor=self.request.membership, **v)
        # Not read back: the clinician (with membership and user), clients, type and room (with its location)
        # came scoped from the door and the appointment is the one just written. Only staff book (a client's
        # `appointment_book` is refused by require_schedule_writer), so the reply is AppointmentSerializer's.
        if self.get_serializer_class() is not AppointmentSerializer:
            return Response(self.get_serializer(appointment).data, status=status.HTTP_201_CREATED)
        reply = appointment_reply(appointment, tz=_response_tz(self.request))
        return Response(reply, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AppointmentRequestInput,
        responses={201: AppointmentForClientSerializer},
        summary="A client requests a self-bookable appointment (status 'requested').",
    )
    @action(detail=False, methods=["post"], url_path="request")
    def request_appointment(self, request):
        """A client asks for a time of a type they may request themselves (status `requested`); staff then
        accept or decline it. Clients only (403 otherwise); a time no longer free is 409 `clinician_taken`."""

        data = AppointmentRequestInput(data=request.data, context={"membership": request.membership})
        data.is_valid(raise_exception=True)
        appointment = booking.appointment_request(actor=request.membership, **data.validated_data)
        return self._out(appointment, status.HTTP_201_CREATED)

    @extend_schema(
        request=RescheduleInput,
        responses={200: AppointmentSerializer},
        summary="Move to a new start; the old time is kept in the history.",
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        """Move the appointment to a new start (and optionally room) and tell its clients. Front desk: any;
        clinician: their own; a client: 403. A taken time is 409 `slot_taken`; a finished one 409
        `invalid_transition`."""

        appointment = self.get_object()
        # Who may move it is decided before the body: a client naming a room gets 403, not a 400 about the room.
        appointment_rules.require_appointment_writer(request.membership, appointment)
        data = RescheduleInput(data=request.data, context={"membership": request.membership})
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        if "room" not in request.data:
            v["room"] = appointment_rules.UNCHANGED
        appointment = appointment_changes.appointment_reschedule(actor=request.membership, appointment=appointment, **v)
        return self._out(appointment)

    def partial_update(self, request, *args, **kwargs):
        appointment = self.get_object()
        appointment_rules.require_appointment_writer(request.membership, appointment)  # before the body, as above
        data = PlaceChangeInput(data=request.data, context={"membership": request.membership})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        appointment = appointment_changes.appointment_change_place(
            actor=request.membership,
            appointment=appointment,
            mode=v.get("mode"),
            room=v.get("room", appointment_rules.UNCHANGED),
            video_link=v.get("video_link"),
        )
        return self._out(appointment)

    @extend_schema(
        request=CancelInput,
        responses={200: AppointmentSerializer},
        summary="Cancel. By the client inside the practice's window: late_cancelled.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel with a reason. Staff who may write the appointment, or its client before the practice's
        cut-off (inside the late-cancellation window it becomes `late_cancelled`); a status that cannot be
        cancelled is 409 `invalid_transition`."""

        appointment = self.get_object()
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = appointment_changes.appointment_cancel(
            actor=request.membership, appointment=appointment, **data.validated_data
        )
        return self._out(appointment)

    @extend_schema(
        request=TransitionInput,
        responses={200: AppointmentSerializer},
        summary="Move along the lifecycle (confirm, check in, complete, no-show, accept/decline a "
        "request). Invalid: 409 with current_status.",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move along the lifecycle: confirm, check in, complete, no-show, accept or decline a request.
        Staff who may write the appointment; a step the current status does not allow is 409
        `invalid_transition` with `error.current_status`."""

        appointment = self.get_object()
        data = TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = appointment_changes.appointment_transition(
            actor=request.membership,
            appointment=appointment,
            to_status=data.validated_data["status"],
            reason=data.validated_data["reason"],
        )
        return self._out(appointment)

    @extend_schema(responses=AppointmentChangeSerializer(many=True), summary="Reschedules and status changes.")
    @action(detail=True, methods=["get"], pagination_class=None)  # a plain list, as the schema then says
    def history(self, request, pk=None):
        """Every reschedule and status change of the appointment, as a plain list. Anyone who may read the
        appointment; a client sees the times and statuses only."""

        appointment = self.get_object()
        changes = selectors.appointment_change_list(appointment=appointment)
        serializer = (
            AppointmentChangeForClientSerializer if _is_client_only(request.membership) else AppointmentChangeSerializer
        )
        return Response(serializer(changes, many=True).data)

    @extend_schema(
        responses=WaitlistEntrySerializer(many=True),
        summary="Waitlist entries this (cancelled) appointment's time would suit, oldest first.",
    )
    @action(detail=True, methods=["get"], url_path="waitlist-matches", pagination_class=None)
    def waitlist_matches(self, request, pk=None):
        """Waitlist entries this appointment's time would suit, oldest first: whom to offer a cancelled slot.
        Front desk and admin."""

        appointment = self.get_object()
        entries = selectors.waitlist_matches(
            entries=selectors.waitlist_list(actor=request.membership), opening=appointment
        )
        return Response(WaitlistEntrySerializer(entries, many=True).data)

    def destroy(self, request, *args, **kwargs):
        """Delete an appointment entered in error (it never happened). Front desk only (others cancel
        instead: 403). Checked in, completed or no-show: 409 `invalid_transition`; a signed note or other records
        refer to it: 409 `appointment_referenced`."""

        appointment_changes.appointment_delete(actor=request.membership, appointment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
