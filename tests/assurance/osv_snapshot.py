"""The offline snapshot of the Python Packaging Advisory Database, served as an OSV `/v1/query` endpoint.

CI reaches no vulnerability service, so the vulnerability report (test_vulnerabilities.py) runs pip-audit against
this endpoint on the loopback when neither live service answers. The snapshot is `../shared/advisories/pypa`
beside the repository (override with ATTUNE_ADVISORIES_DIR), OSV records as `vulns/<package>/<ID>.yaml`; its
README says the date of the snapshot, which the report prints with the figure.

OSV's rule for whether a version is affected (https://ossf.github.io/osv-schema/#evaluation): listed in
`versions`, or inside an ECOSYSTEM range, walking its events in version order (`introduced` opens, `fixed` closes
at that version, `last_affected` closes after it). GIT ranges name commits, not releases: their releases are in
`versions`, which the PyPA database always fills.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT.parent / "shared" / "advisories"


def _version(text: object) -> Version | None:
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def _in_range(version: Version, events: list[dict[str, Any]]) -> bool:
    def key(event: dict[str, Any]) -> Version:
        (value,) = event.values()
        return Version("0") if str(value) == "0" else (_version(value) or Version("0"))

    affected = False
    for event in sorted(events, key=key):
        kind, value = next(iter(event.items()))
        bound = Version("0") if str(value) == "0" else _version(value)
        if bound is None:
            continue
        if kind == "introduced" and version >= bound:
            affected = True
        elif kind == "fixed" and version >= bound:
            affected = False
        elif kind == "last_affected" and version > bound:
            affected = False
    return affected


def affects(record: dict[str, Any], name: str, version: str) -> bool:
    """Whether the OSV record names this release of this PyPI package (canonical name) as affected."""
    parsed = _version(version)
    for affected in record.get("affected", []):
        package = affected.get("package", {})
        if package.get("ecosystem") != "PyPI" or canonicalize_name(package.get("name", "")) != name:
            continue
        listed = {str(v) for v in affected.get("versions", [])}
        if version in listed or (parsed is not None and any(_version(v) == parsed for v in listed)):
            return True
        if parsed is not None and any(
            _in_range(parsed, r.get("events", [])) for r in affected.get("ranges", []) if r.get("type") == "ECOSYSTEM"
        ):
            return True
    return False


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):  # unquoted YAML timestamps
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(type(value).__name__)


class Snapshot:
    def __init__(self, base: Path | None = None) -> None:
        self.base = Path(base or os.environ.get("ATTUNE_ADVISORIES_DIR") or DEFAULT_DIR)
        self.vulns = self.base / "pypa" / "vulns"

    def exists(self) -> bool:
        return self.vulns.is_dir()

    @cached_property
    def date(self) -> str:
        """The snapshot's date as its README states it ("... whose last commit is dated YYYY-MM-DD")."""
        match = re.search(r"dated\s+(\d{4}-\d{2}-\d{2})", (self.base / "README.md").read_text())
        if not match:
            raise ValueError(f"{self.base / 'README.md'} does not state the snapshot's date")
        return match.group(1)

    @cached_property
    def _dirs(self) -> dict[str, Path]:
        return {canonicalize_name(path.name): path for path in self.vulns.iterdir() if path.is_dir()}

    def package_count(self) -> int:
        return len(self._dirs)

    def records(self, name: str) -> list[dict[str, Any]]:
        folder = self._dirs.get(canonicalize_name(name))
        if folder is None:
            return []
        return [yaml.load(path.read_text(), Loader=yaml.CSafeLoader) for path in sorted(folder.glob("*.y*ml"))]

    def query(self, name: str, version: str) -> list[dict[str, Any]]:
        name = canonicalize_name(name)
        return [r for r in self.records(name) if not r.get("withdrawn") and affects(r, name, version)]


@contextmanager
def osv_endpoint(snapshot: Snapshot) -> Iterator[str]:
    """Serve `POST /v1/query` (OSV's API, the part pip-audit uses) from the snapshot on 127.0.0.1; yield its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            try:
                query = json.loads(self.rfile.read(length))
                package = query["package"]
                if package.get("ecosystem", "PyPI") != "PyPI" or self.path != "/v1/query":
                    raise KeyError("ecosystem")
                vulns = snapshot.query(package["name"], str(query["version"]))
            except (ValueError, KeyError, TypeError):
                self.send_error(400, "expected an OSV query for a PyPI package and version")
                return
            body = json.dumps({"vulns": vulns} if vulns else {}, default=_jsonable).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
