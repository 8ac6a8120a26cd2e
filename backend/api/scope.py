"""Scope at the door, once (../shared/STYLE.md): an id in a request body resolves only inside the caller's scope.

Every related id of an input serializer is a `ScopedPrimaryKeyRelatedField`: its queryset is the acting
membership's selector (`client_list`, `clinician_list`, `room_list`, ...), taken from the serializer
context. An id of another practice, or of the caller's practice but outside their scope (a client off a
clinician's caseload, a clinician off a client's care team), never resolves, so it answers exactly like an id
that does not exist: 400 naming the field, with DRF's message for a missing pk. Views and services never
check the scope of an input again. tests/access/test_unknown_ids.py walks every write endpoint to prove it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

# The one message for an id that does not resolve, whatever the reason (DRF's own wording; core.errors.UNKNOWN_ID
# is the same text, for the ids a service re-checks: core.errors.unknown_id_error).
UNKNOWN_ID = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]


def acting_membership(context: dict):
    """The membership a serializer acts for: `context["membership"]`, else the request's."""
    membership = context.get("membership")
    if membership is None:
        membership = getattr(context.get("request"), "membership", None)
    if membership is None:
        # Fail closed: a serializer built without its actor must never fall back to a whole table.
        raise ImproperlyConfigured("A scoped related field needs the acting membership in the serializer context.")
    return membership


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up in `selector(actor=<acting membership>)`, never in the whole table."""

    def __init__(self, *, selector: Callable, model, **kwargs):
        self.selector = selector
        kwargs["queryset"] = model._default_manager.none()  # names the model for the schema; lookups below
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.selector(actor=acting_membership(self.context))


class ScopedRelationsMixin:
    """For a ModelSerializer: each writable foreign key named in `Meta.scoped` ({field: selector}) becomes a
    `ScopedPrimaryKeyRelatedField`, keeping what the model says of it (required, null, help text)."""

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        selector = getattr(self.Meta, "scoped", {}).get(field_name)
        if selector is None or kwargs.get("read_only"):
            return field_class, kwargs
        kwargs.pop("queryset", None)
        return ScopedPrimaryKeyRelatedField, {**kwargs, "selector": selector, "model": relation_info.related_model}
