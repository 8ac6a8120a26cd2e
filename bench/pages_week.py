"""Benchmark: the calendar's week view for 20 clinicians and 400 sessions, beside a bare page in the same run.

The bare page goes through the same page gate and renders the same signed-in layout (web/base.html) with nothing
in it, so the ratio is what the week view itself costs on this machine. In-process, with Django's test client,
on a throwaway database (test_<name of DATABASE_URL's database>, created and dropped here). Query counts are
printed too; the week's must not depend on the number of sessions (also pinned in
tests/pages/test_page_queries_frontdesk.py).

    DATABASE_URL=postgres://postgres@localhost:5432/attune_bench TEST_REDIS_URL=redis://localhost:6379/11 \
        .venv/bin/python bench/pages_week.py [--clinicians 20] [--sessions 400] [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.urls import clear_url_caches, include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from backend.web.access import page  # noqa: E402
from practice import roles  # noqa: E402

TZ = "America/New_York"


@page(roles=roles.STAFF_ROLES)
def bare(request):
    """The same gate and layout as every page, nothing in it."""
    return render(request, "web/base.html", {})


urlpatterns = [path("bench/bare/", bare), path("", include("backend.urls"))]


def build(clinicians: int, sessions: int):
    from practice.models import CareTeamMember
    from scheduling.models import Appointment, AppointmentClient
    from tests.factories.practice import ClientFactory, ClinicianFactory, MembershipFactory, PracticeFactory
    from tests.factories.scheduling import AppointmentTypeFactory, LocationFactory, RoomFactory

    practice = PracticeFactory(time_zone=TZ)
    desk = MembershipFactory(practice=practice, roles=[roles.FRONT_DESK])
    people = [ClinicianFactory(membership__practice=practice, time_zone=TZ) for _ in range(clinicians)]
    kind = AppointmentTypeFactory(practice=practice, duration_minutes=50)
    location = LocationFactory(practice=practice)
    rooms = [RoomFactory(location=location, name=f"Room {i + 1}") for i in range(clinicians)]
    monday = (timezone.now().astimezone(ZoneInfo(TZ)) + timedelta(days=14)).date()
    monday -= timedelta(days=monday.weekday())
    clients = [ClientFactory(practice=practice) for _ in range(min(sessions, 200))]
    for i in range(sessions):
        c = i % clinicians
        slot = i // clinicians  # 0..: five days of 8 hourly sessions each, 08:00..15:00
        starts = datetime.combine(monday + timedelta(days=slot // 8 % 5), dtime(8 + slot % 8), tzinfo=ZoneInfo(TZ))
        ends = starts + timedelta(minutes=50)
        in_person = i % 2 == 0
        a = Appointment.objects.create(
            practice=practice,
            clinician=people[c],
            appointment_type=kind,
            mode="in_person" if in_person else "telehealth",
            room=rooms[c] if in_person else None,
            video_link="" if in_person else "https://video.example.org/s",
            starts_at=starts,
            ends_at=ends,
            occupied=DateTimeTZRange(starts, ends),
        )
        client = clients[i % len(clients)]
        AppointmentClient.objects.create(
            practice=practice, appointment=a, client=client, span=DateTimeTZRange(starts, ends)
        )
        CareTeamMember.objects.get_or_create(practice=practice, client=client, clinician=people[c])
    return desk, monday


def measure(client, url: str, runs: int) -> dict:
    client.get(url)  # warm: templates compiled, caches filled
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(url).content
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[max(0, int(len(times) * 0.95) - 1)],
        "queries": len(ctx),
        "kb": len(body) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinicians", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    clear_url_caches()
    config = setup_databases(verbosity=0, interactive=False)
    try:
        from tests.pages.conftest import signed_in_client

        desk, monday = build(args.clinicians, args.sessions)
        browser = signed_in_client(desk)
        day = monday.isoformat()
        pages = {
            "bare page (gate + layout)": "/bench/bare/",
            "week, a row per clinician": f"/calendar/?view=week&date={day}",
            "week, a row per room": f"/calendar/?view=week&by=room&date={day}",
            "day, a column per clinician": f"/calendar/?view=day&date={day}",
        }
        results = {name: measure(browser, url, args.runs) for name, url in pages.items()}
        base = results["bare page (gate + layout)"]["median"]
        print(f"{args.clinicians} clinicians, {args.sessions} sessions in the week, {args.runs} runs each")
        print("| page | median ms | p95 ms | × bare | queries | KiB |\n|---|---:|---:|---:|---:|---:|")
        for name, r in results.items():
            print(
                f"| {name} | {r['median']:.1f} | {r['p95']:.1f} | {r['median'] / base:.1f} | {r['queries']} "
                f"| {r['kb']:.0f} |"
            )
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
