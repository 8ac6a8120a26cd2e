"""Writing the audit trail. Reading it is `selectors.audit_event_list`.

An event says who did what to which object (type and id). Its `detail` may add only what names objects
and the kind of change: the keys of `AUDIT_DETAIL_KEYS`, with plain short values. Never a clinical fact,
not even a derived one: not which clients a clinical list showed (who is flagged or falling), not which
questions a client answered (a conditional question answered gives away the answer that opened it), no
score, no count of flags. The admin reads the trail and sees no clinical content (ACCESS.md), so the
trail must not become a side door to it. An unknown key is a programming error: `audit_record` refuses it
loudly rather than storing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import models

from core.request_context import current_request
from practice.models import AuditEvent, Membership, Practice, User

# Each key, and what it may hold. Adding one is a review question: does it name an object or the kind of
# change, and could the admin learn anything clinical from it?
AUDIT_DETAIL_KEYS: Mapping[str, str] = {
    # what changed
    "fields": "names of the fields written (never their values)",
    "roles": "the roles a membership or invitation holds",
    "is_active": "active flag set on the object",
    "status": "the object's workflow status after the change (appointment, note)",
    "state": "the object's state after the change (a series)",
    "mode": "appointment mode change {from, to}",
    "room": "room change {from, to} (room ids)",
    "ended": "a supervision ended",
    "closed": "a rupture closed",
    "acknowledged": "a risk flag acknowledged",
    "fulfilled": "a wait-list entry fulfilled",
    "requested": "an appointment requested by the client",
    "resolution": "how a skipped occurrence was resolved",
    "cosign": "the signature is a co-signature",
    "content_hash": "SHA-256 of a signed note (integrity, reveals nothing)",
    "version": "a form version number",
    "published": "the form version number published",
    "steps": "how many steps a practice's reminder policy has (configuration)",
    "booked": "occurrences of a series booked",
    "cancelled_occurrences": "occurrences of a series cancelled",
    "withdrawn_skipped": "skipped occurrences of a series withdrawn",
    "resend": "a message sent again",
    "mfa": "second-factor change (reset)",
    "link": "what became of a signed link (revoked, kept)",
    "invitation": "what was done with an invitation (resent, revoked, superseded)",
    "by": "who a status change came from (client, staff)",
    "action": "the action taken through a signed link (confirm, cancel)",
    "via": "the channel (portal, link, invitation)",
    "includes": "the kinds of content a composite read shows (a fixed list per view)",
    # which objects (ids)
    "ids": "the ids a list read showed (demographic lists only, never a clinical selection)",
    "client": "the client id the object belongs to",
    "clients": "the client ids of an appointment or series (its participants)",
    "clinician": "the clinician id of a care-team change",
    "series": "the series id",
    "appointment": "the appointment id a session check-in belongs to",
    "packet": "the packet id a session check-in was sent as",
    "note": "the note id an addendum belongs to",
    "notes": "the progress-note ids a composite clinical read (timeline, session prep) drew on: every note read",
    "amends": "the response id an amendment corrects",
    "forms": "the form ids assigned in a packet",
    "message": "the outbox message id",
    "code": "a practice taxonomy entry's code (configuration)",
    "superseded_by": "the invitation id that replaced this one",
    # the request
    "client_request_id": "the caller's own X-Request-ID, kept beside the server's request id",
}

_MAX_TEXT = 100
_SCALARS = (str, int, bool, type(None))


class AuditDetailRefused(ValueError):
    """A caller tried to put into the audit trail something the allow-list does not name (a bug)."""


def _plain(value, key: str) -> None:
    if isinstance(value, str) and len(value) > _MAX_TEXT:
        raise AuditDetailRefused(f"Audit detail {key!r} holds a text of {len(value)} characters: only short codes.")
    if not isinstance(value, _SCALARS):
        raise AuditDetailRefused(f"Audit detail {key!r} holds a {type(value).__name__}: only ids and codes.")


def audit_detail_check(detail: Mapping) -> dict:
    """The detail as stored, or AuditDetailRefused naming the first key or value outside the rules."""
    unknown = sorted(set(detail) - set(AUDIT_DETAIL_KEYS))
    if unknown:
        raise AuditDetailRefused(f"Audit detail key(s) not in AUDIT_DETAIL_KEYS: {', '.join(unknown)}.")
    for key, value in detail.items():
        if isinstance(value, list | tuple):
            for item in value:
                _plain(item, key)
        elif isinstance(value, dict):
            if not set(value) <= {"from", "to"}:
                raise AuditDetailRefused(f"Audit detail {key!r} may only hold a change {{from, to}}.")
            for item in value.values():
                _plain(item, key)
        else:
            _plain(value, key)
    return dict(detail)


def _with_request(detail: Mapping | None) -> dict:
    checked = audit_detail_check(detail or {})
    caller_id = current_request.get().client_request_id
    if caller_id:
        checked["client_request_id"] = caller_id
    return checked


def audit_record(
    *,
    actor: Membership | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    practice: Practice | None = None,
    user: User | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event. `detail` keys must be in AUDIT_DETAIL_KEYS (AuditDetailRefused otherwise)."""
    ctx = current_request.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    return AuditEvent.objects.create(
        practice=practice or (actor.practice if actor else None),
        actor=user or (actor.user if actor else None),
        acting_role=",".join(actor.roles) if actor else "",
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        ip_address=ctx.ip_address,
        request_id=ctx.request_id,
        detail=_with_request(detail),
    )


def audit_read_many(*, actor: Membership, objects: Iterable[models.Model], object_type: str | None = None) -> None:
    """One event per object read in a list, written in one statement."""
    ctx = current_request.get()
    detail = _with_request(None)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            practice=actor.practice,
            actor=actor.user,
            acting_role=",".join(actor.roles),
            action=AuditEvent.Action.READ,
            object_type=object_type or obj._meta.label_lower,
            object_id=str(obj.pk),
            ip_address=ctx.ip_address,
            request_id=ctx.request_id,
            detail=detail,
        )
        for obj in objects
    )


def audit_list_read(*, actor: Membership, objects: Iterable[models.Model], object_type: str) -> AuditEvent:
    """One event for one list read, naming the ids it showed (for lists whose selection is not clinical)."""
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.LIST,
        object_type=object_type,
        detail={"ids": [obj.pk for obj in objects]},
    )
