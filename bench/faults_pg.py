"""Fault run: PostgreSQL restarted under load.

    .venv/bin/python bench/faults_pg.py

Starts a PostgreSQL server of its OWN (initdb into a temporary directory, port 5441; the machine's
shared server is never touched), migrates and demo-seeds it, serves Attune with gunicorn, and puts
it under load from several threads: front-desk reads, single bookings and weekly series (a series is
one request that writes many rows). In the middle it stops PostgreSQL (`pg_ctl stop -m immediate` by
default: a crash, with WAL recovery at the next start), keeps it down, starts it again and keeps the
load going. It prints, per phase (before, outage, after), what the requests got, and then checks the
database for partial writes:

- every booking or series the API confirmed (201) is there;
- every request that failed left nothing behind: no appointment at its (unique) time;
- every appointment has its client row and its audit event; every series has all its occurrences;
- every booking confirmation that fell due was emailed, and how many twice: a Celery worker and beat
  run through the restart (send transactions cut by the stop are reclaimed after the claim timeout,
  20 s here), with a file email backend (bench/faults_mail.py) counted by Message-ID. A send whose
  hand-off finished just as the server went down is sent again (at-least-once): reported, not failed.

Requires PostgreSQL's server binaries (Debian: /usr/lib/postgresql/<v>/bin) and a Redis on
localhost:6379 (database 6, flushed by this script).
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_stack as stack  # noqa: E402
from faults_run import tally, wait_sent  # noqa: E402

PASSWORD = "attune-demo-pass"
DB = "attune_pgfault"
REDIS_URL = "redis://localhost:6379/6"
SERIES_COUNT = 6  # occurrences per series request
SERIES_KEYS = 4 * 7 * 144  # distinct series requests a run can make (see Load.one)


# --- an own PostgreSQL server --------------------------------------------------------------------


class OwnPostgres:
    def __init__(self, root: Path, port: int):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.data = root / "pgdata"
        self.log = root / "postgres.log"
        self.root = root
        self.port = port

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # the server refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def init(self) -> None:
        self.root.chmod(0o755)
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.data, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "60", "start")

    def stop(self, mode: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=mode != "immediate")

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"


# --- HTTP ------------------------------------------------------------------------------------------


class Load:
    """Threads that each loop over a mix of requests until stopped, recording every result."""

    def __init__(self, base: str, token: str, type_id: int, clinicians: list[int], clients: list[int], retry=False):
        self.base, self.token, self.type_id, self.retry = base, token, type_id, retry
        self.clinicians, self.clients = clinicians, clients
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.results: list[dict] = []  # {"t", "op", "status", "ms", "key"}
        self.counter = 0
        self.origin = dt.datetime(2031, 1, 6, tzinfo=dt.UTC)  # single bookings: every request gets its own time
        self.tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)

    def _next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def _record(self, op: str, started: float, status, key=None, tries: int = 1) -> None:
        with self.lock:
            self.results.append(
                {"t": started, "op": op, "status": status, "ms": (time.monotonic() - started) * 1000, "key": key,
                 "tries": tries}
            )  # fmt: skip

    def _write(self, op: str, path: str, body: dict, check_key, id_of) -> None:
        """A booking or a series. With --retry it carries an Idempotency-Key and is sent again under the same
        key, a second later, after a 503 or a refused connection, until it gets another answer (or the run
        ends); the attempts before the last are recorded as "<op> (retried)"."""
        headers = {"Idempotency-Key": uuid.uuid4().hex} if self.retry else None
        tries = 0
        while True:
            started = time.monotonic()
            status, reply = stack.api(self.base, self.token, "POST", path, body, headers=headers)
            tries += 1
            if self.retry and (status == 503 or isinstance(status, str)) and not self.stop.is_set():
                self._record(f"{op} (retried)", started, status)
                time.sleep(1)
                continue
            self._record(op, started, status, (op, check_key, id_of(reply)), tries)
            return

    def one(self) -> None:
        n = self._next()
        started = time.monotonic()
        kind = n % 6
        who = {"clinician": self.clinicians[n % len(self.clinicians)], "clients": [self.clients[n % len(self.clients)]]}
        if kind in (0, 1, 2):
            status, _ = stack.api(self.base, self.token, "GET", "/appointments/?page_size=20" if kind else "/clients/")
            self._record("read", started, status)
        elif kind in (3, 4):
            # Single booking: its own hour, 1,000 days after the origin plus n hours.
            starts = self.origin + dt.timedelta(days=1000, hours=n)
            self._write("booking", "/appointments/", {
                **who, "appointment_type": self.type_id, "starts_at": starts.strftime("%Y-%m-%dT%H:%M:00Z"),
                "mode": "telehealth", "video_link": "https://video.example.org/f", "outside_availability": True,
            }, starts, lambda reply: reply.get("id"))  # fmt: skip
        else:
            # A weekly series of SERIES_COUNT 10-minute sessions, inside the booking horizon (182 days): each
            # series request takes its own (six-week block, day of the block's first week, time of day), so no
            # two series ever overlap: 4 blocks x 7 days x 144 times.
            index = n // 6
            if index >= SERIES_KEYS:
                status, _ = stack.api(self.base, self.token, "GET", "/clients/")
                self._record("read", started, status)
                return
            start_date = self.tomorrow + dt.timedelta(days=42 * (index // 1008) + (index // 144) % 7)
            local_time = dt.time((index % 144) // 6, (index % 6) * 10)
            self._write("series", "/series/", {
                **who, "appointment_type": self.type_id, "mode": "telehealth", "video_link": "https://video.example.org/s",
                "time_zone": "UTC", "start_date": start_date.isoformat(), "local_time": local_time.strftime("%H:%M"),
                "rrule": "FREQ=WEEKLY", "count": SERIES_COUNT, "outside_availability": True,
            }, (start_date, local_time), lambda reply: (reply.get("series") or {}).get("id"))  # fmt: skip

    def run(self, threads: int) -> list[threading.Thread]:
        def loop():
            while not self.stop.is_set():
                self.one()

        workers = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
        for worker in workers:
            worker.start()
        return workers


# --- checks ----------------------------------------------------------------------------------------


def check_writes(url: str, results: list[dict]) -> dict:
    """Partial writes and lost confirmations, read straight from the database."""
    import psycopg

    out: Counter = Counter()
    lost_replies: list[str] = []
    with psycopg.connect(url) as conn:
        for r in results:
            if r["op"] == "booking":
                _, starts, appointment_id = r["key"]
                rows = conn.execute(
                    "SELECT a.id, (SELECT count(*) FROM scheduling_appointmentclient c WHERE c.appointment_id = a.id),"
                    " (SELECT count(*) FROM practice_auditevent e WHERE e.object_type = 'scheduling.appointment'"
                    "  AND e.object_id = a.id::text AND e.action = 'create')"
                    " FROM scheduling_appointment a WHERE a.starts_at = %s",
                    [starts],
                ).fetchall()
                if r["status"] == 201:
                    out["bookings confirmed (201)"] += 1
                    if not rows or rows[0][0] != appointment_id:
                        out["confirmed but missing"] += 1
                elif rows:
                    out["failed but written (reply lost after commit)"] += 1
                    lost_replies.append(f"booking answered {r['status']}")
                for _, client_rows, audits in rows:
                    if client_rows != 1 or audits != 1:
                        out["appointments missing their client row or audit event"] += 1
            elif r["op"] == "series":
                _, (start_date, local_time), series_id = r["key"]
                found = conn.execute(
                    "SELECT s.id, (SELECT count(*) FROM scheduling_appointment a WHERE a.series_id = s.id)"
                    " FROM scheduling_appointmentseries s WHERE s.start_date = %s AND s.local_time = %s",
                    [start_date, local_time],
                ).fetchall()
                if r["status"] == 201:
                    out["series confirmed (201)"] += 1
                    if not found or found[0][0] != series_id:
                        out["confirmed but missing"] += 1
                elif found:
                    out["failed but written (reply lost after commit)"] += 1
                    lost_replies.append(f"series answered {r['status']}")
                for _, occurrences in found:
                    if occurrences != SERIES_COUNT:
                        out["series with missing occurrences"] += 1
    for key in ("confirmed but missing", "failed but written (reply lost after commit)",
                "appointments missing their client row or audit event", "series with missing occurrences"):  # fmt: skip
        out.setdefault(key, 0)
    out["of which (committed, then the reply failed)"] = ", ".join(lost_replies) or "-"
    return dict(out)


def phase_table(results: list[dict], t_stop: float, t_ready: float) -> list[tuple]:
    phases = {"before the stop": [], "PostgreSQL down or starting": [], "after it answers again": []}
    for r in results:
        if r["t"] < t_stop:
            phases["before the stop"].append(r)
        elif r["t"] < t_ready:
            phases["PostgreSQL down or starting"].append(r)
        else:
            phases["after it answers again"].append(r)
    rows = []
    for name, rs in phases.items():
        statuses = Counter(r["status"] for r in rs)
        ok = sum(v for k, v in statuses.items() if isinstance(k, int) and k < 400)
        other = {k: v for k, v in statuses.items() if not (isinstance(k, int) and (k < 400 or k in (503, 500)))}
        ms = sorted(r["ms"] for r in rs) or [0.0]
        rows.append((name, len(rs), ok, statuses.get(503, 0), statuses.get(500, 0),
                     ", ".join(f"{k}×{v}" for k, v in other.items()) or "0",
                     statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]))  # fmt: skip
    return rows


def wait_db(pg: OwnPostgres, timeout: float = 60) -> float:
    import psycopg

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with psycopg.connect(pg.url(DB), connect_timeout=1):
                return time.monotonic()
        except psycopg.OperationalError:
            time.sleep(0.05)
    raise SystemExit("own PostgreSQL did not come back")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8767, help="gunicorn's port")
    parser.add_argument("--pg-port", type=int, default=5441)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--before", type=float, default=15, help="seconds of load before the stop")
    parser.add_argument("--outage", type=float, default=10, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--after", type=float, default=20, help="seconds of load after it answers again")
    parser.add_argument("--mode", choices=["immediate", "fast"], default="immediate", help="pg_ctl stop mode")
    parser.add_argument(
        "--retry", action="store_true", help="bookings carry an Idempotency-Key and are retried after a 503"
    )
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="attune-pgfault-"))
    pg = OwnPostgres(root, args.pg_port)
    mail_dir = root / "mail"
    mail_dir.mkdir()
    env = stack.base_env(
        DATABASE_URL=pg.url(DB),
        REDIS_URL=REDIS_URL,
        EMAIL_BACKEND="faults_mail.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        FAULTS_MAIL_DELAY="0.05",
        REMINDERS_CLAIM_TIMEOUT="20",
        PYTHONPATH=str(stack.ROOT / "bench") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    subprocess.run(["redis-cli", "-n", "6", "flushdb"], capture_output=True, check=False)
    web = None
    celery: list[subprocess.Popen] = []
    base = f"http://127.0.0.1:{args.port}"
    try:
        pg.init()
        pg.start()
        stack.prepare(env)
        web = stack.gunicorn(env, args.port, root / "gunicorn.log")
        celery.append(stack.celery_worker(env, root / "worker.log"))
        celery.append(stack.celery_beat(env, root / "beat.log", root / "beat-schedule"))
        stack.wait_http(f"{base}/healthz")
        login = {"email": "frontdesk@harbor.test", "password": PASSWORD}
        token = stack.api(base, None, "POST", "/auth/login/", login)[1]["token"]
        admin = stack.api(base, None, "POST", "/auth/login/", {**login, "email": "admin@harbor.test"})[1]["token"]
        # A booking confirmation for every booking and series (due at once), and an email reminder 5 minutes before.
        stack.api(base, admin, "PATCH", "/reminder-policy/",
            {"steps": [{"offset_minutes": 5, "channel": "email"}], "send_confirmation": True})  # fmt: skip
        wait_sent(pg.url(DB), 60)  # the demo data's own messages
        short = {"name": "Fault-run check-in", "duration_minutes": 10}
        type_id = stack.api(base, admin, "POST", "/appointment-types/", short)[1]["id"]
        clients = [c["id"] for c in stack.api(base, token, "GET", "/clients/")[1]["results"]]
        clinicians = [c["id"] for c in stack.api(base, token, "GET", "/clinicians/")[1]["results"]]

        load = Load(base, token, type_id, clinicians, clients, retry=args.retry)
        workers = load.run(args.threads)
        time.sleep(args.before)
        t_stop = time.monotonic()
        pg.stop(args.mode)
        time.sleep(args.outage)
        pg.start()
        t_ready = wait_db(pg)
        time.sleep(args.after)
        load.stop.set()
        for worker in workers:
            worker.join(timeout=60)

        drained_at = time.monotonic()
        drain = wait_sent(pg.url(DB), 300)
        messages = tally(pg.url(DB), mail_dir)
        results = load.results
        after = [r for r in results if r["t"] >= t_ready]
        first_ok = min((r["t"] for r in after if isinstance(r["status"], int) and r["status"] < 400), default=None)
        writes = check_writes(pg.url(DB), results)
        print(
            f"\nPostgreSQL restarted under load: pg_ctl stop -m {args.mode}, down {t_ready - t_stop:.1f} s (stopped "
            f"{args.outage:.0f} s, then start-up and recovery), {args.threads} threads, gunicorn 2 workers\n"
        )
        print("| phase | requests | 2xx | 503 | 500 | other | p50 ms | p95 ms |")
        print("|---|---:|---:|---:|---:|---|---:|---:|")
        for row in phase_table(results, t_stop, t_ready):
            print("| {} | {} | {} | {} | {} | {} | {:.0f} | {:.0f} |".format(*row))
        ops = Counter((r["op"], r["status"]) for r in results)
        print("\n| request kind | results |\n|---|---|")
        by_op: dict[str, list[str]] = defaultdict(list)
        for (op, status), n in sorted(ops.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            by_op[op].append(f"{status}×{n}")
        for op, parts in by_op.items():
            print(f"| {op} | {', '.join(parts)} |")
        if args.retry:
            writes_done = [r for r in results if r["op"] in ("booking", "series")]
            retried = [r for r in writes_done if r["tries"] > 1]
            ended = Counter(r["status"] for r in retried)
            print("\n| bookings and series retried under their Idempotency-Key | value |\n|---|---:|")
            print(f"| writes that met a 503 and were sent again | {len(retried)} |")
            print(f"| attempts at most / on average | {max((r['tries'] for r in retried), default=0)} / "
                  f"{sum(r['tries'] for r in retried) / max(len(retried), 1):.1f} |")  # fmt: skip
            print(
                f"| their final answers | {', '.join(f'{k}×{v}' for k, v in sorted(ended.items(), key=str)) or '-'} |"
            )
        print("\n| check | value |\n|---|---:|")
        print(f"| first success after PostgreSQL answered again | "
              f"{'%.2f s' % (first_ok - t_ready) if first_ok else 'never'} |")  # fmt: skip
        for key, value in writes.items():
            print(f"| {key} | {value} |")
        print("\n| outbox (Celery worker and beat through the restart) | value |\n|---|---:|")
        print(f"| all due messages sent, s after the load stopped | {drain:.1f} |")
        for key, value in messages.items():
            print(f"| {key} | {value} |")
        print(f"(load stopped {drained_at - t_ready:.0f} s after PostgreSQL answered again)")
        if messages["rows emailed twice or more (duplicates)"]:
            print(
                "A second copy means a send whose provider hand-off finished while PostgreSQL went down: its "
                "transaction could not commit `sent`, so the row was reclaimed and sent again with the same "
                "Message-ID (at-least-once, docs/reliability.md). Reported, not failed."
            )
        bad = (
            messages["still pending/claimed (lost)"]
            + writes["confirmed but missing"]
            + writes["appointments missing their client row or audit event"]
            + writes["series with missing occurrences"]
            + sum(1 for r in results if r["status"] == 500)
        )
        return 1 if bad or first_ok is None else 0
    finally:
        stack.stop(*celery, *([web] if web is not None else []))
        if (pg.data / "postmaster.pid").exists():
            pg.stop("fast")
        shutil.rmtree(pg.data, ignore_errors=True)
        subprocess.run(["redis-cli", "-n", "6", "flushdb"], capture_output=True, check=False)
        print(f"\nlogs and mail: {root}")


if __name__ == "__main__":
    sys.exit(main())
