"""HTTP endpoints for the schedule. Thin: validate, call a service or selector, render."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.exceptions import DomainError
from backend.api.permissions import RolePermission
from backend.api.scope import in_scope_or_400
from backend.api.throttling import AtomicScopedThrottle
from backend.api.views import PracticeScopedMixin
from practice import roles
from scheduling import ical, idempotency, selectors
from scheduling.models import (
    Appointment,
    AppointmentSeries,
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    Location,
    Mode,
    Room,
    SeriesSkippedOccurrence,
    WaitlistEntry,
)
from scheduling.serializers import (
    AppointmentBookInput,
    AppointmentChangeForClientSerializer,
    AppointmentChangeSerializer,
    AppointmentForClientSerializer,
    AppointmentRequestInput,
    AppointmentSerializer,
    AppointmentTypeSerializer,
    AvailabilityExceptionSerializer,
    AvailabilityRuleSerializer,
    CalendarFeedSerializer,
    CancelInput,
    LocationSerializer,
    PlaceChangeInput,
    RescheduleInput,
    RoomSerializer,
    SeriesCreateInput,
    SeriesEditInput,
    SeriesResultSerializer,
    SeriesSerializer,
    SkippedOccurrenceBookInput,
    SkippedOccurrenceSerializer,
    SlotQuery,
    SlotSerializer,
    TransitionInput,
    WaitlistEntrySerializer,
)
from scheduling.services import appointments as appt_services
from scheduling.services import availability as avail_services
from scheduling.services import resources, series_skipped
from scheduling.services import series as series_services
from scheduling.services import waitlist as waitlist_services

EVERYONE = roles.ALL_ROLES
STAFF = roles.STAFF_ROLES
SCHEDULERS = {roles.FRONT_DESK, roles.CLINICIAN}
TZ_PARAM = OpenApiParameter(
    "tz",
    OpenApiTypes.STR,
    description="IANA zone for local times in the response (default: a client's own zone, else the practice's).",
)
ERRORS = {
    400: OpenApiResponse(description="Invalid input: `error.fields` names each field."),
    403: OpenApiResponse(description="Your role may not do this."),
    404: OpenApiResponse(description="Not found (or not yours to see)."),
    409: OpenApiResponse(
        description="Conflict: slot taken (`error.resource`, `error.taken_from`, "
        "`error.taken_until`) or invalid transition (`error.current_status`)."
    ),
}


def _is_client_only(membership) -> bool:
    return membership.has_role(roles.CLIENT) and not membership.is_staff_member


def _response_tz(request) -> str:
    tz = request.query_params.get("tz")
    if tz:
        try:
            ZoneInfo(tz)
        except Exception as exc:
            raise DomainError("Unknown time zone.", fields={"tz": ["Not an IANA zone name."]}) from exc
        return tz
    membership = request.membership
    if _is_client_only(membership):
        record = getattr(membership, "client_record", None)
        if record is not None:
            return record.time_zone
    return membership.practice.time_zone


def _references_in_scope(actor, data: dict) -> None:
    """The clinician, type and room a booking names must be of the caller's practice; one of another
    practice answers exactly like an id that does not exist."""
    from practice.selectors import clinician_list

    if data.get("clinician") is not None:
        in_scope_or_400(clinician_list(actor=actor), data["clinician"], "clinician")
    if data.get("appointment_type") is not None:
        in_scope_or_400(selectors.appointment_type_list(actor=actor), data["appointment_type"], "appointment_type")
    if data.get("room") is not None:
        in_scope_or_400(selectors.room_list(actor=actor), data["room"], "room")


# --- set-up: locations, rooms, appointment types -----------------------------------------------------


class _AdminManaged(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [RolePermission]
    read_roles = EVERYONE
    write_roles = {roles.ADMIN}
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering = ["name", "id"]
    save_service = None
    instance_kwarg = ""

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = type(self).save_service(actor=request.membership, **data.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = self.get_serializer(obj, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        obj = type(self).save_service(actor=request.membership, **{self.instance_kwarg: obj}, **data.validated_data)
        return Response(self.get_serializer(obj).data)


class LocationViewSet(_AdminManaged):
    """Practice locations. Admins keep them; everyone reads (clients: active ones)."""

    queryset = Location.objects.none()
    serializer_class = LocationSerializer
    save_service = staticmethod(resources.location_save)
    instance_kwarg = "location"

    def get_queryset(self):
        return selectors.location_list(actor=self.request.membership)


class RoomViewSet(_AdminManaged):
    """Rooms (in a location), shared between clinicians. Staff read; admins keep them."""

    queryset = Room.objects.none()
    serializer_class = RoomSerializer
    read_roles = STAFF
    save_service = staticmethod(resources.room_save)
    instance_kwarg = "room"

    def get_queryset(self):
        return selectors.room_list(actor=self.request.membership)


class AppointmentTypeViewSet(_AdminManaged):
    """Appointment types. Clients see only the ones they may request themselves."""

    queryset = AppointmentType.objects.none()
    serializer_class = AppointmentTypeSerializer
    save_service = staticmethod(resources.appointment_type_save)
    instance_kwarg = "appointment_type"

    def get_queryset(self):
        return selectors.appointment_type_list(actor=self.request.membership)


# --- availability ------------------------------------------------------------------------------------


class _AvailabilityViewSet(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [RolePermission]
    read_roles = STAFF
    write_roles = SCHEDULERS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["clinician"]
    save = delete = None
    instance_kwarg = ""

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = type(self).save(actor=request.membership, **data.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = self.get_serializer(obj, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        obj = type(self).save(actor=request.membership, **{self.instance_kwarg: obj}, **data.validated_data)
        return Response(self.get_serializer(obj).data)

    def destroy(self, request, *args, **kwargs):
        type(self).delete(actor=request.membership, **{self.instance_kwarg: self.get_object()})
        return Response(status=status.HTTP_204_NO_CONTENT)


class AvailabilityRuleViewSet(_AvailabilityViewSet):
    """Weekly working hours in the clinician's own zone. Front desk: anyone's; clinicians: their own."""

    queryset = AvailabilityRule.objects.none()
    serializer_class = AvailabilityRuleSerializer
    save = staticmethod(avail_services.availability_rule_save)
    delete = staticmethod(avail_services.availability_rule_delete)
    instance_kwarg = "rule"
    ordering = ["clinician", "weekday", "start_time"]

    def get_queryset(self):
        return selectors.availability_rule_list(actor=self.request.membership)


class AvailabilityExceptionViewSet(_AvailabilityViewSet):
    """Extra hours, time off and blocked time (instants)."""

    queryset = AvailabilityException.objects.none()
    serializer_class = AvailabilityExceptionSerializer
    save = staticmethod(avail_services.availability_exception_save)
    delete = staticmethod(avail_services.availability_exception_delete)
    instance_kwarg = "exception"
    ordering = ["starts_at"]

    def get_queryset(self):
        return selectors.availability_exception_list(actor=self.request.membership)


# --- appointments ------------------------------------------------------------------------------------

APPT_FILTERS = [
    OpenApiParameter("starts_after", OpenApiTypes.DATETIME),
    OpenApiParameter("starts_before", OpenApiTypes.DATETIME),
    OpenApiParameter("clinician", OpenApiTypes.INT),
    OpenApiParameter("client", OpenApiTypes.INT),
    OpenApiParameter("status", OpenApiTypes.STR),
    TZ_PARAM,
]


@extend_schema_view(
    list=extend_schema(
        parameters=APPT_FILTERS,
        responses=AppointmentSerializer(many=True),
        description="Front desk and admin: all; clinician: own; supervisor: + supervisees'; "
        "client: own (narrower shape).",
    ),
    retrieve=extend_schema(parameters=[TZ_PARAM], responses=AppointmentSerializer),
    create=extend_schema(
        request=AppointmentBookInput,
        parameters=[idempotency.HEADER_PARAMETER],
        responses={201: AppointmentSerializer, **ERRORS, **idempotency.RESPONSES},
        summary="Book (front desk: any clinician; clinician: own schedule).",
        description="Send an `Idempotency-Key` to retry safely after a timeout or a 503: see docs/api.md.",
    ),
    partial_update=extend_schema(
        request=PlaceChangeInput,
        responses={200: AppointmentSerializer, **ERRORS},
        summary="Change the place (mode, room, video link) without moving the time; clients are told.",
        description="Front desk: any appointment; clinician: their own. Only mode, room and video_link "
        "(any other field: 400 naming it; the time moves through reschedule). Requested, scheduled or "
        "confirmed appointments that have not started (else 409 invalid_transition / appointment_started). "
        "A telehealth session needs its video link; a taken room is 409 room_taken.",
    ),
    destroy=extend_schema(responses={204: None, **ERRORS}, summary="Delete an appointment entered in error."),
)
class AppointmentViewSet(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Appointment.objects.none()
    permission_classes = [RolePermission]
    read_roles = EVERYONE
    # Services decide per object and per action (a client may cancel but not reschedule, ...).
    write_roles = {roles.FRONT_DESK, roles.CLINICIAN, roles.CLIENT}
    action_roles = {"waitlist_matches": {roles.ADMIN, roles.FRONT_DESK}}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering = ["starts_at", "id"]

    def get_queryset(self):
        qs = selectors.appointment_list(actor=self.request.membership)
        if self.action != "list":
            return qs
        params = self.request.query_params
        filters = {
            "starts_at__gte": params.get("starts_after"),
            "starts_at__lt": params.get("starts_before"),
            "clinician_id": params.get("clinician"),
            "status": params.get("status"),
            "participants__client_id": params.get("client"),
        }
        try:
            return qs.filter(**{k: v for k, v in filters.items() if v})
        except Exception as exc:  # a malformed date or id in the query string
            raise DomainError("Bad filter.", fields={"query": [str(exc)[:200]]}) from exc

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
        return idempotency.reply_once(request, self._book)

    def _book(self) -> Response:
        data = AppointmentBookInput(data=self.request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        _references_in_scope(self.request.membership, v)
        appointment = appt_services.appointment_book(actor=self.request.membership, **v)
        return self._out(appointment, status.HTTP_201_CREATED)

    @extend_schema(
        request=AppointmentRequestInput,
        responses={201: AppointmentForClientSerializer, **ERRORS},
        summary="A client requests a self-bookable appointment (status 'requested').",
    )
    @action(detail=False, methods=["post"], url_path="request")
    def request_appointment(self, request):
        data = AppointmentRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = appt_services.appointment_request(actor=request.membership, **data.validated_data)
        return self._out(appointment, status.HTTP_201_CREATED)

    @extend_schema(
        request=RescheduleInput,
        responses={200: AppointmentSerializer, **ERRORS},
        summary="Move to a new start; the old time is kept in the history.",
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        appointment = self.get_object()
        data = RescheduleInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        if "room" not in request.data:
            v["room"] = "unchanged"
        appointment = appt_services.appointment_reschedule(actor=request.membership, appointment=appointment, **v)
        return self._out(appointment)

    def partial_update(self, request, *args, **kwargs):
        appointment = self.get_object()
        data = PlaceChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        appointment = appt_services.appointment_change_place(
            actor=request.membership,
            appointment=appointment,
            mode=v.get("mode"),
            room=v.get("room", appt_services.UNCHANGED),
            video_link=v.get("video_link"),
        )
        return self._out(appointment)

    @extend_schema(
        request=CancelInput,
        responses={200: AppointmentSerializer, **ERRORS},
        summary="Cancel. By the client inside the practice's window: late_cancelled.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        appointment = self.get_object()
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = appt_services.appointment_cancel(
            actor=request.membership, appointment=appointment, **data.validated_data
        )
        return self._out(appointment)

    @extend_schema(
        request=TransitionInput,
        responses={200: AppointmentSerializer, **ERRORS},
        summary="Move along the lifecycle (confirm, check in, complete, no-show, accept/decline a "
        "request). Invalid: 409 with current_status.",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        appointment = self.get_object()
        data = TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = appt_services.appointment_transition(
            actor=request.membership,
            appointment=appointment,
            to_status=data.validated_data["status"],
            reason=data.validated_data["reason"],
        )
        return self._out(appointment)

    @extend_schema(responses=AppointmentChangeSerializer(many=True), summary="Reschedules and status changes.")
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
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
    @action(detail=True, methods=["get"], url_path="waitlist-matches")
    def waitlist_matches(self, request, pk=None):
        appointment = self.get_object()
        entries = selectors.waitlist_matches(
            entries=selectors.waitlist_list(actor=request.membership), opening=appointment
        )
        return Response(WaitlistEntrySerializer(entries, many=True).data)

    def destroy(self, request, *args, **kwargs):
        appt_services.appointment_delete(actor=request.membership, appointment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- series ------------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=SeriesCreateInput,
        parameters=[idempotency.HEADER_PARAMETER],
        responses={201: SeriesResultSerializer, **ERRORS, **idempotency.RESPONSES},
        summary="Create a series; each occurrence is reported (booked / conflict). "
        "all_or_nothing: any conflict -> 409 with error.occurrences, nothing booked.",
        description="Send an `Idempotency-Key` to retry safely after a timeout or a 503: see docs/api.md.",
    ),
)
class SeriesViewSet(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = AppointmentSeries.objects.none()
    permission_classes = [RolePermission]
    read_roles = STAFF
    write_roles = SCHEDULERS
    serializer_class = SeriesSerializer
    http_method_names = ["get", "post", "head", "options"]
    ordering = ["-created_at", "id"]

    def get_queryset(self):
        return selectors.series_list(actor=self.request.membership)

    def create(self, request, *args, **kwargs):
        return idempotency.reply_once(request, self._create)

    def _create(self) -> Response:
        data = SeriesCreateInput(data=self.request.data)
        data.is_valid(raise_exception=True)
        _references_in_scope(self.request.membership, data.validated_data)
        series, report = series_services.series_create(actor=self.request.membership, **data.validated_data)
        body = SeriesResultSerializer({"series": series, "occurrences": report}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SeriesEditInput,
        responses={200: SeriesResultSerializer, **ERRORS},
        summary="Edit this occurrence only, or this and all following (a new series from here).",
    )
    @action(detail=True, methods=["post"])
    def edit(self, request, pk=None):
        series = self.get_object()
        data = SeriesEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        v["appointment"] = get_object_or_404(
            selectors.appointment_list(actor=request.membership), pk=v["appointment"].pk
        )
        result, report = series_services.series_edit(actor=request.membership, series=series, **v)
        return Response(SeriesResultSerializer({"series": result, "occurrences": report}).data)

    @extend_schema(
        request=None,
        responses={200: SeriesSerializer, **ERRORS},
        summary="Cancel the series and all its future occurrences.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        series = self.get_object()
        series_services.series_cancel(actor=request.membership, series=series)
        series.refresh_from_db()
        return Response(SeriesSerializer(series).data)


# --- occurrences a series skipped -------------------------------------------------------------------

SKIPPED_STATES = {
    "open": {"resolved_at__isnull": True},
    "resolved": {"resolved_at__isnull": False},
    "all": {},
}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("series", OpenApiTypes.INT, description="Only this series' occurrences."),
            OpenApiParameter("clinician", OpenApiTypes.INT, description="Only series of this clinician."),
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                enum=list(SKIPPED_STATES),
                description="open (default): not yet booked or dismissed; resolved; all.",
            ),
        ],
        responses={200: SkippedOccurrenceSerializer(many=True), **ERRORS},
        summary="Occurrences a series did not book because they conflicted (the rolling extension, "
        "or book_available), by date.",
        description="Front desk and admin: every series; clinician: own; supervisor: + supervisees'. "
        "Each says what conflicted (`conflict_code`, `resource`), never whose appointment holds the time.",
    ),
    retrieve=extend_schema(responses={200: SkippedOccurrenceSerializer, **ERRORS}),
)
class SeriesSkippedOccurrenceViewSet(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = SeriesSkippedOccurrence.objects.none()
    permission_classes = [RolePermission]
    read_roles = STAFF
    write_roles = SCHEDULERS
    serializer_class = SkippedOccurrenceSerializer
    http_method_names = ["get", "post", "head", "options"]
    ordering = ["series_date", "id"]

    def get_queryset(self):
        qs = selectors.skipped_occurrence_list(actor=self.request.membership)
        if self.action != "list":
            return qs
        params = self.request.query_params
        state = params.get("state") or "open"
        if state not in SKIPPED_STATES:
            raise DomainError("Bad filter.", fields={"state": [f"One of {', '.join(SKIPPED_STATES)}."]})
        filters = {}
        for param, lookup in (("series", "series_id"), ("clinician", "series__clinician_id")):
            value = params.get(param)
            if value and not value.isdigit():
                raise DomainError("Bad filter.", fields={param: ["A whole number (an id)."]})
            if value:
                filters[lookup] = int(value)
        return qs.filter(**SKIPPED_STATES[state], **filters)

    @extend_schema(
        request=None,
        responses={200: SkippedOccurrenceSerializer, **ERRORS},
        summary="Dismiss: close it without booking (409 skipped_occurrence_resolved if already closed).",
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        skipped = series_skipped.skipped_occurrence_dismiss(actor=request.membership, skipped=self.get_object())
        return Response(SkippedOccurrenceSerializer(skipped).data)

    @extend_schema(
        request=SkippedOccurrenceBookInput,
        responses={200: SkippedOccurrenceSerializer, **ERRORS},
        summary="Try booking it again (at its own time or `starts_at`) as the series' occurrence for that "
        "date; resolved with `appointment` on success, 409 with the conflict if still taken.",
    )
    @action(detail=True, methods=["post"])
    def book(self, request, pk=None):
        skipped = self.get_object()
        data = SkippedOccurrenceBookInput(data=request.data)
        data.is_valid(raise_exception=True)
        skipped = series_skipped.skipped_occurrence_book(
            actor=request.membership, skipped=skipped, **data.validated_data
        )
        return Response(SkippedOccurrenceSerializer(skipped).data)


# --- slots -------------------------------------------------------------------------------------------


class SlotsView(PracticeScopedMixin, APIView):
    permission_classes = [RolePermission]
    read_roles = EVERYONE

    @extend_schema(
        parameters=[SlotQuery],
        responses={200: SlotSerializer(many=True), **ERRORS},
        summary="Bookable start times for a type, between two dates (read in `tz`), rendered in `tz`.",
    )
    def get(self, request):
        query = SlotQuery(data={**request.query_params.dict(), "clinician": request.query_params.getlist("clinician")})
        query.is_valid(raise_exception=True)
        v = query.validated_data
        membership = request.membership
        kind = (
            selectors.appointment_type_list(actor=membership)
            .filter(pk=v["appointment_type"], is_active=True)
            .select_related("practice")
            .first()
        )
        if kind is None:
            raise DomainError("Unknown appointment type.", fields={"appointment_type": ["Not found."]})
        clinicians = selectors.bookable_clinicians(actor=membership)
        if v.get("clinician"):
            clinicians = clinicians.filter(pk__in=v["clinician"])
        tz = v.get("tz") or _response_tz(request)
        mode = v.get("mode") or (
            Mode.TELEHEALTH if _is_client_only(membership) or not kind.allows_in_person else Mode.IN_PERSON
        )
        if _is_client_only(membership) and mode == Mode.IN_PERSON:
            raise DomainError("Clients request telehealth sessions.", fields={"mode": ["telehealth only."]})
        slots = avail_services.slots_for(
            appointment_type=kind,
            clinicians=list(clinicians),
            date_from=v["date_from"],
            date_to=v["date_to"],
            tz=ZoneInfo(tz),
            mode=mode,
        )
        return Response(
            [
                {
                    "clinician": s["clinician"],
                    "starts_at": s["starts_at"].isoformat(),
                    "ends_at": s["ends_at"].isoformat(),
                    "time_zone": tz,
                }
                for s in slots
            ]
        )


# --- waitlist ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "opening",
                OpenApiTypes.INT,
                description="A cancelled appointment's id: only entries its time would suit.",
            )
        ]
    )
)
class WaitlistViewSet(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Clients waiting for a slot, oldest first. Front desk keeps it; clinicians read their own."""

    queryset = WaitlistEntry.objects.none()
    permission_classes = [RolePermission]
    read_roles = {roles.ADMIN, roles.FRONT_DESK, roles.CLINICIAN}
    write_roles = {roles.FRONT_DESK}
    serializer_class = WaitlistEntrySerializer
    ordering = ["created_at", "id"]

    def get_queryset(self):
        return selectors.waitlist_list(actor=self.request.membership).filter(fulfilled_at__isnull=True)

    def list(self, request, *args, **kwargs):
        opening = request.query_params.get("opening")
        if opening:
            appointment = get_object_or_404(
                selectors.appointment_list(actor=request.membership), pk=opening if opening.isdigit() else 0
            )
            return Response(
                WaitlistEntrySerializer(
                    selectors.waitlist_matches(entries=self.get_queryset(), opening=appointment), many=True
                ).data
            )
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        data = WaitlistEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _references_in_scope(request.membership, data.validated_data)
        entry = waitlist_services.waitlist_add(actor=request.membership, **data.validated_data)
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        waitlist_services.waitlist_remove(actor=request.membership, entry=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- calendar feed -----------------------------------------------------------------------------------


class CalendarFeedView(PracticeScopedMixin, APIView):
    permission_classes = [RolePermission]
    read_roles = write_roles = {roles.CLINICIAN}

    @extend_schema(
        request=None,
        responses={201: CalendarFeedSerializer, **ERRORS},
        summary="Issue a new secret feed URL for your schedule (the previous one stops working).",
    )
    def post(self, request):
        token = ical.calendar_feed_rotate(actor=request.membership)
        url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/calendar/{token}.ics"
        return Response({"url": url}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, summary="Revoke your feed URL.")
    def delete(self, request):
        ical.calendar_feed_revoke(actor=request.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarFeedPublicView(APIView):
    """The feed itself: the secret token in the URL is the credential (calendar apps cannot log in)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AtomicScopedThrottle]
    throttle_scope = "public_link"

    @extend_schema(
        responses={
            (200, "text/calendar"): OpenApiTypes.STR,
            404: OpenApiResponse(description="Unknown or revoked token."),
        },
        summary="iCalendar feed (times, place, client initials only).",
    )
    def get(self, request, token: str):
        clinician = selectors.calendar_feed_clinician(token=token)
        if clinician is None:
            return HttpResponse(
                b'{"error": {"code": "not_found", "message": "Not found."}}',
                status=404,
                content_type="application/json",
            )
        body = ical.calendar_render(clinician=clinician)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, max-age=300"
        return response
