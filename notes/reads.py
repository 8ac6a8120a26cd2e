"""Clinical reads with their audit, for the API's views and the pages alike: the read path audits itself, so a
page cannot show clinical content without leaving the same events as the API (ACCESS.md). Each event names
objects only, never clinical facts."""

from __future__ import annotations

from notes import checkins as relational
from notes import selectors
from notes.models import ProgressNote
from practice.audit import audit_read_many, audit_record
from practice.models import AuditEvent, Membership


def timeline_read(*, actor: Membership, client) -> dict:
    """The relational timeline of a client the caller has scoped, audited: each note, each check-in, and one
    `notes.timeline` event for the measures it shows."""
    timeline = selectors.client_timeline(actor=actor, client=client)
    audit_read_many(actor=actor, objects=[ProgressNote(pk=s["id"]) for s in timeline["sessions"]])
    relational.audit_checkin_reads(actor=actor, checkin_ids=relational.timeline_checkin_ids(timeline))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.READ,
        obj=client,
        object_type="notes.timeline",
        detail={"includes": ["notes", "measures"]},
    )
    return timeline


def session_prep_read(*, actor: Membership, clients) -> list[dict]:
    """Session prep per client, audited: the notes it reads one by one (last plan, open ruptures' notes), the
    latest check-in, and one `notes.session_prep` read per client for its measures and risk flags."""
    preps = [selectors.session_prep(actor=actor, client=client) for client in clients]
    read = [p["last_note"] for p in preps if p["last_note"]]
    read += [ProgressNote(pk=r.note_id) for p in preps for r in p["open_ruptures"]]
    audit_read_many(actor=actor, objects={n.pk: n for n in read}.values(), object_type="notes.progressnote")
    relational.audit_checkin_reads(
        actor=actor, checkin_ids=[p["latest_checkin"]["checkin"] for p in preps if p["latest_checkin"]]
    )
    for client in clients:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.READ,
            obj=client,
            object_type="notes.session_prep",
            detail={"includes": ["notes", "measures", "risk_flags"]},
        )
    return preps


def caseload_attention_read(*, actor: Membership) -> list[dict]:
    """One `list` event naming no client: which clients the list shows (an open rupture, a safety flag) is itself
    clinical, and the admin reads the trail. The check-in answers the rows carry are covered by that one event
    (one read event per check-in would file, under this request's id, exactly the clients with a strain)."""
    rows = selectors.caseload_attention(actor=actor)
    audit_record(actor=actor, action=AuditEvent.Action.LIST, object_type="notes.caseload_attention")
    return rows


def note_read(*, actor: Membership, note) -> None:
    """One note shown in full (the API's retrieve, the note page)."""
    audit_record(actor=actor, action=AuditEvent.Action.READ, obj=note)


def notes_listed(*, actor: Membership, notes) -> None:
    audit_read_many(actor=actor, objects=list(notes))
