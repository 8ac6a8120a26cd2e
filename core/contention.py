"""Transactions that lose to a concurrent one: PostgreSQL aborts one side of a deadlock (40P01) or of a
serialization failure (40001). Neither means the database is unreachable: the other transaction went through,
and the loser, run again, meets the state it left (a clean 409, or the work succeeds after all).

`retry_on_contention` runs a whole transaction again; `is_contention` lets the error handler answer one that
survived its retries (or that no service retried) as 409 `write_contended`, never 503.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection

from core.errors import Conflict

logger = logging.getLogger(__name__)

DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"
CONTENTION_SQLSTATES = frozenset({DEADLOCK_DETECTED, SERIALIZATION_FAILURE})
ATTEMPTS = 4  # the first run and three retries

P = ParamSpec("P")
R = TypeVar("R")


def is_contention(exc: BaseException | None) -> bool:
    """A deadlock or serialization failure (Django's OperationalError wrapping psycopg's error)."""
    if not isinstance(exc, OperationalError):
        return False
    return getattr(exc.__cause__, "sqlstate", None) in CONTENTION_SQLSTATES


def contended() -> Conflict:
    return Conflict(
        "A simultaneous change to the same records got there first: read them again and retry.",
        code="write_contended",
    )


def retry_on_contention(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` (which opens its own transaction: put this decorator outside `@transaction.atomic`) again
    when PostgreSQL aborts it for a deadlock or serialization failure, commit included; after ATTEMPTS runs,
    409 `write_contended`. Inside a caller's transaction it cannot retry (the caller's work is lost with it):
    it runs once and lets the outermost retry, or the error handler, decide.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            return func(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if not is_contention(exc):
                    raise
                sqlstate = getattr(exc.__cause__, "sqlstate", None)  # set: is_contention read it
                logger.info("%s: %s, attempt %d of %d", func.__qualname__, sqlstate, attempt, ATTEMPTS)
                if attempt == ATTEMPTS:
                    raise contended() from exc
        raise AssertionError("unreachable")

    return wrapper
