"""Measure schedules: a measure sent to a client every N days, as a packet of its own."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from intake.models import FormDefinition, MeasureSchedule
from intake.services.packets import ASSIGNERS, _packet_create
from practice.audit import audit_record
from practice.models import AuditEvent, Client, Membership
from practice.services.access import require_role


@transaction.atomic
def schedule_create(
    *, actor: Membership, client: Client, form: FormDefinition, interval_days: int, first_due_on: dt.date
) -> MeasureSchedule:
    """The client and the measure come scoped from the door (ScheduleSerializer: the caller's practice and caseload)."""
    require_role(actor, ASSIGNERS)
    if form.kind != FormDefinition.Kind.MEASURE:
        raise DomainError("Only measures are scheduled.", fields={"form": ["Not a measure."]})
    schedule = MeasureSchedule.objects.create(
        practice=actor.practice,
        client=client,
        form=form,
        interval_days=interval_days,
        next_due_on=first_due_on,
        created_by=actor,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=schedule, detail={"client": client.pk})
    return schedule


@transaction.atomic
def schedule_end(*, actor: Membership, schedule: MeasureSchedule) -> MeasureSchedule:
    require_role(actor, ASSIGNERS)
    schedule.is_active = False
    schedule.save(update_fields=["is_active"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=schedule, detail={"is_active": False})
    return schedule


def schedules_run(*, today: dt.date | None = None) -> int:
    """Send every due administration once. Safe to run twice: a schedule is claimed by moving its date on."""
    today = today or timezone.localdate()
    sent = 0
    due_ids = list(MeasureSchedule.objects.filter(is_active=True, next_due_on__lte=today).values_list("pk", flat=True))
    for schedule_id in due_ids:
        with transaction.atomic():
            schedule = (
                MeasureSchedule.objects.select_for_update(skip_locked=True)
                .select_related("client", "form", "practice")
                .filter(pk=schedule_id, is_active=True, next_due_on__lte=today)
                .first()
            )
            if schedule is None:
                continue
            _packet_create(
                practice=schedule.practice,
                client=schedule.client,
                forms=[schedule.form],
                due_on=schedule.next_due_on,
                assigned_by=schedule.created_by,
                send_invitation=True,
                schedule=schedule,
            )
            while schedule.next_due_on <= today:
                schedule.next_due_on += dt.timedelta(days=schedule.interval_days)
            schedule.save(update_fields=["next_due_on"])
            sent += 1
    return sent
