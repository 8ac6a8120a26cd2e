"""The relational timeline drawn: plain geometry for server-rendered SVG (templates/notes/_chart_*.html).

Readable in black and white: the family is the shape (withdrawal a circle, confrontation a triangle), the
intensity is the size, the outcome is the fill (repaired black, partly grey, open white) and every mark has a
<title>; the cutoff is a dashed line, bands are labelled. The numbers are also given as tables on the page.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

WIDTH, LEFT, RIGHT = 720, 56, 16
PLOT = WIDTH - LEFT - RIGHT
STRIP_ROWS = 4  # ruptures drawn per session; more are counted in the table
FILL = {"repaired": "#111111", "repaired_later": "#111111", "partial": "#8a8a8a", "unresolved": "#ffffff"}
OUTCOME_WORDS = {
    "repaired": "repaired in session",
    "repaired_later": "repaired in a later session",
    "partial": "partly repaired",
    "unresolved": "open",
    "closed": "closed without repair",
}
PHQ9_BANDS = [
    (0, 5, "minimal"),
    (5, 10, "mild"),
    (10, 15, "moderate"),
    (15, 20, "moderately severe"),
    (20, 27, "severe"),
]
GAD7_BANDS = [(0, 5, "minimal"), (5, 10, "mild"), (10, 15, "moderate"), (15, 21, "severe")]


def display_outcome(rupture: dict) -> str:
    if rupture["outcome"] == "repaired":
        return "repaired"
    if rupture.get("resolved_in_note_id"):
        return "repaired_later"
    if rupture.get("closed"):
        return "closed"
    return rupture["outcome"]


def _x(i: int, n: int) -> float:
    return round(LEFT + (i + 0.5) * PLOT / max(n, 1), 1)


def rupture_strip(sessions: list[dict], tz: ZoneInfo) -> dict:
    height = 40 + STRIP_ROWS * 24
    marks, ticks = [], []
    n = len(sessions)
    step = max(1, n // 8)
    for i, s in enumerate(sessions):
        x = _x(i, n)
        day = s["session_at"].astimezone(tz).strftime("%d %b")
        if i % step == 0:
            ticks.append({"x": x, "label": day})
        for j, r in enumerate(s["ruptures"][:STRIP_ROWS]):
            y = 24 + j * 24
            size = 4 + r["intensity"] * 1.4
            outcome = display_outcome(r)
            mark = {
                "x": x,
                "y": y,
                "r": round(size, 1),
                "fill": FILL.get(outcome, "#ffffff"),
                "cross": outcome == "closed",
                "x1": round(x - size, 1),
                "x2": round(x + size, 1),
                "y1": round(y - size, 1),
                "y2": round(y + size, 1),
                "family": r["family"],
                "title": f"{day}: {r['family']}, intensity {r['intensity']}, {OUTCOME_WORDS[outcome]}",
            }
            if r["family"] == "confrontation":
                mark["points"] = f"{x},{round(y - size, 1)} {round(x + size, 1)},{round(y + size, 1)} " + (
                    f"{round(x - size, 1)},{round(y + size, 1)}"
                )
            marks.append(mark)
        for f in s["follow_ups"]:
            marks.append(
                {
                    "x": x,
                    "y": height - 14,
                    "r": 4,
                    "fill": FILL.get(f["outcome"], "#ffffff"),
                    "family": "follow_up",
                    "points": f"{x},{height - 20} {x + 6},{height - 14} {x},{height - 8} {x - 6},{height - 14}",
                    "title": f"{day}: follow-up of an earlier rupture, {OUTCOME_WORDS.get(f['outcome'], f['outcome'])}",
                }
            )
    return {"width": WIDTH, "height": height + 20, "marks": marks, "ticks": ticks, "axis_y": height, "left": LEFT}


def line_chart(points: list[dict], *, top: float, tz: ZoneInfo, bands=(), cutoff: float | None = None) -> dict:
    """points: [{"at": datetime, "total": float}] oldest first."""
    height, pad = 180, 12
    inner = height - 2 * pad

    def y(v):
        return round(pad + inner * (1 - v / top), 1)

    if points:
        t0 = points[0]["at"].timestamp()
        span = max(points[-1]["at"].timestamp() - t0, 1)
    dots = []
    for p in points:
        x = round(LEFT + PLOT * ((p["at"].timestamp() - t0) / span if len(points) > 1 else 0.5), 1)
        day = p["at"].astimezone(tz).strftime("%d %b %Y")
        dots.append({"x": x, "y": y(p["total"]), "title": f"{day}: {p['total']:g}", "low": p.get("low", False)})
    shaded = []
    for k, (low, high, label) in enumerate(bands):
        shaded.append(
            {"y": y(high), "h": round(y(low) - y(high), 1), "label": label, "shade": "#f1f1f1" if k % 2 else "#ffffff"}
        )
    return {
        "width": WIDTH,
        "height": height,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "plot": PLOT,
        "dots": dots,
        "polyline": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "bands": shaded,
        "cutoff": None if cutoff is None else {"y": y(cutoff), "label": f"cutoff {cutoff:g}"},
        "grid": [{"y": y(v), "label": f"{v:g}"} for v in (0, top / 2, top)],
    }


def measure_points(timeline: dict, measure: str, *, cutoff: float | None = None) -> list[dict]:
    scores = list(timeline["measures_before_first_session"])
    for s in timeline["sessions"]:
        scores += s["measures"]
    out = [
        {
            "at": m["administered_at"],
            "total": m["total"],
            "band": m.get("band", ""),
            "low": cutoff is not None and m["total"] < cutoff,
        }
        for m in scores
        if m["measure"] == measure and m["total"] is not None
    ]
    return sorted(out, key=lambda p: p["at"])
