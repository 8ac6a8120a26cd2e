"""Working hours and time off: their writes, and whether a clinician works at a given time (the booking's check,
one query). The bookable slots computed from them are scheduling/services/slots.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import CharField, DateField, DateTimeField, PositiveSmallIntegerField, TimeField, Value

from core.errors import NotAllowed
from practice import roles
from practice.models import Clinician, Membership
from practice.selectors import acting_clinician
from scheduling.models import (
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
    rules, exceptions = _availability_around(clinician=clinician, starts_at=starts_at, ends_at=ends_at)
    windows = working_windows(
        clinician=clinician,
        rules=rules,
        exceptions=exceptions,
        start=starts_at - timedelta(days=1),
        end=ends_at + timedelta(days=1),
    )
    return any(s <= starts_at and ends_at <= e for s, e in windows)


_RULE = "rule"


def _availability_around(
    *, clinician: Clinician, starts_at: datetime, ends_at: datetime
) -> tuple[list[AvailabilityRule], list[AvailabilityException]]:
    """The clinician's weekly rules and the exceptions overlapping [starts_at, ends_at), in one round trip.

    The two tables share one row shape (UNION ALL): a rule row fills the rule's columns, an exception row the
    exception's; the other side's columns are NULL. Rebuilt as unsaved instances of what `working_windows` reads.
    """
    rule_rows = AvailabilityRule.objects.filter(clinician=clinician).values_list(
        Value(_RULE, output_field=CharField()),
        "weekday",
        "start_time",
        "end_time",
        "effective_from",
        "effective_until",
        Value(None, output_field=DateTimeField()),
        Value(None, output_field=DateTimeField()),
    )
    exception_rows = AvailabilityException.objects.filter(
        clinician=clinician, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).values_list(
        "kind",
        Value(None, output_field=PositiveSmallIntegerField()),
        Value(None, output_field=TimeField()),
        Value(None, output_field=TimeField()),
        Value(None, output_field=DateField()),
        Value(None, output_field=DateField()),
        "starts_at",
        "ends_at",
    )
    rules: list[AvailabilityRule] = []
    exceptions: list[AvailabilityException] = []
    for kind, weekday, start_time, end_time, effective_from, effective_until, exc_start, exc_end in rule_rows.union(
        exception_rows, all=True
    ):
        if kind == _RULE:
            rules.append(
                AvailabilityRule(
                    clinician=clinician,
                    weekday=weekday,
                    start_time=start_time,
                    end_time=end_time,
                    effective_from=effective_from,
                    effective_until=effective_until,
                )
            )
        else:
            exceptions.append(
                AvailabilityException(clinician=clinician, kind=kind, starts_at=exc_start, ends_at=exc_end)
            )
    return rules, exceptions
