"""Shape gates: modules a newcomer can read in one sitting, and no hidden import between modules.

- No module of the project (product code, tests, benchmarks, scripts; migrations excepted) is longer than
  MAX_LINES: split by what it holds instead (docs/architecture.md, "Where things are").
- An import of a project module inside a function hides a dependency from the import contracts' reader and often a
  cycle: each one says why on its own line or the line above (`# ...`), or moves to the top of the module.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from tests.assurance.conftest import FIGURES

ROOT = Path(__file__).resolve().parents[2]
PROJECT = {"backend", "core", "practice", "scheduling", "intake", "notes", "reminders"}
MAX_LINES = 420  # "about 400": a module a little over it is not worth splitting for the number's sake


def python_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in listed.stdout.split() if "/migrations/" not in name]


def test_no_module_is_longer_than_a_sitting():
    sizes = {path: len(path.read_text().splitlines()) for path in python_files()}
    too_long = sorted((n, str(p.relative_to(ROOT))) for p, n in sizes.items() if n > MAX_LINES)
    FIGURES.append(
        f"module size: longest {max(sizes.values())} lines over {len(sizes)} modules; {len(too_long)} over {MAX_LINES}"
    )
    assert not too_long, "\n".join(f"{name}: {n} lines" for n, name in too_long)


def says_why(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or above the block of imports it belongs to."""
    if "#" in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def function_level_project_imports(path: Path) -> list[tuple[int, str]]:
    source = path.read_text()
    lines = source.splitlines()
    found = set()  # a set: an import inside a nested function is seen from both functions
    for node in ast.walk(ast.parse(source, str(path))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom):
                project = inner.level > 0 or (inner.module or "").split(".")[0] in PROJECT
            elif isinstance(inner, ast.Import):
                project = any(alias.name.split(".")[0] in PROJECT for alias in inner.names)
            else:
                continue
            if project and not says_why(lines, inner.lineno):
                found.add((inner.lineno, lines[inner.lineno - 1].strip()))
    return sorted(found)


def test_every_function_level_import_of_the_project_says_why():
    product = [p for p in python_files() if p.relative_to(ROOT).parts[0] in PROJECT]
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in product
        for line, text in function_level_project_imports(path)
    ]
    FIGURES.append(f"function-level imports of project modules without a reason: {len(found)}")
    assert not found, "\n".join(found)
