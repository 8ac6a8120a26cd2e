"""Booking through gunicorn, this checkout beside a baseline checkout (default a0111b2, main before issue 17), in
the same run: statements, server CPU and requests/s per booking, and a race of 8 clients on one slot.

    DATABASE_URL=postgres://postgres@localhost:5432/attune_bench_booking REDIS_URL=redis://localhost:6379/2 \
        .venv/bin/python bench/booking.py --bookings 400 --threads 8

Each side gets its own database (<name>_this, <name>_base: created, migrated and seeded by this script), its
own gunicorn (gthread, 2 workers x 4 threads, DEBUG off) and the same seed: one practice with the default
reminder policy (a confirmation and reminders: every booking writes outbox rows), one front-desk token, one
clinician per client thread working 07:00-20:00 every day, four clients per thread. Each thread books its own
clinician's slots, a year ahead inside working hours, over one keep-alive connection: no two bookings collide.

Counted, for the measured bookings only (after a warm-up that opens every connection):
- statements: every statement psycopg sends from the gunicorn workers (Django's queries, the health check of a
  reused connection) counted by a wrapper that a gunicorn `post_fork` hook puts around psycopg's
  `Cursor.execute`/`executemany`, plus `BEGIN` and `COMMIT`/`ROLLBACK` of each explicit transaction (psycopg
  sends those itself; counted from `Connection.commit`/`rollback`). knox's per-request clean-up of the user's
  tokens (`... FROM knox_authtoken WHERE user_id = ...`) is counted apart, since another change removes it.
- CPU: utime + stime from /proc/<pid>/stat of the gunicorn workers (the app) and of the PostgreSQL backends
  connected to the side's database (pg_stat_activity), before and after; connections are kept for the whole
  run (DATABASE_CONN_MAX_AGE=3600 on both sides) so no backend's CPU is lost.
- requests/s: measured bookings over the wall time of the phase (the least steady figure on a shared machine).
Then the race: `--race-rounds` times, 8 threads released by a barrier book the same slot (one clinician,
different clients): exactly one 201 and seven 409 each round is the pass.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TICK = os.sysconf("SC_CLK_TCK")
# PostgreSQL 15 backends publish their transaction counters at most once a second, and an idle one within 10 s.
SETTLE = 11.0

from booking_scripts import GUNICORN_CONF, SEED  # noqa: E402  (bench/ is on sys.path: the script's folder)


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return done.stdout


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def baseline_checkout(ref: str) -> Path:
    path = Path(tempfile.gettempdir()) / f"attune-bench-{ref}"
    if not path.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(path), ref], cwd=ROOT, check=True, capture_output=True
        )
    return path


class Side:
    def __init__(self, name: str, checkout: Path, db_url: str, port: int, threads: int, redis_url: str) -> None:
        self.name, self.checkout, self.db_url, self.port, self.threads = name, checkout, db_url, port, threads
        self.out = Path(tempfile.mkdtemp(prefix=f"bench-booking-{name}-"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backend.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": db_url,
            "DATABASE_CONN_MAX_AGE": "3600",
            "REDIS_URL": redis_url,
            "PYTHONPATH": str(checkout),
        }
        self.proc: subprocess.Popen | None = None
        self.next_day = 0  # each round of bookings takes days no earlier round used

    def prepare(self) -> None:
        recreate_database(self.db_url)
        run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], self.checkout, self.env)
        out = run(
            [PY, "manage.py", "shell", "-c", SEED.replace("__THREADS__", str(self.threads))], self.checkout, self.env
        )
        self.seed = json.loads(next(line for line in out.splitlines() if line.startswith("SEED "))[5:])

    def start(self) -> None:
        conf = self.out / "gunicorn.conf.py"
        conf.write_text(GUNICORN_CONF.replace("__PORT__", str(self.port)).replace("__OUT__", repr(str(self.out))))
        log = open(self.out / "gunicorn.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            [PY, "-m", "gunicorn", "backend.wsgi", "-c", str(conf)],
            cwd=self.checkout,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"{self.name}: gunicorn did not answer; see {self.out / 'gunicorn.log'}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=30)

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except OSError:
                    continue
                if ppid == self.proc.pid:
                    pids.append(int(entry.name))
        return pids

    def counts(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for path in self.out.glob("counts-*.json"):
            for key, value in json.loads(path.read_text()).items():
                total[key] = total.get(key, 0) + value
        return total

    def db_snapshot(self) -> tuple[float, int]:
        """(CPU seconds of this database's backends, committed transactions of this database)."""
        import psycopg

        name = urlparse(self.db_url).path.lstrip("/")
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            pids = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
                )
            ]
            conn.execute("SELECT pg_stat_clear_snapshot()")
            xact = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (name,)).fetchone()[0]
        return sum(cpu_seconds(pid) for pid in pids), xact

    def post(self, conn: http.client.HTTPConnection, body: dict) -> int:
        headers = {
            "Authorization": f"Token {self.seed['token']}",
            "X-Practice": "bench",
            "Content-Type": "application/json",
        }
        conn.request("POST", "/api/v1/appointments/", json.dumps(body), headers)
        response = conn.getresponse()
        response.read()
        return response.status


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def book_lanes(side: Side, per_thread: int) -> list[int]:
    """Each thread books `per_thread` slots of its own clinician, one after the other; the statuses."""
    statuses: list[int] = []
    lock = threading.Lock()
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=365 + side.next_day)
    side.next_day += per_thread // 11 + 1

    def lane(index: int) -> None:
        spec = side.seed["lanes"][index]
        conn = http.client.HTTPConnection("127.0.0.1", side.port, timeout=60)
        mine = []
        for n in range(per_thread):
            day, slot = divmod(n, 11)  # 11 hourly slots from 08:00, the last ending 18:50
            starts_at = start + timedelta(days=day, hours=slot)
            body = {
                "clinician": spec["clinician"],
                "clients": [spec["clients"][n % 4]],
                "appointment_type": side.seed["type"],
                "starts_at": starts_at.isoformat().replace("+00:00", "Z"),
                "mode": "telehealth",
            }
            mine.append(side.post(conn, body))
        conn.close()
        with lock:
            statuses.extend(mine)

    workers = [threading.Thread(target=lane, args=(i,)) for i in range(side.threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return statuses


def race_round(side: Side, starts_at: str) -> list[int]:
    """`side.threads` clients released together book one slot of one clinician (each for another client)."""
    barrier = threading.Barrier(side.threads)
    codes: list[int] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", side.port, timeout=60)
        body = {
            "clinician": side.seed["lanes"][0]["clinician"],
            "clients": [side.seed["race_clients"][i]],
            "appointment_type": side.seed["type"],
            "starts_at": starts_at,
            "mode": "telehealth",
        }
        barrier.wait(timeout=30)
        code = side.post(conn, body)
        conn.close()
        with lock:
            codes.append(code)

    workers = [threading.Thread(target=one, args=(i,)) for i in range(side.threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return sorted(codes)


def race(side: Side, rounds: int) -> list[list[int]]:
    base = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=900)
    return [race_round(side, (base + timedelta(days=r)).isoformat().replace("+00:00", "Z")) for r in range(rounds)]


def measure(side: Side, bookings: int, warmup: int) -> dict[str, float]:
    warm = book_lanes(side, max(1, warmup // side.threads))
    if set(warm) != {201}:
        raise SystemExit(f"{side.name}: warm-up answered {sorted(set(warm))}; see {side.out / 'gunicorn.log'}")
    time.sleep(SETTLE)  # the last post_request hooks have written; idle backends have flushed their statistics
    per_thread = bookings // side.threads
    counts0 = side.counts()
    app0 = sum(cpu_seconds(pid) for pid in side.worker_pids())
    pg0, xact0 = side.db_snapshot()
    t0 = time.perf_counter()
    statuses = book_lanes(side, per_thread)
    wall = time.perf_counter() - t0
    time.sleep(SETTLE)
    app1 = sum(cpu_seconds(pid) for pid in side.worker_pids())
    pg1, xact1 = side.db_snapshot()
    counts1 = side.counts()
    n = len(statuses)
    if set(statuses) != {201}:
        raise SystemExit(f"{side.name}: measured bookings answered {sorted(set(statuses))}")
    delta = {key: counts1.get(key, 0) - counts0.get(key, 0) for key in counts1}
    if delta["requests"] != n:
        raise SystemExit(f"{side.name}: {delta['requests']} requests counted for {n} bookings")
    return {
        "bookings": n,
        "req_s": n / wall,
        "execute": delta["execute"] / n,
        "knox": delta["knox_cleanup"] / n,
        "txn": 2 * delta["transactions"] / n,  # BEGIN + COMMIT of each explicit transaction
        "xact": (xact1 - xact0 - 1) / n,  # minus the snapshot query's own
        "app_ms": (app1 - app0) * 1000 / n,
        "pg_ms": (pg1 - pg0) * 1000 / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=400, help="measured bookings per side")
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--race-rounds", type=int, default=10)
    parser.add_argument("--baseline-ref", default="a0111b2")
    parser.add_argument("--port", type=int, default=8710, help="this side's port; the baseline's is the next")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@localhost:5432/attune_bench_booking")
    redis_url = os.environ.get("REDIS_URL", "redis://localhost:6379/2")
    parsed = urlparse(base_url)
    name = parsed.path.lstrip("/")
    sides = [
        Side("this", ROOT, parsed._replace(path=f"/{name}_this").geturl(), args.port, args.threads, redis_url),
        Side(
            f"baseline {args.baseline_ref}",
            baseline_checkout(args.baseline_ref),
            parsed._replace(path=f"/{name}_base").geturl(),
            args.port + 1,
            args.threads,
            redis_url,
        ),
    ]
    load0 = os.getloadavg()
    results, races = {}, {}
    try:
        for side in sides:
            side.prepare()
            side.start()
        # Interleaved halves, so that a change in the machine's load falls on both sides alike.
        half = args.bookings // 2
        for _ in range(2):
            for side in sides:
                figures = measure(side, half, args.warmup)
                previous = results.get(side.name)
                if previous is None:
                    results[side.name] = figures
                else:
                    total = previous["bookings"] + figures["bookings"]
                    merged = {
                        key: (previous[key] * previous["bookings"] + figures[key] * figures["bookings"]) / total
                        for key in figures
                    }
                    merged["bookings"] = total
                    results[side.name] = merged
        for side in sides:
            races[side.name] = race(side, args.race_rounds)
    finally:
        for side in sides:
            side.stop()
    load1 = os.getloadavg()

    print(
        f"\nBooking through gunicorn (gthread 2 x 4), {args.threads} client threads; load average "
        f"{load0[0]:.2f} before, {load1[0]:.2f} after (1 min)\n"
    )
    print(
        "| side | bookings | req/s | statements / booking (psycopg) | of which knox clean-up | + BEGIN/COMMIT "
        "| committed xacts / booking | app CPU ms | PostgreSQL CPU ms | server CPU ms | CPU vs baseline |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    baseline = results[sides[1].name]
    for side in sides:
        r = results[side.name]
        cpu = r["app_ms"] + r["pg_ms"]
        ratio = cpu / (baseline["app_ms"] + baseline["pg_ms"])
        print(
            f"| {side.name} | {r['bookings']:.0f} | {r['req_s']:.1f} | {r['execute']:.2f} | {r['knox']:.2f} "
            f"| {r['txn']:.2f} | {r['xact']:.2f} | {r['app_ms']:.2f} | {r['pg_ms']:.2f} | {cpu:.2f} | {ratio:.2f} |"
        )
    print("\nRace: 8 clients on one slot, each round")
    print("| side | rounds | exactly one 201, seven 409 | outcomes |")
    print("|---|---:|---:|---|")
    for side in sides:
        rounds = races[side.name]
        good = sum(codes == [201] + [409] * (args.threads - 1) for codes in rounds)
        seen = sorted({tuple(c) for c in rounds})
        print(f"| {side.name} | {len(rounds)} | {good} | {'; '.join(','.join(map(str, s)) for s in seen)} |")


if __name__ == "__main__":
    main()
