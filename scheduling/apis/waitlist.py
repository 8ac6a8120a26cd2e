"""The waitlist: clients waiting for a slot."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from core.lookups import id_or_none
from practice import roles
from scheduling import selectors
from scheduling.models import WaitlistEntry
from scheduling.serializers.resources import WaitlistEntrySerializer
from scheduling.services import waitlist as waitlist_services


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
            # Not an id (or past bigint) answers like an id that does not exist.
            pk = id_or_none(opening)
            appointment = get_object_or_404(selectors.appointment_list(actor=request.membership), pk=pk or 0)
            matches = selectors.waitlist_matches(entries=self.get_queryset(), opening=appointment)
            page = self.paginate_queryset(matches)  # the same paginated body as without `opening`
            return self.get_paginated_response(WaitlistEntrySerializer(page, many=True).data)
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        data = WaitlistEntrySerializer(data=request.data, context={"membership": request.membership})
        data.is_valid(raise_exception=True)
        entry = waitlist_services.waitlist_add(actor=request.membership, **data.validated_data)
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        waitlist_services.waitlist_remove(actor=request.membership, entry=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
