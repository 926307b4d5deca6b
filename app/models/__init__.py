"""SQLAlchemy models, one module per aggregate. Models never commit."""

from app.models.job import Job
from app.models.job_log import JobLogChunk
from app.models.organization import PLANS, ApiToken, Organization, User
from app.models.perf_chunk import PerfChunk, PerfSeries
from app.models.project import VISIBILITIES, Benchmark, Branch, Measure, Project, Testbed
from app.models.report import Metric, MetricPerf, Report, ReportBenchmark
from app.models.runner import Runner, Spec, runner_spec
from app.models.threshold import ALERT_STATUSES, Alert, Boundary, Model, Threshold
from app.models.version import Head, HeadVersion, Version

__all__ = [
    "ALERT_STATUSES",
    "PLANS",
    "VISIBILITIES",
    "Alert",
    "ApiToken",
    "Benchmark",
    "Boundary",
    "Branch",
    "Head",
    "HeadVersion",
    "Job",
    "JobLogChunk",
    "Measure",
    "Metric",
    "MetricPerf",
    "Model",
    "Organization",
    "PerfChunk",
    "PerfSeries",
    "Project",
    "Report",
    "ReportBenchmark",
    "Runner",
    "Spec",
    "Testbed",
    "Threshold",
    "User",
    "Version",
    "runner_spec",
]
