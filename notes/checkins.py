"""Both sides of the relationship, session by session: the ruptures the signed note records beside what the
client said in their session check-in (intake/services/checkins.py), with the disagreements named.

A check-in is set beside the signed progress note of the same appointment and client. The client's side is
"felt a strain" when they answered that there was a moment they felt misunderstood, pushed or distant (a little,
somewhat or a lot), and "talked through" when they answered that it was talked through mostly or fully.

Disagreements (`code`, with a sentence in words):
- `strain_not_in_note`: the client felt a strain the note does not record (a possible missed rupture);
- `repaired_but_not_talked_through`: the note says a rupture was repaired, the client says it was not talked
  through (not at all, or only a little);
- `rupture_not_felt`: the note records a rupture the client did not feel.

An "unrepaired strain" (caseload attention) is the client's view alone: a strain not talked through, whatever the
note says (or before the note is signed).

Everything here reads through scoped selectors (intake.checkin_selectors, notes.selectors.progress_note_list),
and `audit_checkin_reads` is the audit of the read path: one event per check-in read, naming the object only.
"""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

from django.utils import formats

from intake.builtins import FELT_STRAIN_CHOICES, TALKED_THROUGH_CHOICES
from intake.checkin_selectors import answered_checkins_by_client, client_view, latest_answered_checkins
from intake.models import SessionCheckIn
from notes.models import RuptureEvent
from notes.selectors import LOCKED, progress_note_list
from practice.audit import audit_read_many
from practice.models import Membership

STRAIN = {"a_little", "somewhat", "a_lot"}
TALKED_THROUGH = {"mostly", "fully"}
DISAGREEMENTS = ("strain_not_in_note", "repaired_but_not_talked_through", "rupture_not_felt")
UNREPAIRED_STRAIN = "checkin_unrepaired_strain"
_FELT = {c["value"]: c["label"].lower() for c in FELT_STRAIN_CHOICES}
_TALKED = {c["value"]: c["label"].lower() for c in TALKED_THROUGH_CHOICES}


def felt_strain_words(code: str | None) -> str:
    """The client's answer to "was there a moment you felt misunderstood, pushed or distant?" in their words."""
    return _FELT.get(code or "", "not answered")


def talked_through_words(code: str | None) -> str:
    """The client's answer to "was it talked through?" in their words (asked only after a strain)."""
    return _TALKED.get(code or "", "not asked" if code is None else "not answered")


def felt_strain(view: dict) -> bool:
    return view.get("felt_strain") in STRAIN


def unrepaired_strain(view: dict) -> bool:
    return felt_strain(view) and view.get("talked_through") not in TALKED_THROUGH


def disagreements(view: dict, note_ruptures: list[dict] | None) -> list[dict]:
    """The named disagreements between the client's view and the note's ruptures (None: no signed note yet)."""
    if note_ruptures is None or view.get("felt_strain") is None:
        return []
    out = []
    felt = felt_strain(view)
    if felt and not note_ruptures:
        out.append(
            {
                "code": "strain_not_in_note",
                "text": f"The client felt a strain ({_FELT[view['felt_strain']]}) that the note does not record.",
            }
        )
    if not felt and note_ruptures:
        n = len(note_ruptures)
        out.append(
            {
                "code": "rupture_not_felt",
                "text": f"The note records {'a rupture' if n == 1 else f'{n} ruptures'}; "
                "the client did not feel a strain.",
            }
        )
    if (
        felt
        and view.get("talked_through") not in TALKED_THROUGH
        and any(r["outcome"] == "repaired" for r in note_ruptures)
    ):
        said = _TALKED.get(view.get("talked_through"), "not")
        out.append(
            {
                "code": "repaired_but_not_talked_through",
                "text": f"The note says the rupture was repaired; the client says it was talked through {said}.",
            }
        )
    return out


def _note_side(ruptures: list[dict] | None, note_id: int | None) -> dict | None:
    if ruptures is None:
        return None
    return {
        "note": note_id,
        "ruptures": len(ruptures),
        "repaired": sum(1 for r in ruptures if r["outcome"] == "repaired"),
        "families": sorted({r["family"] for r in ruptures}),
        "outcomes": [r["outcome"] for r in ruptures],
    }


def two_views(checkin: SessionCheckIn, *, note_id: int | None, note_ruptures: list[dict] | None) -> dict:
    """One session's both sides: the client's answers, the note's ruptures, the disagreements first."""
    view = client_view(checkin)
    found = disagreements(view, note_ruptures)
    return {
        "disagreements": found,
        "checkin": checkin.pk,
        "appointment_id": checkin.appointment_id,
        "session_at": checkin.session_at,
        "answered_at": checkin.answered_at,
        "client_view": {**view, "felt_strain_any": felt_strain(view), "unrepaired_strain": unrepaired_strain(view)},
        "note_view": _note_side(note_ruptures, note_id),
        "agree": None if note_ruptures is None or view.get("felt_strain") is None else not found,
    }


def _notes_for(actor: Membership, client_id: int, appointment_ids: list[int]) -> dict[int, tuple[int, list[dict]]]:
    """{appointment_id: (note id, [rupture rows])} of the client's signed notes for those appointments. 2 queries."""

    notes = dict(
        progress_note_list(actor=actor)
        .filter(client_id=client_id, appointment_id__in=appointment_ids, status__in=LOCKED)
        .order_by("session_at", "id")
        .values_list("appointment_id", "id")
    )
    by_note: dict[int, list[dict]] = {n: [] for n in notes.values()}
    for r in RuptureEvent.objects.filter(note_id__in=list(by_note)).values("note_id", "family", "outcome"):
        by_note[r["note_id"]].append(r)
    return {a: (n, by_note[n]) for a, n in notes.items()}


def client_two_views(*, actor: Membership, client) -> list[dict]:
    """Every answered check-in of the client, oldest first, each beside its session's signed note (if any)."""
    checkins = answered_checkins_by_client(actor=actor, client_ids=[client.pk]).get(client.pk, [])
    notes = _notes_for(actor, client.pk, [c.appointment_id for c in checkins])
    rows = []
    for c in checkins:
        note_id, ruptures = notes.get(c.appointment_id, (None, None))
        rows.append(two_views(c, note_id=note_id, note_ruptures=ruptures))
    return rows


def agreement_summary(rows: list[dict]) -> dict:
    """How often the two views agree over the treatment (sessions with both an answered check-in and a note)."""
    compared = [r for r in rows if r["agree"] is not None]
    agree = sum(1 for r in compared if r["agree"])
    by_kind = Counter(d["code"] for r in compared for d in r["disagreements"])
    return {
        "checkins_answered": len(rows),
        "compared": len(compared),
        "agree": agree,
        "agreement_rate": round(agree / len(compared), 3) if compared else None,
        "disagreements": {code: by_kind.get(code, 0) for code in DISAGREEMENTS},
        "unrepaired_strains": sum(1 for r in rows if r["client_view"]["unrepaired_strain"]),
    }


# --- what the timeline, session prep and caseload attention add (called from notes/selectors.py) ------------


def timeline_add_checkins(
    timeline: dict, *, checkins: list[SessionCheckIn], notes: list[dict], ruptures_by_note: dict[int, list[dict]]
) -> list[int]:
    """Set each shown session's check-in beside it (`session["checkin"]`), list the check-ins whose session has no
    signed note yet, and add the agreement summary over every signed note (`notes`: id and appointment_id, oldest
    first; `ruptures_by_note` holds at least the ruptures of each note with a check-in). Returns the ids of the
    check-ins read."""
    by_appointment = {c.appointment_id: c for c in checkins}
    views = {}
    for note in notes:
        checkin = by_appointment.pop(note["appointment_id"], None) if note["appointment_id"] else None
        if checkin:
            views[note["id"]] = two_views(
                checkin, note_id=note["id"], note_ruptures=ruptures_by_note.get(note["id"], [])
            )
    for session in timeline["sessions"]:
        session["checkin"] = views.get(session["id"])
    waiting = [two_views(c, note_id=None, note_ruptures=None) for c in by_appointment.values()]
    timeline["checkins_without_note"] = waiting
    timeline["summary"]["two_views"] = agreement_summary([*views.values(), *waiting])
    return [r["checkin"] for r in [*views.values(), *waiting]]


def prep_latest_checkin(*, actor: Membership, client) -> dict | None:
    """The latest answered check-in with the client's words and its disagreements first, for session prep."""
    latest = latest_answered_checkins(actor=actor, client_ids=[client.pk]).get(client.pk)
    if latest is None:
        return None
    note_id, ruptures = _notes_for(actor, client.pk, [latest.appointment_id]).get(latest.appointment_id, (None, None))
    return two_views(latest, note_id=note_id, note_ruptures=ruptures)


def _reason_text(checkin: SessionCheckIn, view: dict, time_zone: str) -> str:
    day = formats.date_format(checkin.session_at.astimezone(ZoneInfo(time_zone)), "j F Y")
    talked = _TALKED.get(view.get("talked_through"), "not")
    return (
        f"In their check-in after the session of {day}, the client felt a strain ({_FELT[view['felt_strain']]}) "
        f"and says it was talked through {talked}."
    )


def caseload_checkin_attention(*, actor: Membership, client_ids: list[int]) -> dict[int, dict]:
    """{client_id: {...}} for clients whose latest answered check-in reports a strain not talked through. 1 query."""
    out = {}
    for client_id, latest in latest_answered_checkins(actor=actor, client_ids=client_ids).items():
        view = client_view(latest)
        if unrepaired_strain(view):
            out[client_id] = {
                "checkin": latest.pk,
                "session_at": latest.session_at,
                "felt_strain": view["felt_strain"],
                "talked_through": view["talked_through"],
                "reason_text": _reason_text(latest, view, actor.practice.time_zone),
            }
    return out


def audit_checkin_reads(*, actor: Membership, checkin_ids) -> None:
    """The read path's audit of the check-ins a clinical read returned: one event per check-in, object only."""
    ids = sorted(set(checkin_ids))
    if ids:
        audit_read_many(actor=actor, objects=[SessionCheckIn(pk=i) for i in ids])
