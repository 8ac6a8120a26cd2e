from datetime import UTC

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from backend.api.fields import EARLIEST, INSTANT_SCHEMA, LATEST, RANGE_MESSAGE
from backend.api.filters import IdFilterSet
from practice import selectors
from practice.models import AuditEvent, CareTeamMember, Client, Invitation


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC. PostgreSQL refuses offsets beyond +/-15:59 (Python allows up
    to 23:59), so `since=...+19:43` used to reach the database as is and fail there with a 500."""

    def clean(self, value):
        value = super().clean(value)
        if value is None:
            return value
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(RANGE_MESSAGE, code="overflow") from None
        if not EARLIEST <= value.date() <= LATEST:  # the API's one range for dates (backend/api/fields.py)
            raise forms.ValidationError(RANGE_MESSAGE, code="overflow")
        return value


@extend_schema_field(INSTANT_SCHEMA)
class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ClientFilter(IdFilterSet):
    q = django_filters.CharFilter(method="search", label="Name, email or phone contains")

    class Meta:
        model = Client
        fields = ["is_active"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(preferred_name__icontains=value)
            | Q(email__icontains=value)
            | Q(phone__icontains=value)
        )


class CareTeamFilter(IdFilterSet):
    class Meta:
        model = CareTeamMember
        fields = ["client", "clinician"]


class AuditEventFilter(IdFilterSet):
    since = UtcIsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "request_id"]


class InvitationFilter(IdFilterSet):
    status = django_filters.ChoiceFilter(
        choices=[(status, status) for status in selectors.INVITATION_STATUSES],
        method="filter_status",
        help_text="Only invitations in this state (pending: neither accepted, revoked nor expired). All when left out.",
    )

    class Meta:
        model = Invitation
        fields: list[str] = []

    def filter_status(self, queryset: QuerySet[Invitation], name: str, value: str) -> QuerySet[Invitation]:
        return selectors.invitation_filter_status(queryset, value)
