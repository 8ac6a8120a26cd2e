"""The project's own bad-input sweep: what the schema-driven fuzzers rarely send, sent to every operation.

For every operation of the OpenAPI document and every caller (each role of practice p, and nobody):

- a baseline request (a plausible body built from the schema, ids of the world's objects in the path);
- Authorization probes, anonymously on every operation: headers that are not tokens (undecodable bytes,
  NUL, spaces, 5,000 characters, another scheme);
- door probes, on every operation the caller's baseline gets past authentication and permissions (not 401,
  403, 405): a body nested 10,000 deep, a lone surrogate and a NUL as a body key, bodies that are not
  objects, NUL / surrogate bytes / extreme values in every query parameter, unmatchable path ids;
- field probes, on every write operation whose object exists for the caller (not 404): for each field of
  the request body, values by type: lone
  surrogates and NUL in strings, extreme numbers (2**63, -2**63-1, 1e308, 1.5), extreme dates (years 1
  and 9999, an offset of +15:00), every wrong JSON type, null, the same id twice in an id list, and
  unbounded recurrence rules in `rrule`.

Each answer is checked: never a 5xx; always JSON; an error always the API's one error body
(`{"error": {"code", "message", ...}}`); a 2xx body fits the status the schema declares for it.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import jsonschema
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import transaction
from rest_framework.test import APIClient

DEEP = ("[" * 10_000 + "]" * 10_000).encode()
NOT_OBJECTS = [b"[]", b'"x"', b"1", b"null", b"true"]
BAD_KEYS = [b'{"\\ud800": 1}', b'{"a\\u0000": 1}', b'{"a": "\xff\xfe"}']  # the last: bytes that are not UTF-8
BAD_AUTH = [b"Token \xe9", b"Token \xff\xfe\x00", b"Token a b", b"Token " + b"f" * 5000, b"Basic \x80"]
BAD_QUERY = ["%00", "%ED%A0%80", "99999999999999999999", "9999-12-31T23:59:59Z"]
BAD_PATH_IDS = ["99999999999999999999", "%00", "1.5"]

SURROGATE = "\ud800"
BAD_STRINGS = [SURROGATE, "a\x00b", "x" * 10_001, ""]
BAD_NUMBERS = [2**63, -(2**63) - 1, 1e308, -1, 1.5]
BAD_DATES = ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+15:00", "9999-12-31T23:59:59Z"]
WRONG_TYPES = [True, 123, "x", [], {}, None]
BAD_RULES = [
    "FREQ=DAILY;INTERVAL=0",
    "FREQ=WEEKLY;INTERVAL=-1",
    "FREQ=MONTHLY;BYDAY=+99MO",
    "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;COUNT=100000",
    "FREQ=YEARLY;BYYEARDAY=400",
]
ERROR_STATUSES = range(400, 500)
FORMATS = jsonschema.FormatChecker()
# jsonschema checks no `uri` without an extra package; '' would then match both branches of a blank URL's oneOf.
FORMATS.checks("uri")(lambda value: not isinstance(value, str) or bool(urlsplit(value).scheme))
# A path segment or field name -> the object kind of tests/access/targets.py whose id it takes.
ALIASES = {
    "care_team": "care_team_member",
    "forms": "intake_form",
    "form": "intake_form",
    "packets": "intake_packet",
    "packet": "intake_packet",
    "responses": "intake_response",
    "risk_flags": "intake_risk_flag",
    "measure_schedules": "intake_schedule",
    "progress_notes": "progress_note",
    "note": "progress_note",
    "psychotherapy_notes": "psychotherapy_note",
    "skipped_occurrences": "skipped_occurrence",
    "waitlist": "waitlist_entry",
    "repair_strategies": "repair_strategy",
    "supervisor": "clinician",
    "supervisee": "clinician",
    "reminders": "outbound_message",
    "clients": "client",
}


@dataclass
class Tally:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)


def _nullable(node):
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


class Sweep:
    def __init__(self, document: dict, ids: dict[str, int]):
        self.document = document
        self.components = _nullable(document["components"])
        self.ids = ids  # object kind (path segment or field name) -> an id of practice p

    # --- the schema -------------------------------------------------------------------------------
    def resolve(self, node: dict) -> dict:
        while isinstance(node, dict) and "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            node = self.document["components"]["schemas"][name]
        return node

    def operations(self):
        for path, methods in self.document["paths"].items():
            for method, operation in methods.items():
                if method in {"get", "post", "put", "patch", "delete"}:
                    yield path, method, operation

    def body_schema(self, operation) -> dict | None:
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return None
        return self.resolve(content["application/json"]["schema"])

    def properties(self, schema: dict) -> dict[str, dict]:
        schema = self.resolve(schema)
        properties = dict(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            properties.update(self.properties(part))
        return {name: self.resolve(prop) if "$ref" in prop else prop for name, prop in properties.items()}

    # --- values ----------------------------------------------------------------------------------------
    def id_for(self, name: str) -> int:
        name = ALIASES.get(name, name)
        for key in (name, name.rstrip("s"), name.replace("_id", "")):
            if key in self.ids:
                return self.ids[key]
        return 1

    def baseline_value(self, name: str, prop: dict):
        prop = self.resolve(prop)
        if "enum" in prop:
            return prop["enum"][0]
        for variant in prop.get("oneOf", []) + prop.get("anyOf", []) + prop.get("allOf", []):
            resolved = self.resolve(variant)
            if resolved.get("enum"):
                return resolved["enum"][0]
        kind, fmt = prop.get("type"), prop.get("format")
        if kind == "integer":
            return self.id_for(name)
        if kind == "number":
            return 1
        if kind == "boolean":
            return False
        if kind == "array":
            item = self.resolve(prop.get("items", {}))
            return [self.baseline_value(name, item)] if item else []
        if kind == "object":
            return {}
        return {
            "date": "2027-03-01",
            "date-time": "2027-03-01T15:00:00Z",
            "time": "10:00",
            "email": "sweep@example.com",
            "uri": "https://example.com/sweep",
            "uuid": "6b8f2c0e-5f0a-4a59-9b1e-7c2d2a8f4e10",
        }.get(fmt, "FREQ=WEEKLY" if name == "rrule" else "text")

    def bad_values(self, name: str, prop: dict) -> list:
        prop = self.resolve(prop)
        kind, fmt = prop.get("type"), prop.get("format")
        values = list(WRONG_TYPES)
        if kind == "string" or "enum" in prop:
            values += BAD_STRINGS
        if fmt in ("date", "date-time"):
            values += BAD_DATES
        if kind in ("integer", "number"):
            values += BAD_NUMBERS
        if kind == "array":
            item = self.resolve(prop.get("items", {}))
            if item.get("type") == "integer":
                good = self.id_for(name)
                values += [[good, good], [2**63], [True], [1.5], list(range(1, 2001))]
            values += [[SURROGATE], ["a\x00"]]
        if name == "rrule":
            values += BAD_RULES
        return values

    # --- requests --------------------------------------------------------------------------------------
    def path_for(self, path: str, value: str | None = None) -> str:
        out = path
        segments = path.strip("/").split("/")
        for index, segment in enumerate(segments):
            if segment.startswith("{"):
                kind = segments[index - 1] if index else ""
                replacement = value if value is not None else str(self.id_for(kind.replace("-", "_")))
                if segment == "{token}":
                    replacement = value if value is not None else "sweep-token"
                out = out.replace(segment, replacement, 1)
        return out

    def send(self, api: APIClient, tally: Tally, label: str, method: str, path: str, operation, **kwargs) -> int:
        cache.clear()  # throttles and lock-outs would answer 429 to the rest
        caught: list[BaseException] = []

        def record(sender, request=None, **extra):
            import sys

            caught.append(sys.exc_info()[1])

        got_request_exception.connect(record)
        savepoint = transaction.savepoint()
        try:
            response = api.generic(method.upper(), path, **kwargs)
        finally:
            transaction.savepoint_rollback(savepoint)
            got_request_exception.disconnect(record)
        tally.requests += 1
        tally.statuses[response.status_code // 100 * 100] += 1
        where = f"{method.upper()} {path[:120]} [{label}]"
        if response.status_code >= 500:
            reason = f"{type(caught[0]).__name__}: {str(caught[0])[:200]}" if caught else response.content[:200]
            tally.server_errors.append(f"{where} -> {response.status_code} {reason}")
            return response.status_code
        self.check(tally, where, response, operation)
        return response.status_code

    def check(self, tally: Tally, where: str, response, operation) -> None:
        status = response.status_code
        if status == 204 or response.get("Content-Type", "").startswith("text/calendar"):
            return
        if not response.get("Content-Type", "").startswith("application/json"):
            tally.violations.append(f"{where} -> {status} not JSON ({response.get('Content-Type')})")
            return
        body = json.loads(response.content)
        if status in ERROR_STATUSES:
            error = body.get("error") if isinstance(body, dict) else None
            if not isinstance(error, dict) or not {"code", "message"} <= error.keys():
                tally.violations.append(f"{where} -> {status} not the error body: {response.content[:200]}")
            return
        declared = operation.get("responses", {}).get(str(status))
        if declared is None:
            tally.violations.append(f"{where} -> {status} not declared in the schema")
            return
        schema = declared.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return
        try:
            jsonschema.validate(body, {**_nullable(schema), "components": self.components}, format_checker=FORMATS)
        except jsonschema.ValidationError as exc:
            tally.violations.append(f"{where} -> {status} does not fit the schema: {exc.message[:200]}")

    def run(self, api: APIClient, headers: dict) -> Tally:
        tally = Tally()
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.ERROR)  # thousands of expected 4xx warnings; a 5xx still logs
        try:
            for path, method, operation in self.operations():
                self.operation(api, tally, path, method, operation, headers)
        finally:
            request_log.setLevel(level)
        return tally

    def _json(self, api, tally, label, method, path, operation, body, headers) -> int:
        raw = json.dumps(body, ensure_ascii=True).encode()  # "\ud800" stays an escape: the bytes are ASCII
        return self.send(
            api, tally, label, method, path, operation, data=raw, content_type="application/json", **headers
        )

    def operation(self, api, tally, path, method, operation, headers) -> None:
        """The baseline request first: a caller it refuses at the door (401, 403, 405: nothing is read yet) gets
        only the Authorization probes; one it lets in gets the door probes, and the field probes where the
        object exists for it (not 404)."""
        url = self.path_for(path)
        schema = self.body_schema(operation) if method in {"post", "put", "patch"} else None
        properties = {}
        if schema is not None:
            properties = {
                name: prop for name, prop in self.properties(schema).items() if not self.resolve(prop).get("readOnly")
            }
            baseline = {name: self.baseline_value(name, prop) for name, prop in properties.items()}
            status = self._json(api, tally, "baseline", method, url, operation, baseline, headers)
        else:
            status = self.send(api, tally, "baseline", method, url, operation, **headers)
        for auth in BAD_AUTH if not headers else []:  # the header replaces any token: once, anonymously
            bad = {**headers, "HTTP_AUTHORIZATION": auth.decode("latin-1")}
            self.send(api, tally, "authorization", method, url, operation, **bad)
        if status in {401, 403, 405}:
            return
        self.door_probes(api, tally, path, method, operation, headers, has_body=schema is not None)
        if schema is None or status == 404:
            return
        for name, prop in properties.items():
            for value in self.bad_values(name, prop):
                self._json(api, tally, name, method, url, operation, {**baseline, name: value}, headers)

    def door_probes(self, api, tally, path, method, operation, headers, *, has_body: bool):
        url = self.path_for(path)
        if has_body:
            for raw in [DEEP, *NOT_OBJECTS, *BAD_KEYS]:
                self.send(
                    api, tally, "body", method, url, operation, data=raw, content_type="application/json", **headers
                )
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query":
                for value in BAD_QUERY:
                    target = f"{url}?{quote(parameter['name'])}={value}"
                    self.send(api, tally, f"?{parameter['name']}", method, target, operation, **headers)
        if "{" in path:
            for value in BAD_PATH_IDS:
                self.send(api, tally, "path", method, self.path_for(path, value), operation, **headers)
