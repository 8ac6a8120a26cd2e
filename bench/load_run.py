"""Load run: gunicorn (2 workers) on PostgreSQL and Redis, driven by locust headless (bench/locustfile.py).

    DATABASE_URL=postgres://postgres@localhost:5432/attune_load REDIS_URL=redis://localhost:6379/5 \
        .venv/bin/python bench/load_run.py --users 20 --seconds 60 --port 8765

Migrates and seeds the demo practice in that database, starts gunicorn on 127.0.0.1:<port>, runs
locust for a bounded time, stops everything and prints requests/s, p50/p95/p99 and the error rate
per request type. Only localhost traffic.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_stack as stack  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    env = stack.base_env()
    stack.prepare(env)
    tmp = Path(tempfile.mkdtemp(prefix="attune-load-"))
    server = stack.gunicorn(env, args.port, tmp / "gunicorn.log", workers=args.workers)
    host = f"http://127.0.0.1:{args.port}"
    try:
        stack.wait_http(f"{host}/healthz")
        subprocess.run(
            [
                stack.PY, "-m", "locust", "-f", str(stack.ROOT / "bench" / "locustfile.py"), "--headless",
                "--host", host, "-u", str(args.users), "-r", str(args.spawn_rate), "--run-time", f"{args.seconds}s",
                "--stop-timeout", "10", "--csv", str(tmp / "stats"), "--only-summary", "--loglevel", "WARNING",
            ],
            cwd=stack.ROOT,
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
    finally:
        stack.stop(server)

    rows = list(csv.DictReader(open(tmp / "stats_stats.csv")))
    print(f"\n{args.users} users, {args.seconds} s, gunicorn {args.workers} workers, 127.0.0.1:{args.port}\n")
    head = ("count", "req/s", "p50 ms", "p95 ms", "p99 ms")
    print(f"| {'request':<42} | " + " | ".join(f"{h:>6}" for h in head) + f" | {'errors':>7} |")
    print(f"|{'-' * 44}|{'-' * 7}:|{'-' * 7}:|{'-' * 7}:|{'-' * 7}:|{'-' * 7}:|{'-' * 8}:|")
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"].split(" ", 1)[-1])):
        count = int(row["Request Count"])
        if not count:
            continue
        name = "**all requests**" if row["Name"] == "Aggregated" else f"`{row['Name']}`"
        errors = 100 * int(row["Failure Count"]) / count
        print(
            f"| {name:<42} | {count:>6} | {float(row['Requests/s']):>6.1f} | {row['50%']:>6} | {row['95%']:>6} "
            f"| {row['99%']:>6} | {errors:>6.2f}% |"
        )
    failures = tmp / "stats_failures.csv"
    if failures.exists():
        for row in csv.DictReader(open(failures)):
            print(f"failure: {row['Method']} {row['Name']}: {row['Error']} x{row['Occurrences']}")
    print(f"\nlogs and CSV: {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
