"""Writes to the practice itself."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.errors import DomainError
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Invitation, Membership, Practice
from practice.services.access import require_role
from practice.services.members import INVITATION
from practice.settings_schema import settings_merge
from practice.signals import practice_created
from reminders.models import OutboundMessage
from reminders.services.outbox import outbox_account_message_queue

PRACTICE_EDITABLE = {"name", "time_zone", "cancellation_window_hours", "settings"}


@transaction.atomic
def practice_update(*, actor: Membership, **changes: Any) -> Practice:
    require_role(actor, {roles.ADMIN})
    practice = Practice.objects.select_for_update().get(pk=actor.practice_id)
    for field, value in changes.items():
        if field not in PRACTICE_EDITABLE:
            raise DomainError(f"'{field}' cannot be changed here.", fields={field: ["Not editable."]})
        if field == "settings":  # a change of some keys, never a replacement (practice/settings_schema.py)
            value = settings_merge(practice.settings, value)
        setattr(practice, field, value)
    practice.full_clean()
    practice.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=practice, detail={"fields": sorted(changes)})
    return practice


@transaction.atomic
def practice_create(
    *, name: str, time_zone: str, admin_email: str, admin_name: str = "", slug: str = ""
) -> tuple[Practice, Invitation]:
    """Start a real practice (manage.py practice_create, the first-run page): the practice with its time zone,
    the rupture/repair taxonomy and the built-in intake forms seeded, and an invitation for its first admin,
    emailed through the outbox. Operators only: there is no actor yet, so nobody's role is checked here."""
    from django.core.exceptions import ValidationError
    from django.utils.text import slugify

    slug = slugify(slug or name)[:60]
    if Practice.objects.filter(slug=slug).exists():
        raise DomainError("A practice with this short name already exists.", fields={"slug": ["Already in use."]})
    practice = Practice(name=name.strip(), slug=slug, time_zone=time_zone)
    invitation = Invitation(practice=practice, email=admin_email.strip().lower(), full_name=admin_name.strip())
    invitation.roles = [roles.ADMIN]
    try:
        practice.full_clean()
        invitation.full_clean(exclude=["practice", "invited_by"], validate_constraints=False)
    except ValidationError as exc:
        fields = {
            ("admin_email" if k == "email" else "admin_name" if k == "full_name" else k): v
            for k, v in exc.message_dict.items()
        }
        raise DomainError("The practice could not be created.", fields=fields) from exc
    practice.save()
    invitation.practice = practice
    invitation.save()
    practice_created.send(sender=Practice, practice=practice)  # the apps seed their built-ins, in this transaction
    outbox_account_message_queue(  # as invitation_create: the email leaves through the outbox
        kind=OutboundMessage.Kind.STAFF_INVITATION,
        practice_id=practice.pk,
        subject_type=INVITATION,
        subject_id=str(invitation.pk),
    )
    audit_record(actor=None, action=AuditEvent.Action.CREATE, obj=practice, practice=practice)
    audit_record(
        actor=None, action=AuditEvent.Action.CREATE, obj=invitation, practice=practice, detail={"roles": [roles.ADMIN]}
    )
    return practice, invitation


FIRST_RUN_SALT = "attune.first-run"
FIRST_RUN_MAX_AGE = 24 * 3600


def _first_run_state() -> dict[str, Any]:
    from django.db.models import Max

    # Creating a practice changes this state, so a link works for one practice at most (one-time).
    return {"n": Practice.objects.count(), "m": Practice.objects.aggregate(m=Max("pk"))["m"] or 0}


def first_run_token() -> str:
    """An operator's one-time link to the first-run page on a server that already has practices."""
    from django.core import signing

    return signing.dumps(_first_run_state(), salt=FIRST_RUN_SALT)


def first_run_allowed(*, token: str = "") -> bool:
    """The first-run page is open while no practice exists, or with a valid one-time token."""
    from django.core import signing

    if not Practice.objects.exists():
        return True
    if not token:
        return False
    try:
        return bool(signing.loads(token, salt=FIRST_RUN_SALT, max_age=FIRST_RUN_MAX_AGE) == _first_run_state())
    except signing.BadSignature:
        return False
