"""Practice set-up that admins keep: locations, rooms, appointment types."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from practice import roles
from practice.models import Membership
from practice.services.access import require_role
from scheduling.models import AppointmentType, Location, Room


def _save(actor: Membership, obj, fields: dict[str, Any]):
    require_role(actor, {roles.ADMIN})
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def location_save(*, actor: Membership, location: Location | None = None, **fields: Any) -> Location:
    return _save(actor, location or Location(practice=actor.practice), fields)


@transaction.atomic
def room_save(*, actor: Membership, room: Room | None = None, **fields: Any) -> Room:
    return _save(actor, room or Room(practice=actor.practice), fields)


@transaction.atomic
def appointment_type_save(
    *, actor: Membership, appointment_type: AppointmentType | None = None, **fields: Any
) -> AppointmentType:
    return _save(actor, appointment_type or AppointmentType(practice=actor.practice), fields)
