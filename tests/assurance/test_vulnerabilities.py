"""Known vulnerabilities in the locks (what the service runs on, and the tools CI runs), measured by pip-audit.

The data: the live service when one answers (pip-audit's default, the PyPI JSON API, then OSV), otherwise the
dated offline snapshot of the PyPA advisory database in ../shared/advisories/, served to the same pip-audit as an
OSV endpoint on the loopback (tests/assurance/osv_snapshot.py). The figure says which data it used and its date.
The gate: zero known vulnerabilities in requirements/runtime.lock and requirements/dev.lock, except those named in
NOT_APPLICABLE with the reason they do not apply. `make audit` is the live-only check; this one is what CI can
measure.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.assurance.conftest import FIGURES
from tests.assurance.osv_snapshot import Snapshot, affects, osv_endpoint

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ["runtime.lock", "dev.lock"]
BIN = Path(sys.executable).parent

# Advisory id -> why it does not apply to Attune. Empty: every known vulnerability is fixed by a pin upgrade.
NOT_APPLICABLE: dict[str, str] = {}


def pip_audit(requirements: Path, cache: Path, *service: str) -> tuple[dict[str, Any] | None, str]:
    """pip-audit's JSON report over a requirements file, or None and the reason it gave none."""
    result = subprocess.run(
        [str(BIN / "pip-audit"), "-r", str(requirements), "--no-deps", "--disable-pip", "--strict"]
        + ["--progress-spinner", "off", "--format", "json", "--timeout", "10", "--cache-dir", str(cache), *service],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(result.stdout)
    except ValueError:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        return None, (lines[-1] if lines else f"exit {result.returncode}")[:160]
    return report, ""


def audit_lock(requirements: Path, cache: Path) -> tuple[dict[str, Any], str]:
    """The report and a sentence naming its data: a live service if one answers, else the offline snapshot."""
    unanswered = []
    for label, service in (("PyPI JSON API", ()), ("OSV", ("--vulnerability-service", "osv"))):
        report, reason = pip_audit(requirements, cache, *service)
        if report is not None:
            return report, f"live service ({label}), {datetime.date.today().isoformat()}"
        unanswered.append(f"{label}: {reason}")
    snapshot = Snapshot()
    assert snapshot.exists(), f"No vulnerability service answered ({'; '.join(unanswered)}) and no snapshot at " + str(
        snapshot.vulns
    )
    with osv_endpoint(snapshot) as url:
        report, reason = pip_audit(requirements, cache, "--vulnerability-service", "osv", "--osv-url", url)
    assert report is not None, f"pip-audit against the offline snapshot failed: {reason}"
    age = (datetime.date.today() - datetime.date.fromisoformat(snapshot.date)).days
    return report, (
        f"offline snapshot of the PyPA advisory database dated {snapshot.date} ({age} days old, "
        f"{snapshot.package_count()} packages; no live service answered)"
    )


def findings(report: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    return [
        (dep["name"], dep["version"], vuln["id"], vuln["fix_versions"])
        for dep in report["dependencies"]
        for vuln in dep.get("vulns", [])
    ]


def installable_pins(path: Path) -> set[str]:
    """The canonical names of the lock's pins whose environment marker holds for this interpreter."""
    requirements = [Requirement(line) for line in path.read_text().splitlines() if "==" in line]
    return {canonicalize_name(r.name) for r in requirements if r.marker is None or r.marker.evaluate()}


@pytest.mark.parametrize("lock", LOCKS)
def test_lock_has_no_known_vulnerability(lock, tmp_path):
    path = ROOT / "requirements" / lock
    report, data = audit_lock(path, tmp_path)
    audited = {canonicalize_name(dep["name"]) for dep in report["dependencies"] if "skip_reason" not in dep}
    found = findings(report)
    unexplained = [f for f in found if f[2] not in NOT_APPLICABLE]
    FIGURES.append(
        f"known vulnerabilities in requirements/{lock}: {len(found)} ({len(unexplained)} not explained) "
        f"over {len(audited)} packages; data: {data}"
    )
    # Every pin was looked up (one pip-audit skipped would pass unaudited); a pin whose marker excludes this
    # interpreter (async-timeout is for Python < 3.11.3) is not installed here, and pip-audit leaves it out.
    assert audited == installable_pins(path), report
    assert not unexplained, "\n".join(
        f"{n}=={v}: {i} (fixed in {', '.join(f) or 'no release'})" for n, v, i, f in found
    )


def test_report_finds_the_advisories_of_an_old_release(tmp_path):
    # The same pipeline over a lock with releases that have known advisories: a report that cannot see them
    # (an endpoint answering nothing, a wrong version rule) would make the zero above meaningless.
    old = tmp_path / "old.lock"
    old.write_text("django==4.2.0\nrequests==2.19.0\ndjangorestframework==3.18.3\n")
    report, _ = audit_lock(old, tmp_path)
    by_package: dict[str, set[str]] = {}
    for name, version, ident, fixes in findings(report):
        by_package.setdefault(name, set()).add(ident)
        assert any(_newer(fix, version) for fix in fixes), (name, version, ident, fixes)
    assert {"django", "requests"} <= set(by_package), by_package
    assert "djangorestframework" not in by_package, by_package


def _newer(fix: str, version: str) -> bool:
    return Version(fix) > Version(version)


RECORD = {
    "affected": [
        {
            "package": {"name": "Django", "ecosystem": "PyPI"},
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "1.4.0"}, {"fixed": "1.4.4"}, {"introduced": "1.3.0"}]},
                {"type": "ECOSYSTEM", "events": [{"fixed": "1.3.6"}]},
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "0.9"}]},
            ],
            "versions": ["1.2.5"],
        }
    ]
}


@pytest.mark.parametrize(
    "version, affected",
    [
        ("0.9", True),
        ("1.0", False),
        ("1.2.5", True),
        ("1.2.9", False),
        ("1.3", True),
        ("1.3.5", True),
        ("1.4.3", True),
        ("1.4.4", False),
        ("2.0", False),
    ],
)
def test_snapshot_applies_osv_ranges_and_listed_versions(version, affected):
    assert affects(RECORD, "django", version) is affected
    assert not affects(RECORD, "djangorestframework", version)
