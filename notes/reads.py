"""Clinical reads with their audit, for the API's views and the pages alike: the read path audits itself, so a
page cannot show clinical content without leaving the same events as the API (ACCESS.md). Each event names
objects only, never clinical facts.

A composite read (timeline, session prep) writes ONE event naming the client and, under `notes`, every progress
note it drew on: the trail still says which notes were read, in one row instead of one per note."""

from __future__ import annotations

from notes import checkins as relational
from notes import prep as prep_selectors
from notes import timeline as timeline_selectors
from notes.selectors import OPEN_WINDOW, SignedNotes
from practice.audit import audit_read_many, audit_record
from practice.models import AuditEvent, Membership


def _composite_read(*, actor: Membership, client, object_type: str, includes: list[str], notes) -> None:
    audit_record(
        actor=actor,
        action=AuditEvent.Action.READ,
        obj=client,
        object_type=object_type,
        detail={"includes": includes, "notes": sorted(set(notes))},
    )


def timeline_read(*, actor: Membership, client, before: int | None = None, open_before: int | None = None) -> dict:
    """The relational timeline of a client the caller has scoped (one window of sessions, one of open ruptures, the
    whole summary), audited: one `notes.timeline` event naming every note it drew on, and one event per check-in
    read."""
    timeline = timeline_selectors.client_timeline(actor=actor, client=client, before=before, open_before=open_before)
    read = timeline.pop("read")
    relational.audit_checkin_reads(actor=actor, checkin_ids=read["checkins"])
    _composite_read(
        actor=actor, client=client, object_type="notes.timeline", includes=["notes", "measures"], notes=read["notes"]
    )
    return timeline


def timeline_summary_read(*, actor: Membership, client) -> dict:
    """The timeline's summary alone, audited as a timeline read of every note it counts."""
    summary = timeline_selectors.client_timeline_summary(actor=actor, client=client)
    read = summary.pop("read")
    del summary["signed"], summary["scores"]
    _composite_read(
        actor=actor, client=client, object_type="notes.timeline", includes=["notes", "measures"], notes=read["notes"]
    )
    return summary


def session_prep_page_read(*, actor: Membership, client, open_limit: int | None) -> tuple[dict, dict]:
    """The prep page's two reads, (session prep without free text, the timeline's summary), each audited as on its
    own (`session_prep_read`, `timeline_summary_read`): prep reuses the signed notes and scores the summary read
    for this actor, so neither the scope nor the scores are read twice."""
    summary = timeline_selectors.client_timeline_summary(actor=actor, client=client)
    read, signed, scores = summary.pop("read"), summary.pop("signed"), summary.pop("scores")
    (prep,) = session_prep_read(
        actor=actor, clients=[client], free_text=False, open_limit=open_limit, signed=signed, scores=scores
    )
    _composite_read(
        actor=actor, client=client, object_type="notes.timeline", includes=["notes", "measures"], notes=read["notes"]
    )
    return prep, summary


def session_prep_read(
    *,
    actor: Membership,
    clients,
    free_text: bool = True,
    open_limit: int | None = OPEN_WINDOW,
    open_before: int | None = None,
    signed: SignedNotes | None = None,
    scores: list[dict] | None = None,
) -> list[dict]:
    """Session prep per client, audited: the latest check-in, and one `notes.session_prep` event per client naming
    the notes it read (the last plan, the notes of the open ruptures shown) and covering its measures and risk
    flags. `free_text=False`: the open ruptures' free text is neither decrypted nor returned (a caller not showing
    it); `open_limit`: how many of the most recent open ruptures (None: all), `open_before`: those before this one
    (one client); `signed`, `scores`: already read for this actor and the one client (`session_prep_page_read`)."""
    if (signed is not None or scores is not None) and len(clients) != 1:
        raise ValueError("signed notes and scores are one client's")
    preps = [
        prep_selectors.session_prep(
            actor=actor,
            client=client,
            free_text=free_text,
            open_limit=open_limit,
            open_before=open_before,
            signed=signed,
            scores=scores,
        )
        for client in clients
    ]
    relational.audit_checkin_reads(
        actor=actor, checkin_ids=[p["latest_checkin"]["checkin"] for p in preps if p["latest_checkin"]]
    )
    for client, prep in zip(clients, preps, strict=True):
        notes = prep.pop("read")["notes"]
        _composite_read(
            actor=actor,
            client=client,
            object_type="notes.session_prep",
            includes=["notes", "measures", "risk_flags"],
            notes=notes,
        )
    return preps


def caseload_attention_read(*, actor: Membership) -> list[dict]:
    """One `list` event naming no client: which clients the list shows (an open rupture, a safety flag) is itself
    clinical, and the admin reads the trail. The check-in answers the rows carry are covered by that one event
    (one read event per check-in would file, under this request's id, exactly the clients with a strain)."""
    rows = prep_selectors.caseload_attention(actor=actor)
    audit_record(actor=actor, action=AuditEvent.Action.LIST, object_type="notes.caseload_attention")
    return rows


def note_read(*, actor: Membership, note) -> None:
    """One note shown in full (the API's retrieve, the note page)."""
    audit_record(actor=actor, action=AuditEvent.Action.READ, obj=note)


def notes_listed(*, actor: Membership, notes) -> None:
    audit_read_many(actor=actor, objects=list(notes))
