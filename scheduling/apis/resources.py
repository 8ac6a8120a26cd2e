"""Set-up endpoints: locations, rooms, appointment types (admins keep them)."""

from __future__ import annotations

from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from practice import roles
from scheduling import selectors
from scheduling.apis._common import EVERYONE, STAFF
from scheduling.models import AppointmentType, Location, Room
from scheduling.serializers.resources import AppointmentTypeSerializer, LocationSerializer, RoomSerializer
from scheduling.services import resources


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
