"""Working hours and time off: their writes, whether a clinician works at a given time (the booking's check,
one query), and the one read of them both that check and the slot search make (`working_time_read`). The
bookable slots computed from them are scheduling/services/slots.py."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, NamedTuple

from django.db import connection, transaction
from psycopg import sql

from core import rows
from core.errors import NotAllowed
from practice import roles
from practice.models import Clinician, Membership
from practice.selectors import acting_clinician
from scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AvailabilityException,
    AvailabilityRule,
)
from scheduling.windows import working_windows

# --- writes -----------------------------------------------------------------------------------------


def require_schedule_writer(actor: Membership, clinician: Clinician) -> None:
    """Front desk manages every clinician's schedule; a clinician manages their own.

    The clinician is one of the practice's: named in a request, it came scoped from the door."""
    if actor.has_role(roles.FRONT_DESK):
        return
    own = acting_clinician(actor)
    if own is not None and own.pk == clinician.pk:
        return
    raise NotAllowed("You may change only your own schedule.")


@transaction.atomic
def availability_rule_save(
    *, actor: Membership, rule: AvailabilityRule | None = None, **fields: Any
) -> AvailabilityRule:
    if rule is not None:
        require_schedule_writer(actor, rule.clinician)  # the current owner, before any change moves it
    rule = rule or AvailabilityRule(practice=actor.practice)
    for name, value in fields.items():
        setattr(rule, name, value)
    require_schedule_writer(actor, rule.clinician)
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def availability_rule_delete(*, actor: Membership, rule: AvailabilityRule) -> None:
    require_schedule_writer(actor, rule.clinician)
    rule.delete()


@transaction.atomic
def availability_exception_save(
    *, actor: Membership, exception: AvailabilityException | None = None, **fields: Any
) -> AvailabilityException:
    if exception is not None:
        require_schedule_writer(actor, exception.clinician)  # the current owner, before any change moves it
    exception = exception or AvailabilityException(practice=actor.practice)
    for name, value in fields.items():
        setattr(exception, name, value)
    require_schedule_writer(actor, exception.clinician)
    exception.full_clean()
    exception.save()
    return exception


@transaction.atomic
def availability_exception_delete(*, actor: Membership, exception: AvailabilityException) -> None:
    require_schedule_writer(actor, exception.clinician)
    exception.delete()


# --- interval arithmetic ----------------------------------------------------------------------------


def clinician_is_available(*, clinician: Clinician, starts_at: datetime, ends_at: datetime) -> bool:
    """Whether [starts_at, ends_at) lies inside working hours and outside time off (one query)."""
    start, end = starts_at - timedelta(days=1), ends_at + timedelta(days=1)
    read = working_time_read(clinician_ids=[clinician.pk], start=start, end=end)
    windows = working_windows(
        clinician=clinician,
        rules=read.rules[clinician.pk],
        exceptions=read.exceptions[clinician.pk],
        start=start,
        end=end,
    )
    return any(s <= starts_at and ends_at <= e for s, e in windows)


# --- the one read of working hours and time off ------------------------------------------------------


class RuleRow(NamedTuple):
    """What the booking's check and the slot search read of an `AvailabilityRule` (a `windows.WeeklyRule`)."""

    weekday: int
    start_time: time
    end_time: time
    effective_from: date
    effective_until: date | None
    location_id: int | None


class ExceptionRow(NamedTuple):
    """What the booking's check and the slot search read of an `AvailabilityException` (a `windows.OneOff`)."""

    kind: str
    starts_at: datetime
    ends_at: datetime


class WorkingTime(NamedTuple):
    """Per clinician id: weekly rules and exceptions (in id order) and, if asked for, the booked time (merged,
    sorted, as [lower, upper) integer microseconds since the epoch). A clinician without any reads as empty."""

    rules: dict[int, list[RuleRow]]
    exceptions: dict[int, list[ExceptionRow]]
    busy: dict[int, list[tuple[int, int]]]


_RULES, _EXCEPTIONS, _BUSY = 0, 1, 2


def working_time_read(
    *, clinician_ids: list[int], start: datetime, end: datetime, busy: tuple[datetime, datetime] | None = None
) -> WorkingTime:
    """The weekly rules of `clinician_ids` in effect on any (UTC) date of [start, end], their exceptions
    overlapping [start, end) and, with `busy`, the time active appointments take overlapping that range: one
    statement (`_working_time_sql`) of plain rows, for the booking's check and the slot search alike.

    A local date is less than a day from its UTC date: a caller asking about the working time of [a, b) passes
    a day either side. Plain rows rather than ORM querysets and model instances: compiling those cost more than
    the rest of a one-clinician slot search, and about 1 ms of every booking."""
    read = WorkingTime(defaultdict(list), defaultdict(list), defaultdict(list))
    busy_start, busy_end = busy or (start, end)
    params: dict[str, Any] = {
        "ids": clinician_ids,
        "from": start.date(),
        "until": end.date(),
        "start": start,
        "end": end,
        "busy_start": busy_start,
        "busy_end": busy_end,
        "active": list(ACTIVE_STATUSES),
    }
    with connection.cursor() as cursor:
        cursor.execute(_working_time_sql(with_busy=busy is not None), params)
        for clinician_id, part, key, weekday, *rule, kind, starts_at, ends_at, upper in cursor.fetchall():
            if part == _RULES:
                read.rules[clinician_id].append(RuleRow(weekday, *rule))
            elif part == _EXCEPTIONS:
                read.exceptions[clinician_id].append(ExceptionRow(kind, starts_at, ends_at))
            else:
                read.busy[clinician_id].append((key, upper))
    return read


@cache
def _working_time_sql(*, with_busy: bool) -> str:
    """The rules, the exceptions and (`with_busy`) the booked time in one row shape (UNION ALL), the columns of
    the other parts NULL, told apart by the second column (`_RULES`, `_EXCEPTIONS`, `_BUSY`), ordered by
    clinician, part and id (the booked time: its start).

    The booked time is each clinician's `occupied` ranges of active appointments, merged (range_agg: overlapping
    or touching ranges become one), their bounds as integer microseconds rather than tstzrange text for psycopg
    to parse. The ids come as a bigint array joined to the table, so each clinician is one scan of the
    exclusion constraint's GiST index on (clinician, occupied) with both conditions (an int4 literal against the
    bigint column could not use it).

    The names come from the models' metadata, so a renamed table or column still lands here; psycopg's
    composition quotes each as an identifier, and every value is a parameter: nothing here is text from outside.
    """
    rule, exc, appt = AvailabilityRule, AvailabilityException, Appointment
    col = rows.column
    names = {
        "rule_table": rows.table(rule),
        "rule_cols": sql.SQL(", ").join(
            col(rule, f) for f in ("weekday", "start_time", "end_time", "effective_from", "effective_until", "location")
        ),
        "rule_clinician": col(rule, "clinician"),
        "rule_id": col(rule, "id"),
        "effective_from": col(rule, "effective_from"),
        "effective_until": col(rule, "effective_until"),
        "exc_table": rows.table(exc),
        "exc_clinician": col(exc, "clinician"),
        "exc_id": col(exc, "id"),
        "kind": col(exc, "kind"),
        "starts_at": col(exc, "starts_at"),
        "ends_at": col(exc, "ends_at"),
        "appt_table": rows.table(appt),
        "appt_clinician": col(appt, "clinician"),
        "occupied": col(appt, "occupied"),
        "status": col(appt, "status"),
        "rules": sql.Literal(_RULES),
        "exceptions": sql.Literal(_EXCEPTIONS),
        "busy": sql.Literal(_BUSY),
    }
    # Each part's columns: clinician, part, key (id; booked: lower), the rule's six, the exception's three, upper.
    parts = [
        "SELECT {rule_clinician}, {rules}, {rule_id}, {rule_cols}, NULL::varchar, NULL::timestamptz, "
        "NULL::timestamptz, NULL::bigint FROM {rule_table} WHERE {rule_clinician} = ANY(%(ids)s::bigint[]) "
        "AND ({effective_until} IS NULL OR {effective_until} >= %(from)s) AND {effective_from} <= %(until)s",
        "SELECT {exc_clinician}, {exceptions}, {exc_id}, NULL, NULL, NULL, NULL, NULL, NULL, {kind}, {starts_at}, "
        "{ends_at}, NULL FROM {exc_table} "
        "WHERE {exc_clinician} = ANY(%(ids)s::bigint[]) AND {starts_at} < %(end)s AND {ends_at} > %(start)s",
    ]
    if with_busy:
        parts.append(
            "SELECT c.id, {busy}, (extract(epoch FROM lower(m.r)) * 1000000)::bigint, NULL, NULL, NULL, NULL, NULL, "
            "NULL, NULL, NULL, NULL, (extract(epoch FROM upper(m.r)) * 1000000)::bigint "
            "FROM unnest(%(ids)s::bigint[]) AS c(id) CROSS JOIN LATERAL ("
            "SELECT unnest(range_agg(a.{occupied})) AS r FROM {appt_table} AS a "
            "WHERE a.{appt_clinician} = c.id AND a.{occupied} && tstzrange(%(busy_start)s, %(busy_end)s, '[)') "
            "AND a.{status} = ANY(%(active)s::varchar[])) AS m"
        )
    query = sql.SQL(" UNION ALL ").join(sql.SQL(part).format(**names) for part in parts)
    return (query + sql.SQL(" ORDER BY 1, 2, 3")).as_string()
