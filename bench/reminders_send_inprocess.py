"""One reminder send at a time, in-process: wall and CPU per send, and its statements.

    DATABASE_URL=postgres://postgres@localhost:5432/attune_rem_bench REDIS_URL=redis://localhost:6379/14 \\
      .venv/bin/python bench/reminders_send_inprocess.py [--n 500] [--profile 25]

Steadier than bench/reminders_bench.py on a shared machine (no broker, no worker process, no dispatcher running
beside it), so it shows what a change to reminders/services/send.py does to the send itself; the issue's figure
(a send beside a no-op Celery task) is reminders_bench.py's. The bench fixture's rows are claimed by the
dispatcher (their tasks are dropped from the broker's queue), 20 are sent to warm up, one is sent with its
statements printed, half of the rest are timed and, with --profile, the other half are profiled (cProfile, the
top functions by cumulative time; `SORT=tottime` in the environment sorts by time in each function itself). Like
reminders_bench.py it runs without DEBUG's query log.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@localhost:5432/attune_rem_bench")
os.environ.setdefault("REDIS_URL", "redis://localhost:6379/14")

from bench import reminders_bench  # noqa: E402  (sets Django up, migrates, its own queue)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--profile", type=int, default=0, help="print this many functions of a profile")
    args = parser.parse_args()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backend.celery import app
    from reminders.models import OutboundMessage
    from reminders.services.dispatch import reminders_dispatch
    from reminders.services.send import reminder_send

    appointment = reminders_bench._fixture(args.n)
    now = appointment.starts_at - timedelta(days=1)
    mine = set(OutboundMessage.objects.filter(appointment=appointment).values_list("pk", flat=True))
    ids: list[int] = []
    while batch := reminders_dispatch(now=now, batch_size=500):
        ids += [i for i in batch if i in mine]
    app.control.purge()  # the dispatcher's send tasks: this script sends the rows itself
    warm, first, rest = ids[:20], ids[20], ids[21:]
    for message_id in warm:
        reminder_send(message_id=message_id)
    with CaptureQueriesContext(connection) as queries:
        reminder_send(message_id=first)
    print(f"statements per send: {len(queries.captured_queries)}")
    for query in queries.captured_queries:
        print(f"  {query['sql'][:110]}")
    timed, profiled = rest[: len(rest) // 2], rest[len(rest) // 2 :]
    wall, cpu = time.perf_counter(), time.process_time()
    for message_id in timed:
        reminder_send(message_id=message_id)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print("\n| sends | wall ms per send | Python CPU ms per send | load average |\n|---:|---:|---:|---|")
    print(f"| {len(timed)} | {wall / len(timed) * 1000:.2f} | {cpu / len(timed) * 1000:.2f} | {os.getloadavg()} |")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for message_id in profiled:
            reminder_send(message_id=message_id)
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(args.profile)


if __name__ == "__main__":
    main()
