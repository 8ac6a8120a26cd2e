"""The relational timeline of one client, read through the scoped note selector (notes/selectors.py).

The session list is windowed: the last `SESSION_WINDOW` signed sessions in full (ruptures, follow-ups, measures,
the client's check-in), earlier ones on demand with `before` (the id of the oldest session shown). The summary
(counts, repair rate, strategies, alliance trend, agreement of the two views) always covers every signed session:
it is computed by SQL aggregates, not by reading every rupture into Python. Open ruptures are listed whatever
session they came from. No free text is read here, so nothing is decrypted; psychotherapy notes never appear.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import timedelta
from typing import Any, cast

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Q, QuerySet, Value

from intake.checkin_selectors import answered_checkins_by_client
from intake.selectors import scores_by_client
from notes import checkins as relational
from notes import measures
from notes.models import Family, ProgressNote, RuptureEvent, RuptureFollowUp
from notes.selectors import LOCKED, progress_note_list
from practice.models import Client, Membership

SESSION_WINDOW = 20  # sessions shown in full per page of the timeline; the summary covers them all
SCORE_LEAD = timedelta(hours=6)  # a score belongs to the latest session that began no more than this after it


def _scoped_notes(actor: Membership, client: Client) -> QuerySet[ProgressNote]:
    return progress_note_list(actor=actor).filter(client=client, status__in=LOCKED).select_related(None)


def _signed_notes(actor: Membership, client: Client) -> list[dict[str, Any]]:
    """Every signed note of the client the actor may read, oldest first, with its rupture count. One query."""
    rows = (
        _scoped_notes(actor, client)
        .order_by("session_at", "id")
        .values("id", "session_at", "status", "template__code", "risk_level", "appointment_id", "author_id")
        .annotate(rupture_count=Count("ruptures"))
    )
    return cast(list[dict[str, Any]], list(rows))


def _note_ids(actor: Membership, client: Client) -> QuerySet:
    """The same notes as a subquery: PostgreSQL joins it, instead of Django binding hundreds of ids per query."""
    return _scoped_notes(actor, client).order_by().values("id")


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


def _codes(field: str) -> ArrayAgg:
    """The distinct codes of one many-to-many relation, aggregated in the row's own query ([] for none)."""
    return ArrayAgg(f"{field}__code", distinct=True, filter=Q(**{f"{field}__isnull": False}), default=Value([]))


def _rupture_rows(rupture_qs) -> list[dict]:
    """Structured rupture data (no free text) with marker and strategy codes, in one query."""
    rows = list(
        rupture_qs.values(
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
        ).annotate(marker_codes=_codes("markers"), strategy_codes=_codes("strategies"))
    )
    for r in rows:
        r["markers"] = sorted(r.pop("marker_codes"))
        r["strategies"] = sorted(r.pop("strategy_codes"))
        r["session_at"] = r.pop("note__session_at")
        r["is_open"] = r["resolved_at"] is None
        r["closed"] = r.pop("closed_by_id") is not None
        del r["position"]
    return rows


def _follow_up_rows(follow_up_qs) -> list[dict]:
    rows = list(
        follow_up_qs.values("id", "note_id", "rupture_id", "outcome").annotate(strategy_codes=_codes("strategies"))
    )
    for r in rows:
        r["strategies"] = sorted(r.pop("strategy_codes"))
    return rows


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
    *, actor: Membership, client: Client, before: int | None = None, window: int = SESSION_WINDOW
) -> dict:
    """Session by session, the relationship: ruptures, repairs, outcomes, measures; and the summary of them all.

    A fixed number of queries whatever the number of notes (the caller has scoped `client`). The key `read`
    names what was read, for the read path's audit (notes/reads.py), and is not part of the answer.
    """
    notes = _signed_notes(actor, client)
    shown, earlier = _window(notes, before, window)
    note_ids = [n["id"] for n in notes]
    checkins = answered_checkins_by_client(actor=actor, client_ids=[client.pk]).get(client.pk, [])
    checkin_appointments = {c.appointment_id for c in checkins}
    # Ruptures in full for the sessions shown, the open ones whatever their session, and those of the sessions
    # a check-in is compared with (the agreement summary covers every session).
    wanted = {n["id"] for n in shown} | {n["id"] for n in notes if n["appointment_id"] in checkin_appointments}
    scoped = _note_ids(actor, client)
    ruptures = _rupture_rows(
        RuptureEvent.objects.filter(note_id__in=scoped)
        .filter(Q(note_id__in=wanted) | Q(resolved_at__isnull=True))
        .order_by("note_id", "position")
    )
    shown_ids = [n["id"] for n in shown]
    follow_ups = _follow_up_rows(RuptureFollowUp.objects.filter(note_id__in=shown_ids).order_by("id"))
    scores, cutoff = _scores(actor, client)
    by_session = _session_of_score(notes, scores)

    ruptures_by_note: dict[int, list[dict]] = defaultdict(list)
    for r in ruptures:
        ruptures_by_note[r["note_id"]].append(r)
    sessions = {}
    for n in shown:
        session = {k: v for k, v in n.items() if k not in ("template__code", "rupture_count")}
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
        "open_ruptures": [r for r in ruptures if r["is_open"]],
        "measures_before_first_session": by_session.get(None, []),
        "summary": summary_of(notes=notes, scores=scores, note_ids=scoped),
    }
    # The client's side: each session shown carries its check-in; the agreement summary counts every session.
    compared = relational.timeline_add_checkins(
        timeline, checkins=checkins, notes=notes, ruptures_by_note=ruptures_by_note
    )
    timeline["read"] = {"notes": note_ids, "checkins": compared}
    return timeline


def client_timeline_summary(*, actor: Membership, client: Client) -> dict:
    """The timeline's summary alone (session prep's page), without the sessions and without the two views;
    `read` names the notes it counts."""
    notes = _signed_notes(actor, client)
    scores, _ = _scores(actor, client)
    summary = summary_of(notes=notes, scores=scores, note_ids=_note_ids(actor, client))
    return {**summary, "read": {"notes": [n["id"] for n in notes]}}


def summary_of(*, notes: list[dict], scores: list[dict], note_ids: QuerySet) -> dict:
    """Counts and trends over every signed session (`notes`, and `note_ids` the same as a subquery), aggregated by
    PostgreSQL: 4 queries whatever the size."""
    ruptures = RuptureEvent.objects.filter(note_id__in=note_ids)
    families = list(Family.values)
    totals = ruptures.aggregate(
        ruptures=Count("id"),
        mean_intensity=Avg("intensity"),
        repaired_in_session=Count("id", filter=Q(outcome=RuptureEvent.Outcome.REPAIRED)),
        repaired_later=Count(
            "id", filter=Q(resolved_in_note__isnull=False) & ~Q(outcome=RuptureEvent.Outcome.REPAIRED)
        ),
        closed=Count("id", filter=Q(closed_by__isnull=False)),
        open=Count("id", filter=Q(resolved_at__isnull=True)),
        **{f"family_{family}": Count("id", filter=Q(family=family)) for family in families},
    )
    by_marker = (
        RuptureEvent.markers.through.objects.filter(ruptureevent__note_id__in=note_ids)
        .values("rupturemarker__code")
        .annotate(n=Count("id"))
        .order_by("-n", "rupturemarker__code")
    )
    per_month: dict[str, dict] = {}
    for n in notes:
        month = n["session_at"].strftime("%Y-%m")
        bucket = per_month.setdefault(month, {"month": month, "sessions": 0, "ruptures": 0})
        bucket["sessions"] += 1
        bucket["ruptures"] += n["rupture_count"]
    count = totals["ruptures"]
    repaired = totals["repaired_in_session"] + totals["repaired_later"]
    alliance = [s for s in scores if s["measure"] == measures.ALLIANCE and s["total"] is not None]
    return {
        "sessions": len(notes),
        "ruptures": count,
        "ruptures_by_family": {f: totals[f"family_{f}"] for f in families if totals[f"family_{f}"]},
        "ruptures_by_marker": {row["rupturemarker__code"]: row["n"] for row in by_marker},
        "mean_intensity": round(totals["mean_intensity"], 2) if count else None,
        "rupture_frequency": list(per_month.values()),
        "repaired": repaired,
        "closed_without_repair": totals["closed"],
        "open": totals["open"],
        "repair_rate": round(repaired / count, 3) if count else None,
        "strategies": _strategy_rows(note_ids),
        "alliance_trend": _trend([s["total"] for s in alliance]),
        "alliance_latest": alliance[-1]["total"] if alliance else None,
    }


def _strategy_rows(note_ids: QuerySet) -> list[dict]:
    """Which strategies were tried (in a rupture or a follow-up), and how often the attempt was followed by repair."""
    repaired = RuptureEvent.Outcome.REPAIRED
    label_fields = ("repairstrategy__code", "repairstrategy__label", "repairstrategy__approach")
    # Ruptures' and follow-ups' attempts in one statement (UNION ALL), summed per strategy below.
    in_ruptures = (
        RuptureEvent.strategies.through.objects.filter(ruptureevent__note_id__in=note_ids)
        .values(*label_fields)
        .annotate(tried=Count("id"), repaired=Count("id", filter=Q(ruptureevent__outcome=repaired)))
        .order_by()
    )
    in_follow_ups = (
        RuptureFollowUp.strategies.through.objects.filter(rupturefollowup__note_id__in=note_ids)
        .values(*label_fields)
        .annotate(tried=Count("id"), repaired=Count("id", filter=Q(rupturefollowup__outcome=repaired)))
        .order_by()
    )
    attempts = [in_ruptures.union(in_follow_ups, all=True)]
    by_code: dict[str, dict] = {}
    for rows in attempts:
        for row in rows:
            code = row["repairstrategy__code"]
            entry = by_code.setdefault(
                code,
                {
                    "code": code,
                    "label": row["repairstrategy__label"],
                    "approach": row["repairstrategy__approach"],
                    "tried": 0,
                    "followed_by_repair": 0,
                },
            )
            entry["tried"] += row["tried"]
            entry["followed_by_repair"] += row["repaired"]
    for entry in by_code.values():
        entry["repair_rate"] = round(entry["followed_by_repair"] / entry["tried"], 3)
    return sorted(by_code.values(), key=lambda row: (-row["followed_by_repair"], -row["repair_rate"], row["code"]))


def _trend(values: list[float]) -> float | None:
    """Least-squares slope per administration (points per session check-in); None under two scores."""
    n = len(values)
    if n < 2:
        return None
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return round(num / den, 3)
