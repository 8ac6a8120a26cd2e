"""Benchmark: the therapist's pages at realistic size, beside a bare page in the same run.

One client with 200 signed notes and 600 rupture events (plus follow-ups and 100 alliance check-ins) in a
caseload of 40 (bench/notes_bench.py's data): the timeline page (SVG and tables) and session prep (which also
shows the timeline's summary), beside the bare account page, with each median's ratio to the bare one ("x bare")
and the load average; and the note page's autosave round trip (POST of the
whole form with X-Autosave, answered in JSON). Query counts are printed; they must not depend on the number of
notes.

    DATABASE_URL=postgres://postgres@localhost:5432/attune_bench .venv/bin/python bench/pages_clinical.py [--runs 20]

It creates and drops its own test database (test_<name of DATABASE_URL's database>).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import notes_bench  # noqa: E402  (sets up Django; its data builder)
from django.test.utils import setup_databases, teardown_databases  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--caseload", type=int, default=40)
    args = parser.parse_args()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from notes.models import ProgressNote, RuptureEvent
        from tests.factories.notes import draft_note
        from tests.pages.conftest import signed_in_client

        world = notes_bench.build(args.notes, 3, args.caseload)
        member = world.p.clinician2.membership
        client_id = world.p.client_b.pk
        draft = draft_note(world.p.clinician2, world.p.client_b)
        browser = signed_in_client(member)
        print(
            f"data: {ProgressNote.objects.filter(client_id=client_id, status='signed').count()} signed notes and "
            f"{RuptureEvent.objects.filter(client_id=client_id).count()} rupture events for one client; "
            f"{args.runs} timed requests each\n"
        )
        form = {
            "content.focus": "Grief.",
            "content.process": "Quiet, then closer.",
            "content.plan": "Continue.",
            "risk_level": "none",
            "rupture_slots": "1",
            "r-0-family": "withdrawal",
            "r-0-markers": ["wd_minimal_response"],
            "r-0-intensity": "3",
            "r-0-strategies": ["rs_metacommunication"],
            "r-0-outcome": "partial",
        }

        def autosave():
            version = ProgressNote.objects.values_list("version", flat=True).get(pk=draft.pk)
            return browser.post(f"/clinical/notes/{draft.pk}/save/", {**form, "version": version}, HTTP_X_AUTOSAVE="1")

        rows = [
            ("baseline GET /account/security/", lambda: browser.get("/account/security/")),
            ("GET timeline page", lambda: browser.get(f"/clinical/clients/{client_id}/timeline/")),
            ("GET session prep page", lambda: browser.get(f"/clinical/clients/{client_id}/prep/")),
            ("GET caseload attention page", lambda: browser.get("/clinical/attention/")),
            ("POST autosave (round trip)", autosave),
        ]
        notes_bench.table(rows, args.runs, width=36)
        print("\n(the autosave row's queries include the bench's own version read: one)")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
