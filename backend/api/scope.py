"""References in a request body must point inside the caller's scope."""

from collections.abc import Iterable

from django.db.models import Model, QuerySet
from rest_framework import serializers


def in_scope_or_400(queryset: QuerySet, value, field: str):
    """The object named by `value` (an instance or a pk) inside `queryset`, a selector's scoped queryset.

    Outside it, the answer is exactly the 400 DRF gives for an id that does not exist, so an id of
    another practice (or outside the caller's caseload) cannot be told from an unknown one.
    """
    pk = value.pk if isinstance(value, Model) else value
    obj = queryset.filter(pk=pk).first() if pk is not None else None
    if obj is None:
        raise serializers.ValidationError({field: [f'Invalid pk "{pk}" - object does not exist.']})
    return obj


def all_in_scope_or_400(queryset: QuerySet, values: Iterable, field: str) -> None:
    """The same for a list of references (for example the clients of a couples session)."""
    pks = [v.pk if isinstance(v, Model) else v for v in values]
    found = set(queryset.filter(pk__in=pks).values_list("pk", flat=True))
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise serializers.ValidationError({field: [f'Invalid pk "{missing[0]}" - object does not exist.']})
