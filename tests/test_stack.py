"""scripts/stack.py, what `make run` and `make test` execute: the project-local Redis it starts when none
answers, the supervision of `make run`'s children, and the base URL it hands them. Real processes and a real
server throughout; the back-off is driven by the clock values passed to `tick`, never by sleeping."""

import argparse
import importlib.util
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import redis

_spec = importlib.util.spec_from_file_location("stack", Path(__file__).resolve().parent.parent / "scripts" / "stack.py")
stack = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stack)

PY = sys.executable
CRASH = [PY, "-c", "import sys; sys.exit(3)"]
STEADY = [PY, "-c", "import time; time.sleep(120)"]


@pytest.fixture
def supervisor():
    lines: list[str] = []
    sup = stack.Supervisor({"crasher": CRASH, "steady": STEADY}, say=lines.append, backoff=(1, 4), steady_after=60)
    sup.lines = lines
    sup.start(0)
    yield sup
    sup.stop(timeout=5)


def _crashed(sup, now):
    sup.children["crasher"].wait(timeout=30)
    sup.tick(now)


def test_a_child_that_exits_is_restarted_after_a_doubling_back_off_said_in_one_line(supervisor):
    steady = supervisor.children["steady"]
    _crashed(supervisor, 0)
    assert supervisor.lines == ["crasher exited (code 3) after 0 s; restarting it in 1 s"]
    first = supervisor.children["crasher"]
    supervisor.tick(0.5)
    assert supervisor.children["crasher"] is first and supervisor.restarts["crasher"] == 0
    supervisor.tick(1.0)
    assert supervisor.children["crasher"] is not first and supervisor.restarts["crasher"] == 1
    for now, delay in ((1.0, 2), (3.0, 4), (7.0, 4)):  # doubles, then stays at the cap
        _crashed(supervisor, now)
        assert supervisor.lines[-1].endswith(f"restarting it in {delay} s")
        supervisor.tick(now + delay)
    assert supervisor.restarts["crasher"] == 4
    assert len(supervisor.lines) == 4
    # The other child was never touched.
    assert supervisor.children["steady"] is steady and steady.poll() is None


def test_a_child_that_ran_a_steady_while_restarts_after_the_first_delay_again(supervisor):
    _crashed(supervisor, 0)
    supervisor.tick(1)  # restarted at 1
    _crashed(supervisor, 1)
    assert supervisor.lines[-1].endswith("restarting it in 2 s")
    supervisor.tick(3)  # restarted at 3
    _crashed(supervisor, 100)  # up 97 s: past steady_after
    assert supervisor.lines[-1] == "crasher exited (code 3) after 97 s; restarting it in 1 s"


def test_stop_ends_every_child_and_restarts_none(supervisor):
    _crashed(supervisor, 0)
    supervisor.stop(timeout=5)
    children = dict(supervisor.children)
    supervisor.tick(10)
    supervisor.tick(100)
    assert supervisor.children == children
    assert all(child.poll() is not None for child in children.values())
    assert supervisor.restarts == {"crasher": 0, "steady": 0}


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:8141"),
        ("0.0.0.0", "http://127.0.0.1:8141"),  # bound to every address: reached on loopback
        ("::", "http://127.0.0.1:8141"),
        ("::1", "http://[::1]:8141"),
        ("attune.local", "http://attune.local:8141"),
    ],
)
def test_public_base_url_is_the_address_run_serves(host, expected):
    assert stack.public_base_url(host, "8141") == expected


def test_the_embedded_redis_answers_on_its_port_and_is_gone_after_stop(tmp_path):
    server = stack.start_embedded_redis(tmp_path / "r")
    client = redis.Redis(host="127.0.0.1", port=server.port)
    assert client.incr("attune:probe") == 1 and client.incr("attune:probe") == 2
    assert client.info("server")["redis_version"].startswith("7.")
    client.close()
    port = server.port
    server.stop()
    assert not stack._port_open("127.0.0.1", port)


def test_ensure_redis_starts_a_project_local_server_when_none_is_configured(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ATTUNE_EMBEDDED_REDIS", "1")  # the machine's Redis answers on 6379 here: pass it by
    monkeypatch.setattr(stack, "REDIS_DIR", tmp_path)
    started: list[str] = []
    server = stack.ensure_redis(need_server=True, started=started)
    try:
        url = stack.os.environ["REDIS_URL"]
        assert url == f"redis://127.0.0.1:{server.port}/0"
        assert redis.Redis.from_url(url).ping()
        assert started == [f"Redis (embedded Valkey, 127.0.0.1:{server.port})"]
        assert "[attune] Redis: starting a project-local server" in capsys.readouterr().out
    finally:
        stack.stop_servers(None, server)
    assert not stack._port_open("127.0.0.1", server.port)
    assert not (tmp_path / str(stack.os.getpid())).exists()


def test_a_server_left_by_a_killed_command_is_stopped_by_the_next(tmp_path, monkeypatch):
    dead = subprocess.run([PY, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    folder = tmp_path / dead.stdout.strip()
    left = stack.start_embedded_redis(folder)
    monkeypatch.setattr(stack, "REDIS_DIR", tmp_path)
    stack._sweep_stale_redis()
    assert not stack._port_open("127.0.0.1", left.port)
    assert not folder.exists()


def test_a_live_commands_server_is_left_alone(tmp_path, monkeypatch):
    folder = tmp_path / str(stack.os.getpid())
    server = stack.start_embedded_redis(folder)
    monkeypatch.setattr(stack, "REDIS_DIR", tmp_path)
    try:
        stack._sweep_stale_redis()
        assert stack._port_open("127.0.0.1", server.port)
    finally:
        server.stop()


def test_where_no_binary_fits_the_message_names_the_platform_and_what_to_do():
    reason = stack.embedded_redis_missing_reason("Linux", "aarch64", (3, 11), installed=False)
    assert "Linux aarch64, Python 3.11" in reason and "localhost:6379, or set REDIS_URL" in reason
    assert "Python 3.14" in stack.embedded_redis_missing_reason("Linux", "x86_64", (3, 14), installed=False)
    assert "make venv" in stack.embedded_redis_missing_reason("Linux", "x86_64", (3, 11), installed=False)
    assert stack.embedded_redis_missing_reason("Linux", "x86_64", (3, 11), installed=True) == ""


NO_WHEEL = "no embedded Redis binary fits this platform (Linux riscv64, Python 3.11; ...)"


def test_without_a_binary_run_falls_back_to_the_filesystem_broker_and_says_so(monkeypatch, capsys):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ATTUNE_EMBEDDED_REDIS", "1")
    monkeypatch.setattr(stack, "embedded_redis_missing_reason", lambda *a, **k: NO_WHEEL)
    started: list[str] = []
    assert stack.ensure_redis(need_server=False, started=started) is None
    assert stack.os.environ["REDIS_URL"] == "" and started == []
    out = capsys.readouterr().out
    assert f"[attune] Redis: none ({NO_WHEEL})." in out
    assert "[attune] Redis: last fallback: Celery uses the filesystem broker in var/broker" in out


def test_without_a_binary_test_stops_naming_the_reason(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ATTUNE_EMBEDDED_REDIS", "1")
    monkeypatch.setattr(stack, "embedded_redis_missing_reason", lambda *a, **k: NO_WHEEL)
    with pytest.raises(SystemExit) as stopped:
        stack.ensure_redis(need_server=True, started=[])
    assert str(stopped.value) == f"Redis is required for this command and none answers on localhost:6379: {NO_WHEEL}."


def test_run_on_a_port_in_use_stops_at_once_naming_the_port_and_the_way_out(monkeypatch, capsys):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert stack.address_in_use("127.0.0.1", port)

        def must_not_start(*_args, **_kwargs):
            raise AssertionError("servers started although the port is taken")

        monkeypatch.setattr(stack, "ensure_postgres", must_not_start)
        assert stack.cmd_run(argparse.Namespace(host="127.0.0.1", port=str(port))) == 2
    said = capsys.readouterr().out
    assert f"127.0.0.1:{port} is already in use" in said and f"make run PORT={port + 1}" in said
    assert not stack.address_in_use("127.0.0.1", port)  # free again once the listener is gone
