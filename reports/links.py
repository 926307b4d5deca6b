"""Links into the project's web console, built in one place from the server's URL.

The paths are the console's (served by the API's Flask app under ``/console``); the perf
page takes the perf API's query parameters, with comma-separated uuids.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode


@dataclass(frozen=True)
class ConsoleLinks:
    """URLs of one project's console pages on the server at ``host``."""

    host: str
    project: str

    @property
    def _base(self) -> str:
        return f"{self.host.rstrip('/')}/console/projects/{quote(self.project, safe='')}"

    def project_page(self) -> str:
        """The project's overview."""
        return self._base

    def report(self, uuid: str) -> str:
        """One report."""
        return f"{self._base}/reports/{quote(uuid)}"

    def alerts(self) -> str:
        """The project's alerts."""
        return f"{self._base}/alerts"

    def alert(self, uuid: str) -> str:
        """One alert."""
        return f"{self._base}/alerts/{quote(uuid)}"

    def threshold(self, uuid: str) -> str:
        """One threshold with its models."""
        return f"{self._base}/thresholds/{quote(uuid)}"

    def perf(self, report: dict, row: dict) -> str:
        """The perf plot of one result's benchmark and measure on the report's branch, head
        and testbed."""
        branch = report.get("branch") if isinstance(report.get("branch"), dict) else {}
        query = {
            "branches": branch.get("uuid") or "",
            "heads": (branch.get("head") or {}).get("uuid") or "",
            "testbeds": report.get("testbed_uuid") or "",
            "benchmarks": row.get("benchmark_uuid") or "",
            "measures": row.get("measure_uuid") or "",
        }
        known = urlencode({name: value for name, value in query.items() if value})
        return f"{self._base}/perf?{known}" if known else f"{self._base}/perf"
