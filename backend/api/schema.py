"""The OpenAPI document's two house rules, applied to every operation (docs/api.md, "Errors in the schema").

1. Every operation declares the one error body (backend/api/errors.py) as the `Error` component, for each
   error status the operation can answer. Which ones follows from what the operation is, so no view has to
   list them and none can forget:

   - 400 when it takes input: a request body, a query or header parameter, or a practice (`X-Practice`);
   - 401 when it accepts a token (a missing, wrong or expired one is refused);
   - 403 when it acts in a practice (not a member, `mfa_required`, a role that may not do this);
   - 404 when its path names an object;
   - 409 on every write (POST, PUT, PATCH, DELETE): at least `write_contended`, a simultaneous write won;
   - 429 when a throttle applies to the view (`throttle_classes`).

   A view adds what the rule cannot see with `extra_error_statuses` (a set, or a dict by action or method:
   a service that limits wrong codes itself answers 429 without a throttle class). Any other 4xx an operation
   declares (a 422) gets the same body. Operation-specific codes are named in the operation's description.

2. An operation's description is its own: the docstring of the action (or method) defined on the view class
   itself, else the view class's own docstring, else the `@extend_schema` description. A docstring inherited
   from a base class or mixin is about the base (how it works inside), never about the endpoint, and is not
   shown.
"""

from __future__ import annotations

import inspect

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc
from rest_framework import serializers

from backend.api.views import PracticeScopedMixin

ERROR_STATUSES = (400, 401, 403, 404, 409, 429)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

ERROR_DESCRIPTIONS = {
    "400": "The input is wrong: `error.fields` names each wrong field and why.",
    "401": "No valid token: missing, malformed, expired or revoked.",
    "403": "Your role may not do this here, you are not a member of the practice named, or `mfa_required`.",
    "404": "Not found for you: missing, in another practice, or outside your scope (the same answer).",
    "409": "A conflict with the current state (codes in the description), or `write_contended`: retry.",
    "422": "The request is well formed but cannot be processed (code in the description).",
    "429": "Throttled: try again after `Retry-After` seconds (`error.retry_after_seconds`).",
}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: `slot_taken`, `not_found`, `invalid`...")
    message = serializers.CharField(help_text="For people.")
    # The body's key is `fields`: DRF's metaclass moves declared fields off the class, so it does not shadow
    # Serializer.fields at run time; mypy sees only the class body.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors (400): each wrong field, by dotted path (`clients.0`), and why.",
    )
    retry_after_seconds = serializers.IntegerField(required=False, help_text="On a 429: when to try again.")


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API. Some errors carry more keys beside `code` and `message`
    (`current_status` on an invalid transition, `retry_after_seconds` on a lockout)."""

    error = ErrorDetailSerializer()


def _own_doc(view_class: type, name: str) -> str:
    """The docstring of `name` if the view class itself defines it (not a base class or mixin)."""
    for cls in view_class.__mro__:
        if name in vars(cls):
            if cls is not view_class:
                return ""
            member = vars(cls)[name]
            doc = getattr(member, "__doc__", None)
            return get_doc(member) if doc else ""
    return ""


def _class_doc(view_class: type) -> str:
    doc = vars(view_class).get("__doc__")
    return inspect.cleandoc(doc).strip() if doc else ""


class AttuneAutoSchema(AutoSchema):
    def get_description(self) -> str:  # type: ignore[override]
        action = getattr(self.view, "action", None) or self.method.lower()
        view_class = self.view.__class__
        return _own_doc(view_class, action) or _class_doc(view_class)

    def error_statuses(self, operation: dict) -> set[int]:
        """The error statuses the rule (module docstring) says this operation can answer."""
        found: set[int] = set()
        parameters = operation.get("parameters", [])
        scoped = isinstance(self.view, PracticeScopedMixin)
        if operation.get("requestBody") or any(p["in"] in ("query", "header") for p in parameters) or scoped:
            found.add(400)
        if any(requirement for requirement in operation.get("security", [])):
            found.add(401)
        if scoped:
            found.add(403)
        if any(p["in"] == "path" for p in parameters):
            found.add(404)
        if self.method in WRITE_METHODS:
            found.add(409)
        if self.view.get_throttles():
            found.add(429)
        extra = getattr(self.view, "extra_error_statuses", None) or set()
        if isinstance(extra, dict):
            action = getattr(self.view, "action", None) or self.method.lower()
            extra = extra.get(action, set())
        return found | set(extra)

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        content = {"application/json": {"schema": error}}
        responses = operation["responses"]
        codes = {str(code) for code in self.error_statuses(operation)}
        codes |= {code for code in responses if code.startswith("4")}
        for code in sorted(codes):
            declared = responses.get(code, {})
            responses[code] = {
                **declared,
                "description": declared.get("description") or ERROR_DESCRIPTIONS.get(code, "An error."),
                "content": content,
            }
        operation["responses"] = dict(sorted(responses.items()))
        return operation
