"""An id of another practice, or outside the caller's scope, answers exactly like an id that does not exist.

One walk proves it for the whole API (issue 11, item 8): every write endpoint (POST/PUT/PATCH) of the OpenAPI
schema, its request serializer as the schema declares it, and every related-id field of that serializer
(found by type, so a new field is covered without editing this file). For each role, the matrix row's own
valid body is sent three times with the field replaced by an id that does not exist, by the id of an object
of the other practice, and by the id of an object of the same practice outside the caller's scope (when the
field's selector leaves one out for that role). Status and body must be the same, the id aside.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Max
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, RelatedField
from rest_framework.test import APIClient

from backend.api.scope import ScopedPrimaryKeyRelatedField
from tests.access.matrix import all_rows
from tests.access.targets import TARGETS

WRITE_METHODS = {"POST", "PUT", "PATCH"}
ROLES = ("admin", "front_desk", "clinician", "supervisor", "client")


def _serializers(declared) -> list:
    """The serializer instances a view's schema declares for its request body."""
    if declared is None:
        return []
    if isinstance(declared, dict):  # per content type
        return [s for value in declared.values() for s in _serializers(value)]
    if isinstance(declared, type):
        declared = declared() if issubclass(declared, serializers.BaseSerializer) else None
    if isinstance(declared, serializers.ListSerializer):
        declared = declared.child
    return [declared] if isinstance(declared, serializers.BaseSerializer) else []


def _related_fields(serializer, prefix: str = "") -> dict[str, RelatedField | ManyRelatedField]:
    found: dict = {}
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, RelatedField | ManyRelatedField):
            found[prefix + name] = field
        elif isinstance(field, serializers.ListSerializer):
            found |= _related_fields(field.child, f"{prefix}{name}.0.")
        elif isinstance(field, serializers.BaseSerializer):
            found |= _related_fields(field, f"{prefix}{name}.")
    return found


def write_endpoints() -> dict[tuple[str, str], dict]:
    """{(METHOD, schema path): {field name: field}} for every write endpoint with a related id in its body."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    found: dict = {}
    for path, _regex, method, callback in generator.endpoints:
        if method.upper() not in WRITE_METHODS:
            continue
        view = generator.create_view(callback, method)
        path = generator.coerce_path(path, method, view)
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        view.schema.path, view.schema.method = path, method.upper()
        fields: dict = {}
        for serializer in _serializers(view.schema.get_request_serializer()):
            fields |= _related_fields(serializer)
        if fields:
            found[(method.upper(), path)] = fields
    return found


def _model(field):
    relation = field.child_relation if isinstance(field, ManyRelatedField) else field
    return relation.queryset.model


def _scoped_queryset(field, membership):
    """What the field resolves in for this caller: its selector's queryset."""
    relation = field.child_relation if isinstance(field, ManyRelatedField) else field
    return relation.selector(actor=membership)


def _api(membership) -> APIClient:
    api = APIClient()
    _, token = AuthToken.objects.create(membership.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=membership.practice.slug)
    return api


def _without(data, pk):
    """The body with the id itself taken out of its messages (`Invalid pk "17"`)."""
    if isinstance(data, dict):
        return {key: _without(value, pk) for key, value in data.items()}
    if isinstance(data, list):
        return [_without(item, pk) for item in data]
    return data.replace(f'"{pk}"', '"<id>"') if isinstance(data, str) else data


def _normalised(response, pk) -> tuple[int, object]:
    try:
        return response.status_code, _without(response.json(), pk)
    except ValueError:
        return response.status_code, response.content


def _set(body: dict, name: str, value) -> dict:
    if "." not in name:
        return {**body, name: value}
    head, index, rest = name.split(".", 2)
    items = [dict(item) for item in body.get(head) or [{}]]
    items[int(index)] = _set(items[int(index)], rest, value)
    return {**body, head: items}


def test_every_related_id_of_every_write_endpoint_is_scoped():
    unscoped = [
        f"{method} {path} {name}"
        for (method, path), fields in write_endpoints().items()
        for name, field in fields.items()
        if not isinstance(
            field.child_relation if isinstance(field, ManyRelatedField) else field, ScopedPrimaryKeyRelatedField
        )
    ]
    assert not unscoped, f"related ids resolved outside the caller's scope: {unscoped}"


def test_unknown_foreign_and_out_of_scope_ids_answer_alike(world):
    endpoints = write_endpoints()
    assert len(endpoints) >= 15, sorted(endpoints)
    rows = {row.key: row for row in all_rows()}
    for kind in TARGETS:  # every kind of object in both practices, so each model has one of the other practice
        for scope in ("mine", "foreign", "other"):
            world.target(kind, scope)

    differences, answered_400, out_of_scope = [], set(), set()
    compared = 0
    for (method, path), fields in sorted(endpoints.items()):
        row = rows[(method, path)]
        for role in ROLES:
            membership = world.p.members[role]
            api = _api(membership)
            url = path.replace("{id}", str(world.target(row.target, "mine").pk)) if row.target else path
            if row.query:
                url += "?" + urlencode(row.query(world, role), doseq=True)
            base = row.payload(world, role, "mine") if row.payload else {}
            for name, field in fields.items():
                model = _model(field)
                many = isinstance(field, ManyRelatedField)
                unknown = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1_000_000
                other = model.objects.filter(practice=world.q.practice).first()
                assert other is not None, f"the world has no {model.__name__} in the other practice"
                ids = {"unknown": unknown, "other practice": other.pk}
                outside = (
                    model.objects.filter(practice=world.p.practice)
                    .exclude(pk__in=_scoped_queryset(field, membership).values("pk"))
                    .first()
                )
                if outside is not None:
                    ids["out of scope"] = outside.pk
                    out_of_scope.add((method, path, name, role))
                answers = {}
                for label, pk in ids.items():
                    body = _set(base, name, [pk] if many else pk)
                    response = getattr(api, method.lower())(url, body, format="json")
                    answers[label] = _normalised(response, pk)
                status, body = answers["unknown"]
                if status == 400 and name in body.get("error", {}).get("fields", {}):
                    answered_400.add((method, path, name))
                compared += len(answers) - 1
                for label, answer in answers.items():
                    if answer != answers["unknown"]:
                        differences.append(
                            f"{method} {path} {name} as {role}, {label}: {answer} != {answers['unknown']}"
                        )
    assert not differences, "\n".join(differences)
    never_reached = sorted(
        f"{method} {path} {name}"
        for (method, path), fields in endpoints.items()
        for name in fields
        if (method, path, name) not in answered_400
    )
    assert not never_reached, f"no role got a 400 naming the field for an unknown id: {never_reached}"
    # The same-practice case really ran: e.g. a clinician naming a client off their caseload, a client naming a
    # clinician off their care team or another client, a clinician scheduling a measure for another's client.
    ran = {(method, path, name, role) for method, path, name, role in out_of_scope}
    for case in [
        ("POST", "/api/v1/appointments/", "clients", "clinician"),
        ("POST", "/api/v1/appointments/", "clients", "client"),
        ("POST", "/api/v1/appointments/request/", "clinician", "client"),
        ("POST", "/api/v1/intake/measure-schedules/", "client", "clinician"),
        ("POST", "/api/v1/progress-notes/", "client", "clinician"),
    ]:
        assert case in ran, f"no out-of-scope object for {case}"
    assert compared > 2 * len(answered_400)
