"""Static gates: bandit (medium severity and above) and ruff lint over the product code.

Each runs the tool the way a developer would, fails on any finding, and prints its figure in the terminal
summary ("assurance figures").
"""

import json
import subprocess
import sys
from pathlib import Path

from tests.assurance.conftest import FIGURES

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ["core", "backend", "practice", "scheduling", "intake", "notes", "reminders", "bench", "scripts", "manage.py"]
BIN = Path(sys.executable).parent


def test_bandit_finds_nothing_of_medium_severity_or_above():
    paths = [p for p in PRODUCT if (ROOT / p).exists()]
    result = subprocess.run(
        [str(BIN / "bandit"), "-r", *paths, "-x", "*/migrations/*", "--severity-level", "medium", "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout)
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_severity']} {r['issue_text']}"
        for r in report["results"]
    ]
    totals = report["metrics"]["_totals"]
    FIGURES.append(
        f"bandit: {len(findings)} findings at medium severity or above "
        f"({totals['SEVERITY.LOW']} low-severity not gated, {totals['nosec']} nosec) over {totals['loc']} "
        "lines"
    )
    assert result.returncode == 0 and not findings, "\n".join(findings) or result.stderr


def test_ruff_lint_is_clean():
    result = subprocess.run(
        [str(BIN / "ruff"), "check", ".", "--output-format", "concise"], cwd=ROOT, capture_output=True, text=True
    )
    count = len([line for line in result.stdout.splitlines() if line.count(":") >= 3])
    FIGURES.append(f"ruff check: {count} findings")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_holds_for_the_whole_project():
    paths = ["."]
    result = subprocess.run([str(BIN / "ruff"), "format", "--check", *paths], cwd=ROOT, capture_output=True, text=True)
    unformatted = [line for line in result.stdout.splitlines() if line.startswith("Would reformat")]
    FIGURES.append(f"ruff format --check {' '.join(paths)}: {len(unformatted)} files would be reformatted")
    assert result.returncode == 0, result.stdout + result.stderr
