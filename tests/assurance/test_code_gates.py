"""Code gates: types (mypy with django-stubs and djangorestframework-stubs) and import contracts (import-linter).

Both read their configuration from pyproject.toml; each prints its figure in the terminal summary. The tiers of
mypy and the contracts, with what they leave for later, are described in docs/architecture.md.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.assurance.conftest import FIGURES

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
APPS = ["core", "backend", "practice", "scheduling", "intake", "notes", "reminders"]
DJANGO_PUBLIC = {"_meta", "_default_manager", "_base_manager", "_state"}  # underscored, but Django's public API
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]


def test_mypy_finds_no_error_in_what_it_checks():
    result = subprocess.run([str(BIN / "mypy")], cwd=ROOT, capture_output=True, text=True)
    out = result.stdout + result.stderr
    errors = re.findall(r"^\S+\.py:\d+: error:", out, re.M)
    checked = re.search(r"(?:checked|in) (\d+) source files?", out)
    overrides = CONFIG["mypy"]["overrides"]
    strict = next(o["module"] for o in overrides if o.get("disallow_untyped_defs"))
    unchecked = next(o["module"] for o in overrides if o.get("ignore_errors"))
    total = int(checked.group(1)) if checked else 0
    FIGURES.append(
        f"mypy (django-stubs, djangorestframework-stubs): {len(errors)} errors over {total} modules: "
        f"{len(strict)} strict, {total - len(strict) - len(unchecked)} default, "
        f"{len(unchecked)} not yet checked (listed in pyproject.toml)"
    )
    assert result.returncode == 0 and checked and not errors, out[-6000:]


def test_import_contracts_hold():
    result = subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    out = result.stdout + result.stderr
    summary = re.search(r"Contracts: (\d+) kept, (\d+) broken", out)
    FIGURES.append(
        f"import-linter: {summary.group(1)} contracts kept, {summary.group(2)} broken"
        if summary
        else "import-linter: did not run"
    )
    assert result.returncode == 0 and summary and summary.group(2) == "0", out[-6000:]
    assert int(summary.group(1)) == len(CONFIG["importlinter"]["contracts"]), out


def private_names_imported_across_apps() -> list[str]:
    """`from <other app>... import _name`, and `<module of another app>._name`: import-linter sees modules only."""
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), str(path))
            modules = {}  # local name -> module of another app, bound by `import x.y as z` or `from x import y`
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    other = node.module.split(".")[0]
                    if other in APPS and other != app:
                        for alias in node.names:
                            if alias.name.startswith("_") and not alias.name.startswith("__"):
                                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{alias.name}")
                            modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name.split(".")[0] in APPS and alias.name.split(".")[0] != app and alias.asname:
                            modules[alias.asname] = alias.name
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and node.attr not in DJANGO_PUBLIC
                    and isinstance(node.value, ast.Name)
                    and node.value.id in modules
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {modules[node.value.id]}.{node.attr}")
    return found


def test_no_app_imports_another_apps_private_names():
    found = private_names_imported_across_apps()
    FIGURES.append(f"private names (_name) of one app used by another: {len(found)}")
    assert not found, "\n".join(found)
