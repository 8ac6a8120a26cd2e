"""The relational timeline of one client, read through the scoped note selector (notes/selectors.py).

The session list is windowed: the last `SESSION_WINDOW` signed sessions in full (ruptures, follow-ups, measures,
the client's check-in), earlier ones on demand with `before` (the id of the oldest session shown). The summary
(counts, repair rate, strategies, alliance trend, agreement of the two views) always covers every signed session:
it is computed by SQL aggregates, not by reading every rupture into Python. Open ruptures are windowed too, whatever
session they came from: the `OPEN_WINDOW` most recent, earlier ones with `open_before` (the id of the oldest open
rupture shown); the summary's `open` counts them all. No free text is read here, so nothing is decrypted;
psychotherapy notes never appear.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import CharField, Count, F, Q, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL

from intake.checkin_selectors import answered_checkins_by_client
from intake.selectors import scores_by_client
from notes import checkins as relational
from notes import measures
from notes.models import Family, RuptureEvent, RuptureFollowUp
from notes.selectors import (
    OPEN_WINDOW,
    SignedNotes,
    open_rupture_window,
    open_window_of,
    related_codes,
    signed_notes_of,
)
from practice.models import Client, Membership

SESSION_WINDOW = 20  # sessions shown in full per page of the timeline; the summary covers them all
SCORE_LEAD = timedelta(hours=6)  # a score belongs to the latest session that began no more than this after it


NOTE_FIELDS = ("id", "session_at", "status", "template__code", "risk_level", "appointment_id", "author_id")


def _rupture_counts() -> dict:
    """Per note, what the summary adds up: counts by outcome, family and state, and the intensities' sum. Counted
    in the notes' own query (one join), so the summary needs no statement of its own for them."""
    repaired = RuptureEvent.Outcome.REPAIRED
    not_repaired = [o for o in RuptureEvent.Outcome.values if o != repaired]
    return {
        "rupture_count": Count("ruptures"),
        "intensity_sum": Sum("ruptures__intensity", default=0),
        "repaired_in_session": Count("ruptures", filter=Q(ruptures__outcome=repaired)),
        "repaired_later": Count(
            "ruptures", filter=Q(ruptures__resolved_in_note__isnull=False, ruptures__outcome__in=not_repaired)
        ),
        "closed": Count("ruptures", filter=Q(ruptures__closed_by__isnull=False)),
        "open": Count("ruptures", filter=Q(ruptures__resolved_at__isnull=True)),
        **{f"family_{f}": Count("ruptures", filter=Q(ruptures__family=f)) for f in Family.values},
    }


def _signed_notes(actor: Membership, client: Client) -> SignedNotes:
    """Every signed note of the client the actor may read, oldest first, with its rupture counts: one query, and
    the scope every later read of this request reuses."""
    return signed_notes_of(actor=actor, client=client, fields=NOTE_FIELDS, **_rupture_counts())


def _some_of(notes: SignedNotes, ids: list[int]) -> RawSQL:
    """Those of `ids` that are in `notes`, for `__in`, as one array parameter (SignedNotes.id_array)."""
    scoped = set(notes.ids)
    return RawSQL("SELECT unnest(%s::bigint[])", [[i for i in ids if i in scoped]])


def _window(notes: list[dict], before: int | None, size: int) -> tuple[list[dict], int | None]:
    """The `size` sessions just older than `before` (the latest ones without it) and the cursor for earlier ones."""
    older = notes
    if before is not None:
        index = next((i for i, n in enumerate(notes) if n["id"] == before), None)
        if index is None:
            raise ValidationError({"before": ["No session of this client's timeline has this id."]})
        older = notes[:index]
    shown = older[-size:] if size else []
    earlier = shown[0]["id"] if len(older) > len(shown) and shown else None
    return shown, earlier


RUPTURE_FIELDS = (
    "id",
    "note_id",
    "note__session_at",
    "minute",
    "family",
    "intensity",
    "outcome",
    "resolved_at",
    "resolved_in_note_id",
    "closed_by_id",
    "position",
)


def _rupture_values(rupture_qs, part: int) -> QuerySet:
    """Structured rupture data (no free text) with marker and strategy codes; `part` tells the two halves of
    `_ruptures`' union apart, and `open_count` is only the open window's (notes.selectors.open_rupture_window)."""
    if "open_count" not in rupture_qs.query.annotations:
        rupture_qs = rupture_qs.annotate(open_count=Value(0))
    return rupture_qs.values(*RUPTURE_FIELDS, "open_count").annotate(
        markers=related_codes(RuptureEvent, "markers"),
        strategies=related_codes(RuptureEvent, "strategies"),
        part=Value(part),
    )


def _ruptures(notes: SignedNotes, wanted: list[int], open_before: int | None) -> tuple[list, list, dict]:
    """The ruptures of the notes `wanted` (the sessions shown and those a check-in is compared with) and one window
    of open ruptures (`open_window`), in one statement (UNION ALL). Returns (those of the notes, the open ones shown
    oldest first, the open window)."""
    of_notes = _rupture_values(RuptureEvent.objects.filter(note_id__in=_some_of(notes, wanted)).order_by(), 0)
    open_qs = open_rupture_window(actor=notes.actor, client=notes.client, before=open_before, notes=notes)
    open_ = _rupture_values(open_qs, 1)
    rows = list(of_notes.union(open_[: OPEN_WINDOW + 1], all=True))
    for r in rows:
        r["session_at"] = r.pop("note__session_at")
        r["is_open"] = r["resolved_at"] is None
        r["closed"] = r.pop("closed_by_id") is not None
    in_notes = sorted((r for r in rows if not r["part"]), key=lambda r: (r["note_id"], r["position"], r["id"]))
    opened = sorted((r for r in rows if r["part"]), key=lambda r: (r["session_at"], r["id"]), reverse=True)
    count = opened[0]["open_count"] if opened else 0
    for r in rows:
        del r["part"], r["open_count"], r["position"]
    shown, window = open_window_of(opened, size=OPEN_WINDOW, before=open_before, open_count=count)
    return in_notes, shown, window


def _follow_up_rows(follow_up_qs) -> list[dict]:
    return list(
        follow_up_qs.values("id", "note_id", "rupture_id", "outcome").annotate(
            strategies=related_codes(RuptureFollowUp, "strategies")
        )
    )


def _scores(actor: Membership, client: Client) -> tuple[list[dict], int]:
    scores = scores_by_client(actor=actor, client_ids=[client.pk], form_slugs=measures.MEASURE_SLUGS).get(client.pk, [])
    cutoff = measures.alliance_cutoff(actor.practice)
    for score in scores:
        score["below_cutoff"] = (
            score["measure"] == measures.ALLIANCE and score["total"] is not None and score["total"] < cutoff
        )
    return scores, cutoff


def _session_of_score(notes: list[dict], scores: list[dict]) -> dict[int | None, list[dict]]:
    """{note id: its scores}; None: given before the first session. Each score goes to the latest session that
    began no more than 6 h after it was given."""
    starts = [n["session_at"] for n in notes]
    out: dict[int | None, list[dict]] = defaultdict(list)
    for score in scores:
        index = bisect_right(starts, score["administered_at"] + SCORE_LEAD) - 1
        out[notes[index]["id"] if index >= 0 else None].append(score)
    return out


def client_timeline(
    *,
    actor: Membership,
    client: Client,
    before: int | None = None,
    open_before: int | None = None,
    window: int = SESSION_WINDOW,
) -> dict:
    """Session by session, the relationship: ruptures, repairs, outcomes, measures; and the summary of them all.

    A fixed number of queries whatever the number of notes (the caller has scoped `client`). The key `read`
    names what was read, for the read path's audit (notes/reads.py), and is not part of the answer.
    """
    signed = _signed_notes(actor, client)
    notes = signed.rows
    shown, earlier = _window(notes, before, window)
    checkins = answered_checkins_by_client(actor=actor, client_ids=[client.pk]).get(client.pk, [])
    checkin_appointments = {c.appointment_id for c in checkins}
    # Ruptures in full for the sessions shown and those a check-in is compared with (the agreement summary covers
    # every session), and one window of the open ones whatever their session.
    wanted = {n["id"] for n in shown} | {n["id"] for n in notes if n["appointment_id"] in checkin_appointments}
    ruptures, open_ruptures, open_window = _ruptures(signed, sorted(wanted), open_before)
    shown_ids = [n["id"] for n in shown]
    follow_ups = _follow_up_rows(RuptureFollowUp.objects.filter(note_id__in=_some_of(signed, shown_ids)).order_by("id"))
    scores, cutoff = _scores(actor, client)
    by_session = _session_of_score(notes, scores)

    ruptures_by_note: dict[int, list[dict]] = defaultdict(list)
    for r in ruptures:
        ruptures_by_note[r["note_id"]].append(r)
    sessions = {}
    for n in shown:
        session = {k: n[k] for k in NOTE_FIELDS if k != "template__code"}
        session["template"] = n["template__code"]
        session.update(ruptures=ruptures_by_note.get(n["id"], []), follow_ups=[], measures=by_session.get(n["id"], []))
        sessions[n["id"]] = session
    for f in follow_ups:
        sessions[f["note_id"]]["follow_ups"].append(f)

    timeline = {
        "client": client.pk,
        "alliance_cutoff": cutoff,
        "sessions": list(sessions.values()),
        "window": {
            "size": window,
            "sessions": len(notes),
            "shown": len(shown),
            "before": before,
            "earlier": earlier,
        },
        "open_ruptures": open_ruptures,
        "open_window": open_window,
        "measures_before_first_session": by_session.get(None, []),
        "summary": summary_of(notes=signed, scores=scores),
    }
    # The client's side: each session shown carries its check-in; the agreement summary counts every session.
    compared = relational.timeline_add_checkins(
        timeline, checkins=checkins, notes=notes, ruptures_by_note=ruptures_by_note
    )
    timeline["read"] = {"notes": [n["id"] for n in notes], "checkins": compared}
    return timeline


def client_timeline_summary(*, actor: Membership, client: Client) -> dict:
    """The timeline's summary alone (session prep's page), without the sessions and without the two views;
    `read` names the notes it counts, `signed` and `scores` are what it read (the page's prep reuses them)."""
    signed = _signed_notes(actor, client)
    scores = scores_by_client(actor=actor, client_ids=[client.pk], form_slugs=measures.MEASURE_SLUGS).get(client.pk, [])
    summary = summary_of(notes=signed, scores=scores)
    return {**summary, "read": {"notes": signed.ids}, "signed": signed, "scores": scores}


def summary_of(*, notes: SignedNotes, scores: list[dict]) -> dict:
    """Counts and trends over every signed session: `notes` (`_signed_notes`) carry their rupture counts; the
    markers and strategies of their ruptures take one query whatever the size."""
    families = list(Family.values)
    markers, strategies = _marker_and_strategy_rows(notes.id_array())
    notes_rows = notes.rows
    totals = {key: sum(n[key] for n in notes_rows) for key in _rupture_counts()}
    per_month: dict[str, dict] = {}
    for n in notes_rows:
        month = n["session_at"].strftime("%Y-%m")
        bucket = per_month.setdefault(month, {"month": month, "sessions": 0, "ruptures": 0})
        bucket["sessions"] += 1
        bucket["ruptures"] += n["rupture_count"]
    count = totals["rupture_count"]
    repaired = totals["repaired_in_session"] + totals["repaired_later"]
    alliance = [s for s in scores if s["measure"] == measures.ALLIANCE and s["total"] is not None]
    return {
        "sessions": len(notes_rows),
        "ruptures": count,
        "ruptures_by_family": {f: totals[f"family_{f}"] for f in families if totals[f"family_{f}"]},
        "ruptures_by_marker": markers,
        "mean_intensity": round(totals["intensity_sum"] / count, 2) if count else None,
        "rupture_frequency": list(per_month.values()),
        "repaired": repaired,
        "closed_without_repair": totals["closed"],
        "open": totals["open"],
        "repair_rate": round(repaired / count, 3) if count else None,
        "strategies": strategies,
        "alliance_trend": _trend([s["total"] for s in alliance]),
        "alliance_latest": alliance[-1]["total"] if alliance else None,
    }


def _marker_and_strategy_rows(note_ids: RawSQL) -> tuple[dict[str, int], list[dict]]:
    """How often each marker was recorded (most often first), and which strategies were tried (in a rupture or a
    follow-up) and how often the attempt was followed by repair. One statement: the three counts in a UNION ALL,
    told apart by `kind`."""
    repaired = RuptureEvent.Outcome.REPAIRED
    text = CharField()
    in_markers = (
        RuptureEvent.markers.through.objects.filter(ruptureevent__note_id__in=note_ids)
        .values(kind=Value("marker", text), code=F("rupturemarker__code"))
        .annotate(label=Value("", text), approach=Value("", text), tried=Count("id"), repaired=Value(0))
        .order_by()
    )
    strategy = {"code": F("repairstrategy__code"), "label": F("repairstrategy__label")}
    strategy["approach"] = F("repairstrategy__approach")
    in_ruptures = (
        RuptureEvent.strategies.through.objects.filter(ruptureevent__note_id__in=note_ids)
        .values(kind=Value("strategy", text), **strategy)
        .annotate(tried=Count("id"), repaired=Count("id", filter=Q(ruptureevent__outcome=repaired)))
        .order_by()
    )
    in_follow_ups = (
        RuptureFollowUp.strategies.through.objects.filter(rupturefollowup__note_id__in=note_ids)
        .values(kind=Value("strategy", text), **strategy)
        .annotate(tried=Count("id"), repaired=Count("id", filter=Q(rupturefollowup__outcome=repaired)))
        .order_by()
    )
    marker_counts: list[tuple[str, int]] = []
    by_code: dict[str, dict] = {}
    for row in in_markers.union(in_ruptures, in_follow_ups, all=True):
        code = row["code"]
        if row["kind"] == "marker":
            marker_counts.append((code, row["tried"]))
            continue
        entry = by_code.setdefault(
            code,
            {
                "code": code,
                "label": row["label"],
                "approach": row["approach"],
                "tried": 0,
                "followed_by_repair": 0,
            },
        )
        entry["tried"] += row["tried"]
        entry["followed_by_repair"] += row["repaired"]
    for entry in by_code.values():
        entry["repair_rate"] = round(entry["followed_by_repair"] / entry["tried"], 3)
    marker_counts.sort(key=lambda item: (-item[1], item[0]))
    strategies = sorted(
        by_code.values(), key=lambda row: (-row["followed_by_repair"], -row["repair_rate"], row["code"])
    )
    return dict(marker_counts), strategies


def _trend(values: list[float]) -> float | None:
    """Least-squares slope per administration (points per session check-in); None under two scores."""
    n = len(values)
    if n < 2:
        return None
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return round(num / den, 3)
