"""Shared helpers for bench/load_run.py and bench/faults_run.py: an Attune stack of our own.

Everything is local: the PostgreSQL database named in DATABASE_URL (created if missing, migrated,
demo-seeded), gunicorn on 127.0.0.1:<port>, and (for the fault runs) a Celery worker and beat.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def base_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
    env.setdefault("DATABASE_URL", "postgres://postgres@localhost:5432/attune_load")
    env.setdefault("REDIS_URL", "redis://localhost:6379/5")
    env["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory: not a load figure
    env.update(overrides)
    return env


def create_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict[str, str]) -> None:
    create_database(env["DATABASE_URL"])
    for args in (("migrate", "--noinput", "-v", "0"), ("seed_demo",)):
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = open(log, "ab")  # noqa: SIM115 - lives as long as the child
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def gunicorn(env: dict[str, str], port: int, log: Path, workers: int = 2) -> subprocess.Popen:
    return start(
        [PY, "-m", "gunicorn", "backend.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)], env, log
    )


def celery_worker(env: dict[str, str], log: Path, concurrency: int = 2) -> subprocess.Popen:
    return start(
        [PY, "-m", "celery", "-A", "backend", "worker", "--loglevel", "INFO", "--concurrency", str(concurrency)],
        env,
        log,
    )


def celery_beat(env: dict[str, str], log: Path, schedule: Path) -> subprocess.Popen:
    return start(
        [PY, "-m", "celery", "-A", "backend", "beat", "--loglevel", "INFO", "--schedule", str(schedule)], env, log
    )


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # nosec B310 - http://127.0.0.1 of the stack this script started
                return
        except Exception:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def stop(*children: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, sig)
    for child in children:
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def api(
    base: str, token: str | None, method: str, path: str, body: dict | None = None, headers: dict | None = None
) -> tuple[int | str, dict]:
    """One API call to the stack, as the demo practice: (status, JSON body); the error's class name as the
    status when the web server itself did not answer."""
    headers = {"X-Practice": "harbor", "Content-Type": "application/json", **(headers or {})}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}/api/v1{path}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # nosec B310 - http://127.0.0.1 of the stack this script started
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {}
    except OSError as exc:  # refused, reset, timed out: the web server itself did not answer
        return type(exc).__name__, {}
