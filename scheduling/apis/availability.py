"""Working hours, exceptions to them, and the bookable slots they leave."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from core.errors import DomainError
from scheduling import selectors, sql_selectors
from scheduling.apis._common import EVERYONE, SCHEDULERS, STAFF, _is_client_only, _response_tz
from scheduling.models import AvailabilityException, AvailabilityRule, Mode
from scheduling.serializers.availability import (
    AppointmentToMoveSerializer,
    AvailabilityExceptionSavedSerializer,
    AvailabilityExceptionSerializer,
    AvailabilityRuleSavedSerializer,
    AvailabilityRuleSerializer,
    SlotQuery,
    SlotSerializer,
)
from scheduling.services import availability as avail_services
from scheduling.services import slots as slot_services

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
    saved_serializer_class: type = AvailabilityRuleSavedSerializer

    def _saved(self, obj, code: int = status.HTTP_200_OK) -> Response:
        """The saved object and the booked sessions it leaves outside the clinician's availability."""
        obj.appointments_to_move = self.to_move(obj)
        return Response(self.saved_serializer_class(obj, context=self.get_serializer_context()).data, status=code)

    def to_move(self, obj) -> list[dict]:
        return selectors.appointments_to_move(actor=self.request.membership, clinician_id=obj.clinician_id)

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = type(self).save(actor=request.membership, **data.validated_data)
        return self._saved(obj, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = self.get_serializer(obj, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        obj = type(self).save(actor=request.membership, **{self.instance_kwarg: obj}, **data.validated_data)
        return self._saved(obj)

    def destroy(self, request, *args, **kwargs):
        type(self).delete(actor=request.membership, **{self.instance_kwarg: self.get_object()})
        return Response(status=status.HTTP_204_NO_CONTENT)


def _saved_schema(serializer):
    return extend_schema_view(
        create=extend_schema(responses={201: serializer}),
        partial_update=extend_schema(responses={200: serializer}),
    )


@_saved_schema(AvailabilityRuleSavedSerializer)
class AvailabilityRuleViewSet(_AvailabilityViewSet):
    """Weekly working hours in the clinician's own zone. Every staff role reads them; front desk writes anyone's,
    a clinician their own. A save answers the booked sessions it leaves to move."""

    queryset = AvailabilityRule.objects.none()
    serializer_class = AvailabilityRuleSerializer
    save = staticmethod(avail_services.availability_rule_save)
    delete = staticmethod(avail_services.availability_rule_delete)
    instance_kwarg = "rule"
    ordering = ["clinician", "weekday", "start_time"]

    def get_queryset(self):
        return selectors.availability_rule_list(actor=self.request.membership)


@_saved_schema(AvailabilityExceptionSavedSerializer)
class AvailabilityExceptionViewSet(_AvailabilityViewSet):
    """Extra hours, time off and blocked time of a clinician, as instants. Every staff role reads them; front desk
    writes anyone's, a clinician their own. A save answers the booked sessions it leaves to move."""

    queryset = AvailabilityException.objects.none()
    serializer_class = AvailabilityExceptionSerializer
    saved_serializer_class = AvailabilityExceptionSavedSerializer
    save = staticmethod(avail_services.availability_exception_save)
    delete = staticmethod(avail_services.availability_exception_delete)
    instance_kwarg = "exception"
    ordering = ["starts_at"]

    def get_queryset(self):
        return selectors.availability_exception_list(actor=self.request.membership)

    def to_move(self, obj) -> list[dict]:
        if obj.kind == AvailabilityException.Kind.EXTRA:
            return []  # more hours take no session away
        return selectors.appointments_to_move(
            actor=self.request.membership,
            clinician_id=obj.clinician_id,
            starts_from=obj.starts_at,
            starts_before=obj.ends_at,
        )


TO_MOVE_MAX_DAYS = 366


class ToMoveQuery(serializers.Serializer):
    clinician = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="Only this clinician's sessions."
    )
    days = serializers.IntegerField(
        required=False, default=90, min_value=1, max_value=TO_MOVE_MAX_DAYS, help_text="How far ahead to look."
    )


class AppointmentsToMoveView(PracticeScopedMixin, APIView):
    """The front desk's list of sessions to move: booked, not started, and no longer allowed by the clinician's
    working hours or time off. Front desk and admin: every clinician's; clinician: own; supervisor: + their
    supervisees'."""

    permission_classes = [RolePermission]
    read_roles = STAFF

    @extend_schema(
        parameters=[ToMoveQuery],
        responses={200: AppointmentToMoveSerializer(many=True)},
        summary="Booked sessions that working hours or time off no longer allow, soonest first.",
    )
    def get(self, request):
        query = ToMoveQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        items = selectors.appointments_to_move(
            actor=request.membership,
            clinician_id=v.get("clinician"),
            starts_before=timezone.now() + timedelta(days=v["days"]),
        )
        return Response(AppointmentToMoveSerializer(items, many=True).data)


# --- slots -------------------------------------------------------------------------------------------


class SlotsView(PracticeScopedMixin, APIView):
    """Start times a clinician could be booked at for an appointment type, between two dates, from their
    working hours, time off and existing bookings. Every role; a client sees telehealth slots of the types and
    clinicians they may book (in person: 400 naming `mode`). An unknown type is a 400 naming `appointment_type`."""

    permission_classes = [RolePermission]
    read_roles = EVERYONE

    @extend_schema(
        parameters=[SlotQuery],
        responses={200: SlotSerializer(many=True)},
        summary="Bookable start times for a type, between two dates (read in `tz`), rendered in `tz`.",
    )
    def get(self, request):
        query = SlotQuery(data={**request.query_params.dict(), "clinician": request.query_params.getlist("clinician")})
        query.is_valid(raise_exception=True)
        v = query.validated_data
        membership = request.membership
        # The type and the clinicians in one statement, scoped as appointment_type_list and bookable_clinicians.
        kind, clinicians = sql_selectors.slot_search_subjects(
            actor=membership, appointment_type_id=v["appointment_type"], clinician_ids=v.get("clinician") or None
        )
        if kind is None:
            raise DomainError("Unknown appointment type.", fields={"appointment_type": ["Not found."]})
        kind.practice = membership.practice  # the selector keeps to the membership's practice: no join for it
        tz = v.get("tz") or _response_tz(request)
        mode = v.get("mode") or (
            Mode.TELEHEALTH if _is_client_only(membership) or not kind.allows_in_person else Mode.IN_PERSON
        )
        if _is_client_only(membership) and mode == Mode.IN_PERSON:
            raise DomainError("Clients request telehealth sessions.", fields={"mode": ["telehealth only."]})
        slots = slot_services.slots_for(
            appointment_type=kind,
            clinicians=clinicians,
            date_from=v["date_from"],
            date_to=v["date_to"],
            tz=ZoneInfo(tz),
            mode=mode,
            as_text=True,  # the ISO text the answer carries, made faster than a datetime's isoformat() each
        )
        return HttpResponse(slots_json(slots, tz), content_type="application/json")


def slots_json(slots: list[dict], tz: str) -> bytes:
    """The answer's body: byte for byte what DRF's JSONRenderer makes of the list of `SlotSerializer`'s
    {"clinician", "starts_at", "ends_at", "time_zone"} (tests/scheduling/test_slots_answer.py), put together as
    text: rendering 300 dicts through `json.dumps` cost more than the slot search of one clinician's month.

    Nothing here needs escaping but the zone, which `json.dumps` writes: the clinician is an int, the times are
    `slots_for(as_text=True)`'s ISO 8601 text (digits, "-", ":", "T", "+", ".").
    """
    zone = json.dumps(tz, ensure_ascii=False)
    items = [
        f'{{"clinician":{s["clinician"]},"starts_at":"{s["starts_at"]}","ends_at":"{s["ends_at"]}","time_zone":{zone}}}'
        for s in slots
    ]
    return ("[" + ",".join(items) + "]").encode()
