"""Before the session and across the caseload: session prep for one client, and the caseload's clients needing
attention first. Read through the scoped selectors (notes/selectors.py, intake's); audited by notes/reads.py.

Session prep decrypts only what it shows: the last signed note's content (for its plan; not its other encrypted
fields), and the open ruptures' free text only when the caller shows it (the API does; the page shows family,
markers and strategies). It reads plain values, not model instances: at 200 open ruptures, building and
prefetching instances cost more than everything else together.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from intake.selectors import scores_by_client
from notes import checkins as relational
from notes import measures
from notes.models import Family, ProgressNote, RuptureEvent
from notes.selectors import (
    LOCKED,
    OPEN_WINDOW,
    SignedNotes,
    open_rupture_window,
    open_window_of,
    progress_note_list,
    related_codes,
)
from practice.models import Client, Membership
from practice.selectors import acting_clinician

RUPTURE_FREE_TEXT = ("therapist_contribution", "client_response", "closed_reason")


def _open_rupture_rows(
    actor: Membership,
    client: Client,
    *,
    free_text: bool,
    size: int | None,
    before: int | None,
    signed: SignedNotes | None = None,
) -> tuple[list[tuple[int, dict]], dict]:
    """One window of the client's open ruptures, oldest session first, as (note id, row in RuptureOutput's shape),
    and the `open_window` describing it (notes.selectors.open_window_of). One query (two with `before`).

    With `free_text`, the therapist's contribution, the client's response and the closed reason are decrypted and
    returned (the API), for the rows of the window only; without it they are never read, and the row carries the
    labels and session time the page shows instead."""
    qs = open_rupture_window(actor=actor, client=client, before=before, notes=signed)
    fields = ["id", "note_id", "note__session_at", "minute", "family", "intensity", "outcome", "resolved_at"]
    fields += ["resolved_in_note_id", "open_count", *(RUPTURE_FREE_TEXT if free_text else ())]
    shown = "code" if free_text else "label"
    rows = qs.values(*fields).annotate(
        marker_list=related_codes(RuptureEvent, "markers", shown),
        strategy_list=related_codes(RuptureEvent, "strategies", shown),
    )
    fetched = list(rows if size is None else rows[: size + 1])
    fetched, window = open_window_of(
        fetched, size=size, before=before, open_count=fetched[0]["open_count"] if fetched else 0
    )
    families = dict(Family.choices)
    outcomes = dict(RuptureEvent.Outcome.choices)
    out = []
    for r in fetched:
        row = {
            "id": r["id"],
            "minute": r["minute"],
            "family": r["family"],
            "intensity": r["intensity"],
            "outcome": r["outcome"],
            "is_open": True,
            "resolved_at": r["resolved_at"],
            "resolved_in_note": r["resolved_in_note_id"],
        }
        if free_text:
            row.update({field: r[field] for field in RUPTURE_FREE_TEXT})
            row.update(markers=r["marker_list"], strategies=r["strategy_list"])
        else:
            row.update(
                note_id=r["note_id"],
                session_at=r["note__session_at"],
                family_label=families.get(r["family"], r["family"]),
                outcome_label=outcomes.get(r["outcome"], r["outcome"]),
                marker_labels=r["marker_list"],
                strategy_labels=r["strategy_list"],
            )
        out.append((r["note_id"], row))
    return out, window


def _last_note(actor: Membership, client: Client) -> dict | None:
    """The last signed note in LastNoteBrief's shape: only its content is decrypted, for the plan."""
    row = (
        progress_note_list(actor=actor)
        .filter(client=client, status__in=LOCKED)
        .order_by("-session_at", "-id")
        .values("id", "session_at", "template__code", "status", "risk_level", "content")
        .first()
    )
    if row is None:
        return None
    last: dict[str, Any] = dict(row)
    content: dict = last.pop("content") or {}
    last["template"] = last.pop("template__code")
    return {**last, "plan": content.get("plan", "")}


def session_prep(
    *,
    actor: Membership,
    client: Client,
    free_text: bool = True,
    open_limit: int | None = OPEN_WINDOW,
    open_before: int | None = None,
    signed: SignedNotes | None = None,
    scores: list[dict] | None = None,
) -> dict:
    """What to hold in mind before the next session: last plan, open ruptures, latest measures, risk flags.

    Plain values in SessionPrepOutput's shape (tests/notes pin it). `free_text=False` leaves the open ruptures'
    free text encrypted and unread (a caller that does not show it). Open ruptures come in a window: the
    `open_limit` most recent (None: all of them), or those before the rupture `open_before`, described by
    `open_window` (with the count of them all). The key `read` names the notes read, for the read path's audit
    (notes/reads.py), and is not part of the answer.

    `signed` and `scores`: the client's signed notes and measure scores when the caller has just read them for the
    same actor (the prep page, which shows the timeline's summary too), so neither is read twice."""
    last = _last_note(actor, client)
    carried, open_window = _open_rupture_rows(
        actor, client, free_text=free_text, size=open_limit, before=open_before, signed=signed
    )
    if scores is None:
        by_client = scores_by_client(actor=actor, client_ids=[client.pk], form_slugs=measures.MEASURE_SLUGS)
        scores = by_client.get(client.pk, [])
    latest: dict[str, dict] = {}
    for score in scores:
        latest[score["measure"]] = score
    cutoff = measures.alliance_cutoff(actor.practice)
    read = ([last["id"]] if last else []) + [note_id for note_id, _ in carried]
    return {
        "client": client.pk,
        "latest_checkin": relational.prep_latest_checkin(actor=actor, client=client),  # the client's words first
        "last_note": last,
        "open_ruptures": [row for _, row in carried],
        "open_window": open_window,
        "latest_measures": list(latest.values()),
        "alliance": measures.alliance_state(scores, cutoff=cutoff, now=timezone.now()),
        "alliance_cutoff": cutoff,
        "risk_flags": measures.open_risk_flags(actor=actor, client_id=client.pk),
        "read": {"notes": sorted(set(read))},
    }


def caseload_attention(*, actor: Membership) -> list[dict]:
    """The actor's own clients needing attention first: open ruptures, a falling or low alliance score."""
    clinician = acting_clinician(actor)
    if clinician is None:
        return []
    open_count = (
        RuptureEvent.objects.filter(client=OuterRef("pk"), resolved_at__isnull=True, note__status__in=LOCKED)
        .order_by()
        .values("client")
        .annotate(n=Count("id"))
        .values("n")
    )
    max_intensity = (
        RuptureEvent.objects.filter(client=OuterRef("pk"), resolved_at__isnull=True, note__status__in=LOCKED)
        .order_by()
        .values("client")
        .annotate(m=Max("intensity"))
        .values("m")
    )
    last_session = (
        ProgressNote.objects.filter(client=OuterRef("pk"), status__in=LOCKED)
        .order_by()
        .values("client")
        .annotate(m=Max("session_at"))
        .values("m")
    )
    clients = list(
        Client.objects.filter(practice=actor.practice, care_team__clinician=clinician, is_active=True)
        .annotate(
            open_ruptures=Coalesce(Subquery(open_count), 0),
            max_open_intensity=Subquery(max_intensity),
            last_session_at=Subquery(last_session),
        )
        .values(
            "id", "first_name", "preferred_name", "last_name", "open_ruptures", "max_open_intensity", "last_session_at"
        )
    )
    scores = scores_by_client(actor=actor, client_ids=[c["id"] for c in clients], form_slugs=measures.MEASURE_SLUGS)
    cutoff = measures.alliance_cutoff(actor.practice)
    now = timezone.now()
    strains = relational.caseload_checkin_attention(actor=actor, client_ids=[c["id"] for c in clients])
    flags = measures.open_risk_flags_by_client(actor=actor, client_ids=[c["id"] for c in clients])
    out = []
    for c in clients:
        alliance = measures.alliance_state(scores.get(c["id"], []), cutoff=cutoff, now=now)
        reasons = [code for code in measures.flag_reasons(flags.get(c["id"], []))]
        if c["open_ruptures"]:
            reasons.append("open_ruptures")
        if alliance["falling"]:
            reasons.append("alliance_falling")
        if alliance["low_this_week"]:
            reasons.append("alliance_low_this_week")
        if c["id"] in strains:
            reasons.append(relational.UNREPAIRED_STRAIN)
        if reasons:
            out.append(
                {
                    "client": c["id"],
                    "name": f"{c['preferred_name'] or c['first_name']} {c['last_name']}",
                    "reasons": reasons,
                    "open_ruptures": c["open_ruptures"],
                    "max_open_intensity": c["max_open_intensity"],
                    "last_session_at": c["last_session_at"],
                    "alliance": alliance,
                    "checkin": strains.get(c["id"]),
                    "risk_flags": flags.get(c["id"], []),
                    "reason_text": measures.reason_words(reasons, c, alliance, cutoff, flags.get(c["id"], []), strains),
                }
            )
    # A safety flag (PHQ-9 item 9) first whatever else, then any open risk flag, then the count of reasons.
    out.sort(
        key=lambda row: (
            measures.SAFETY_REASON not in row["reasons"],
            measures.RISK_REASON not in row["reasons"],
            -len(row["reasons"]),
            -(row["max_open_intensity"] or 0),
            -row["open_ruptures"],
        )
    )
    return out
