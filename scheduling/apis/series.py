"""Recurring appointments, and the occurrences a series skipped because they conflicted."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api.filters import refuse_nul_in_query
from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from scheduling import idempotency, selectors
from scheduling.apis._common import SCHEDULERS, STAFF
from scheduling.filters import SkippedOccurrenceFilter
from scheduling.models import AppointmentSeries, SeriesSkippedOccurrence
from scheduling.serializers.series import (
    SeriesCreateInput,
    SeriesEditInput,
    SeriesResultSerializer,
    SeriesSerializer,
    SkippedOccurrenceBookInput,
    SkippedOccurrenceSerializer,
)
from scheduling.services import series as series_services
from scheduling.services import series_changes, series_skipped

# --- series ------------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=SeriesCreateInput,
        parameters=[idempotency.HEADER_PARAMETER],
        responses={201: SeriesResultSerializer, **idempotency.RESPONSES},
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
    """Recurring appointments (weekly, every other week...) of one clinician with the same clients. Every staff
    role reads the series in their scope; front desk creates and changes anyone's, a clinician their own.
    A conflicting occurrence is reported, or with `all_or_nothing` a 409 with `error.occurrences`."""

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
        return idempotency.reply_once(
            request,
            self._create,
            still_in_scope=lambda body: (
                selectors.series_list(actor=request.membership).filter(pk=(body.get("series") or {}).get("id")).exists()
            ),
        )

    def _create(self) -> Response:
        data = SeriesCreateInput(data=self.request.data, context={"membership": self.request.membership})
        data.is_valid(raise_exception=True)
        series, report = series_services.series_create(actor=self.request.membership, **data.validated_data)
        body = SeriesResultSerializer({"series": series, "occurrences": report}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SeriesEditInput,
        responses={200: SeriesResultSerializer},
        summary="Edit this occurrence only, or this and all following (a new series from here).",
    )
    @action(detail=True, methods=["post"])
    def edit(self, request, pk=None):
        """Change one occurrence, or this one and all that follow (which become a new series from that date).
        Front desk and the series' clinician; each occurrence is reported booked or in conflict."""

        series = self.get_object()
        data = SeriesEditInput(data=request.data, context={"membership": request.membership})
        data.is_valid(raise_exception=True)
        result, report = series_changes.series_edit(actor=request.membership, series=series, **data.validated_data)
        return Response(SeriesResultSerializer({"series": result, "occurrences": report}).data)

    @extend_schema(
        request=None,
        responses={200: SeriesSerializer},
        summary="Cancel the series and all its future occurrences.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the series and every future occurrence still scheduled; past ones keep their status, and
        its open skipped occurrences close. Front desk and the series' clinician."""

        series = self.get_object()
        series_changes.series_cancel(actor=request.membership, series=series)
        series.refresh_from_db()
        return Response(SeriesSerializer(series).data)


# --- occurrences a series skipped -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        responses={200: SkippedOccurrenceSerializer(many=True)},
        summary="Occurrences a series did not book because they conflicted (the rolling extension, "
        "or book_available), by date.",
        description="Front desk and admin: every series; clinician: own; supervisor: + supervisees'. "
        "Each says what conflicted (`conflict_code`, `resource`), never whose appointment holds the time.",
    ),
    retrieve=extend_schema(responses={200: SkippedOccurrenceSerializer}),
)
class SeriesSkippedOccurrenceViewSet(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Occurrences a series could not book because the time was taken, to book again or dismiss. Every staff
    role reads those in their scope; front desk and the series' clinician act on them. Each says what
    conflicted (`conflict_code`, `resource`), never whose appointment holds the time."""

    queryset = SeriesSkippedOccurrence.objects.none()
    permission_classes = [RolePermission]
    read_roles = STAFF
    write_roles = SCHEDULERS
    serializer_class = SkippedOccurrenceSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = SkippedOccurrenceFilter
    ordering = ["series_date", "id"]

    def get_queryset(self):
        return selectors.skipped_occurrence_list(actor=self.request.membership)

    def filter_queryset(self, queryset):
        # The list's filters (its state defaults to open) narrow the list only: an occurrence named by its id is
        # found in the caller's scope whatever its state, so a second dismiss is a 409, not a 404.
        if self.action != "list":
            refuse_nul_in_query(self.request)
            return queryset
        return super().filter_queryset(queryset)

    @extend_schema(
        request=None,
        responses={200: SkippedOccurrenceSerializer},
        summary="Dismiss: close it without booking (409 skipped_occurrence_resolved if already closed).",
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Close a skipped occurrence without booking it. Already booked or dismissed: 409
        `skipped_occurrence_resolved`."""

        skipped = series_skipped.skipped_occurrence_dismiss(actor=request.membership, skipped=self.get_object())
        return Response(SkippedOccurrenceSerializer(skipped).data)

    @extend_schema(
        request=SkippedOccurrenceBookInput,
        responses={200: SkippedOccurrenceSerializer},
        summary="Try booking it again (at its own time or `starts_at`) as the series' occurrence for that "
        "date; resolved with `appointment` on success, 409 with the conflict if still taken.",
    )
    @action(detail=True, methods=["post"])
    def book(self, request, pk=None):
        """Book a skipped occurrence again, at its own time or at `starts_at`; it is then resolved with its
        `appointment`. Still taken: 409 with the conflict's code; a cancelled series is 409
        `series_not_active`, a time passed 409 `occurrence_past`."""

        skipped = self.get_object()
        data = SkippedOccurrenceBookInput(data=request.data)
        data.is_valid(raise_exception=True)
        skipped = series_skipped.skipped_occurrence_book(
            actor=request.membership, skipped=skipped, **data.validated_data
        )
        return Response(SkippedOccurrenceSerializer(skipped).data)
