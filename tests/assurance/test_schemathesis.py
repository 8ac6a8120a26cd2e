"""Schemathesis 4.x against the project's own OpenAPI schema, in process (WSGI), as each role and anonymous.

For every operation in the schema and every caller (admin, front desk, clinician, supervisor, client of
practice p, and nobody), Schemathesis generates requests that fit the schema (positive) and requests that
do not (negative), sends them to the Django WSGI application and checks each response:

- not_a_server_error: no 5xx, ever;
- response_schema_conformance / content_type_conformance: a documented status answers the documented shape;
- ignored_auth: an operation that declares authentication refuses a request without a token and one with a
  wrong token (Schemathesis replays the authenticated request without / with a bogus credential).

Two kinds of run per caller: every operation on its own (positive and negative examples; 50 examples per
operation over the six callers), and Schemathesis' state machine over the links it infers between operations
(a create's id fed into the read, change and delete of that object), scenarios of several steps.

The number of generated requests and the failures found are printed in the terminal summary; the project's
own bad-input sweep (test_bad_input_sweep.py) sends what these generators rarely do.
"""

from __future__ import annotations

import os
from collections import Counter
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
)

from tests.assurance.conftest import FIGURES
from tests.world import ACTOR_ROLES

# Examples per operation, per generation mode (positive and negative), per caller: 4 for each of the five roles
# and 5 anonymously make 50 examples per operation (docs/reliability.md). SCHEMATHESIS_EXAMPLES=N sets N for every
# caller (the deeper run: 50).
_EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES")
CALLERS = [*ACTOR_ROLES, None]
EXAMPLES = {role: int(_EXAMPLES) if _EXAMPLES else (5 if role is None else 4) for role in CALLERS}
# Stateful runs follow the links Schemathesis infers (a POST's id into its GET / PATCH / DELETE ...): this many
# scenarios of at most this many steps, per caller.
STATEFUL_SCENARIOS = int(os.environ.get("SCHEMATHESIS_STATEFUL_SCENARIOS", "15"))
STATEFUL_STEPS = int(os.environ.get("SCHEMATHESIS_STATEFUL_STEPS", "6"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, ignored_auth]
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]

TOTALS: Counter = Counter()


@contextmanager
def _in_test_transaction():
    """Like Django's test client: keep the request signals from closing the test's connection (and with it
    the transaction that holds the world), so every request sees, and rolls back with, the test's data."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema(django_db_blocker):
    with django_db_blocker.unblock(), _in_test_transaction():
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


def _fuzz(api_schema, headers: dict, counts: Counter, failures: list[str], examples: int) -> None:
    for result in api_schema.get_all_operations():
        operation = result.ok()
        counts["operations"] += 1
        for mode in MODES:
            _fuzz_operation(operation, mode, headers, counts, failures, examples)


def _fuzz_operation(operation, mode, headers: dict, counts: Counter, failures: list[str], examples: int) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, headers=dict(headers)))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        cache.clear()  # throttles and lock-outs would otherwise answer 429 to later examples
        # Each request in a savepoint: a database error behind a 500 must not abort the test's transaction
        # (and turn every later request into a 500 too).
        savepoint = transaction.savepoint()
        try:
            response = case.call(headers=dict(headers))
        finally:
            transaction.savepoint_rollback(savepoint)
        counts["requests"] += 1
        if response.status_code >= 500:
            counts["server_errors"] += 1
        checks = CHECKS
        if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
            # A path segment the URL patterns do not match ("/clients/1.5e-10/series/") never reaches the
            # operation: Django's own 404 page answers. Only "no 5xx" applies to such a request.
            checks = [not_a_server_error]
        try:
            case.validate_response(response, checks=checks, headers=dict(headers))
        except (Exception, BaseExceptionGroup) as exc:  # FailureGroup: keep going, report them all at the end
            counts["failures"] += 1
            failures.append(f"{operation.label} [{mode.value}] {type(exc).__name__}: {str(exc)[:1500]}")

    try:
        run()
    except Unsatisfiable:
        counts["unsatisfiable"] += 1  # nothing to make invalid (no parameters, no body) in negative mode


@pytest.mark.django_db
@pytest.mark.parametrize("role", CALLERS, ids=[r or "anonymous" for r in CALLERS])
def test_schema_fuzzing_finds_no_server_error_and_no_schema_violation(world, api_schema, role):
    headers = _headers(world, role)
    failures: list[str] = []
    counts: Counter = Counter()
    with _in_test_transaction():
        _fuzz(api_schema, headers, counts, failures, EXAMPLES[role])

    TOTALS.update(counts)
    FIGURES.append(
        f"schemathesis [{role or 'anonymous'}]: {counts['operations']} operations x 2 modes x up to "
        f"{EXAMPLES[role]} examples: {counts['requests']} generated requests, "
        f"{counts['server_errors']} server errors, {counts['failures']} failed checks"
    )
    assert not failures, f"{len(failures)} failed checks as {role or 'anonymous'}:\n" + "\n\n".join(failures[:30])


def _headers(world, role) -> dict:
    if role is None:
        return {}
    _, token = AuthToken.objects.create(world.p.members[role].user)
    return {"Authorization": f"Token {token}", "X-Practice": world.p.practice.slug}


@pytest.mark.django_db
@pytest.mark.parametrize("role", CALLERS, ids=[r or "anonymous" for r in CALLERS])
def test_stateful_links_find_no_server_error_and_no_schema_violation(world, api_schema, role):
    """Schemathesis' state machine over the links it infers from the schema (create, then read / change /
    delete what was created): each scenario in a savepoint of its own, each step in one inside it."""
    headers = _headers(world, role)
    failures: list[str] = []
    counts: Counter = Counter()

    class Machine(api_schema.as_state_machine()):
        def setup(self):
            self._scenario = transaction.savepoint()
            counts["scenarios"] += 1

        def teardown(self):
            transaction.savepoint_rollback(self._scenario)

        def get_call_kwargs(self, case):
            return {"headers": dict(headers)}

        def call(self, case, **kwargs):
            cache.clear()
            step = transaction.savepoint()
            response = case.call(**kwargs)
            counts["requests"] += 1
            if response.status_code >= 500:
                counts["server_errors"] += 1
                transaction.savepoint_rollback(step)
            else:
                transaction.savepoint_commit(step)
            return response

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                case.validate_response(response, checks=CHECKS, headers=dict(headers))
            except (Exception, BaseExceptionGroup) as exc:
                counts["failures"] += 1
                failures.append(f"{case.operation.label} [stateful] {type(exc).__name__}: {str(exc)[:1500]}")

    with _in_test_transaction():
        Machine.run(
            settings=settings(
                max_examples=STATEFUL_SCENARIOS,
                stateful_step_count=STATEFUL_STEPS,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
        )

    FIGURES.append(
        f"schemathesis stateful [{role or 'anonymous'}]: {counts['scenarios']} scenarios, {counts['requests']} "
        f"requests, {counts['server_errors']} server errors, {counts['failures']} failed checks"
    )
    assert counts["requests"] >= STATEFUL_SCENARIOS  # the machine ran (a schema without links would not)
    assert not failures, f"{len(failures)} failed checks as {role or 'anonymous'}:\n" + "\n\n".join(failures[:30])
