"""Filters of intake's list endpoints, as django-filter FilterSets like every other app's (a foreign key filters as a
plain id: backend/api/filters.py). A value that is not valid is a 400 naming the parameter."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from backend.api.filters import IdFilterSet
from intake.models import RiskFlag

RISK_FLAG_STATES = {"open": True, "acknowledged": False}  # state -> acknowledged_at__isnull


class RiskFlagFilter(IdFilterSet):
    state = django_filters.ChoiceFilter(
        choices=[(state, state) for state in RISK_FLAG_STATES],
        method="filter_state",
        help_text="open: not yet acknowledged; acknowledged. Both when left out.",
    )

    class Meta:
        model = RiskFlag
        fields = ["client", "code"]

    def filter_state(self, queryset: QuerySet[RiskFlag], name: str, value: str) -> QuerySet[RiskFlag]:
        return queryset.filter(acknowledged_at__isnull=RISK_FLAG_STATES[value])
