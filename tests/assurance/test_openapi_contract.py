"""The OpenAPI document keeps its two house rules on every operation (docs/api.md, "Errors in the schema").

1. Every operation declares the `Error` component for each error status it can answer, by the rule written in
   docs/api.md, re-derived here from each view (its authenticators, throttles and practice scoping) and each
   operation (its body, parameters and method), not from the schema class's own code; and no 4xx answers
   another shape.
2. Every operation has a description written for the API's user: its own, never empty, never a docstring
   inherited from a base class or mixin (how the plumbing works is no help to a caller).

Both walk every operation and fail with the full list of what is missing, grouped by the view's module, so a
gap is fixed in one pass.
"""

from __future__ import annotations

import inspect
from collections import defaultdict

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings

from backend.api.views import PracticeScopedMixin

ERROR_REF = "#/components/schemas/Error"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
METHODS = {"get", "post", "put", "patch", "delete"}
# Words of the plumbing, not of the API: a description saying them leaks an internal docstring.
INTERNAL_WORDS = ("request.membership", "get_queryset", "get_object", "selector", "mixin")


@pytest.fixture(scope="module")
def operations():
    """[(operation, view, METHOD, path)] for every operation of the generated schema."""
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    found = []
    for path, _regex, method, callback in generator.endpoints:
        view = generator.create_view(callback, method)
        path = generator.coerce_path(path, method, view)
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        operation = schema["paths"].get(path, {}).get(method.lower())
        if operation is not None:  # None: excluded from the schema (the docs pages)
            found.append((operation, view, method.upper(), path))
    documented = sum(1 for ops in schema["paths"].values() for method in ops if method in METHODS)
    assert len(found) == documented > 100, "the walk must see every operation of the schema"
    return schema, found


def expected_error_statuses(operation: dict, view, method: str) -> set[str]:
    """docs/api.md's rule, from the view and the operation."""
    parameters = operation.get("parameters", [])
    in_practice = isinstance(view, PracticeScopedMixin)
    expected = set()
    if "requestBody" in operation or any(p["in"] in ("query", "header") for p in parameters) or in_practice:
        expected.add("400")
    if view.get_authenticators():
        expected.add("401")
    if in_practice:
        expected.add("403")
    if any(p["in"] == "path" for p in parameters):
        expected.add("404")
    if method in WRITES:
        expected.add("409")
    if getattr(view, "throttle_classes", None):
        expected.add("429")
    return expected


def _report(missing: dict[str, list[str]]) -> str:
    return "\n".join(f"{module}:\n  " + "\n  ".join(sorted(lines)) for module, lines in sorted(missing.items()))


def test_the_error_component_is_the_documented_body(operations):
    schema, _ = operations
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["error"]
    detail = components[components["Error"]["properties"]["error"]["$ref"].rsplit("/", 1)[1]]
    assert set(detail["required"]) == {"code", "message"}
    assert detail["properties"]["fields"]["additionalProperties"]["type"] == "array"
    assert detail.get("additionalProperties") is not False, "errors carry extra keys (current_status, ...)"


def test_every_operation_declares_the_error_body_for_each_status_it_can_answer(operations):
    _, found = operations
    missing: dict[str, list[str]] = defaultdict(list)
    for operation, view, method, path in found:
        responses = operation["responses"]
        for status in sorted(expected_error_statuses(operation, view, method)):
            if status not in responses:
                missing[view.__class__.__module__].append(f"{method} {path}: no {status}")
        for status, response in responses.items():
            if status.startswith("4"):
                schemas = [media.get("schema") for media in response.get("content", {}).values()]
                if schemas != [{"$ref": ERROR_REF}]:
                    missing[view.__class__.__module__].append(f"{method} {path}: {status} is not the Error body")
                if not response.get("description"):
                    missing[view.__class__.__module__].append(f"{method} {path}: {status} has no description")
    assert not missing, "Operations whose errors break docs/api.md's rule:\n" + _report(missing)


def _inherited_docs(view_class: type) -> set[str]:
    docs = set()
    for base in view_class.__mro__[1:]:
        if base.__doc__:
            docs.add(inspect.cleandoc(base.__doc__).strip())
        for name, member in vars(base).items():
            if callable(member) and getattr(member, "__doc__", None) and not name.startswith("__"):
                docs.add(inspect.cleandoc(member.__doc__).strip())
    return docs


def test_every_operation_has_its_own_description_for_the_apis_user(operations):
    _, found = operations
    missing: dict[str, list[str]] = defaultdict(list)
    for operation, view, method, path in found:
        description = operation.get("description", "").strip()
        where = view.__class__.__module__
        if not description:
            missing[where].append(f"{method} {path}: no description ({view.__class__.__name__})")
        elif description in _inherited_docs(view.__class__):
            missing[where].append(f"{method} {path}: a base class's docstring ({view.__class__.__name__})")
        elif any(word in description for word in INTERNAL_WORDS):
            missing[where].append(f"{method} {path}: internal words in {description[:60]!r}")
    assert not missing, "Operations without a description for the API's user:\n" + _report(missing)
