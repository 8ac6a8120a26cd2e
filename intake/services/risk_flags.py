"""A clinician acknowledges a risk flag raised by a scored measure."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, InvalidTransition, NotAllowed
from intake.models import RiskFlag
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Membership
from practice.selectors import acting_clinician
from practice.services.access import require_role


@transaction.atomic
def risk_flag_acknowledge(*, actor: Membership, flag: RiskFlag, note: str) -> RiskFlag:
    require_role(actor, {roles.CLINICIAN})
    clinician = acting_clinician(actor)
    if clinician is None:
        raise NotAllowed("Only a clinician acknowledges a risk flag.")
    if not note or not note.strip():
        raise DomainError("Say what you did.", fields={"note": ["A note is required."]})
    flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.acknowledged_at is not None:
        raise InvalidTransition("This flag was already acknowledged.")
    flag.acknowledged_by = clinician
    flag.acknowledged_at = timezone.now()
    flag.acknowledgement_note = note.strip()
    flag.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement_note"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=flag, detail={"acknowledged": True})
    return flag
