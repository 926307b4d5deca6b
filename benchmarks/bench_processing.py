"""Time ``process_job`` (the ``process_results`` task body) against growing history on PostgreSQL.

    python benchmarks/bench_processing.py [--benchmarks 1000] [--small-history 100]
                                          [--large-history 10000] [--runs 5]

A report of N benchmarks x 2 measures (latency, throughput), both measures with a ``t_test``
threshold (upper_boundary 0.99, max_sample_size 64), is processed once with the small and once
with the large history of prior reports on the same branch, testbed and benchmarks (every prior
report holds all N benchmarks x 2 measures; generated with set-based SQL). Each timed run gets a
fresh ``completed`` job whose stored output is the N x 2 BMF, and its report is deleted after the
run so the history stays the same size. Prints the median time per history size and the ratio
(goal <= 1.3x), the SQL statements per ``process_job`` for 100 and N benchmarks (goal: the same
number), and the EXPLAIN (ANALYZE) of the history query. Each 1000-benchmark case is timed
twice: with the server's JIT setting and with ``SET jit = off`` on the app's connections (the
history query's cost estimate can cross the JIT thresholds). A table splits the last run into
the adapter, the benchmark upsert, the history queries and the threshold math, by wrapping
those functions (patched names; production code is unchanged).

Uses a throw-away PostgreSQL database (``BENCHER_TEST_POSTGRES_URL`` is the server, as in the
tests), dropped at the end; it needs no Redis (nothing is published).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
# Before anything reads the settings: nothing here should touch another Redis database.
os.environ["BENCHER_BROKER_URL"] = "redis://127.0.0.1:6379/14"
os.environ["BENCHER_TEST_REDIS_URL"] = os.environ["BENCHER_BROKER_URL"]

from sqlalchemy import bindparam, event, select, text  # noqa: E402

import adapters  # noqa: E402
from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Benchmark, Branch, Head, Job, Organization, Project, Report, User  # noqa: E402
from app.models.types import utcnow  # noqa: E402
from app.services.auth import init_server  # noqa: E402
from app.services.branches import prepare_branch, version_for_run  # noqa: E402
from app.services.job_output import store_job_output  # noqa: E402
from app.services.processing import process_job  # noqa: E402
from app.services.projects import create_project, ensure_measures, ensure_named  # noqa: E402
from app.services.runners import create_spec  # noqa: E402
from app.services.threshold_admin import create_threshold  # noqa: E402
from tests.support.database import PostgresDatabase, make_settings  # noqa: E402

MEASURES = ("latency", "throughput")
MODEL = {"test": "t_test", "upper_boundary": 0.99, "max_sample_size": 64}
GOAL_RATIO = 1.3
# History is generated this many reports per statement, so no transaction grows unbounded.
CHUNK_REPORTS = 250
# Adding at least this many prior reports drops and rebuilds the big tables' secondary indexes.
REBUILD_INDEXES_ABOVE = 1000
SETUP_TIMEOUT = 30 * 60  # bound on the history generation, whatever the sizes asked for
# History versions are numbered down from here (the newest report has the highest number).
HISTORY_TOP = 10_000_000


def bench_name(index: int) -> str:
    return f"suite_{index % 20:02d}::bench_{index:05d}"


def bmf(ids: list[int], rng: random.Random) -> str:
    """The job's stdout: one benchmark per id x 2 measures, drawn like the history's values
    (see ``Fixture._insert_history``) except the first benchmark, which regressed 3x, so every
    run raises an alert on both measures and takes the same code path whatever its size."""
    document = {}
    for index, benchmark_id in enumerate(ids):
        factor = 3.0 if index == 0 else 1.0
        base = benchmark_id % 50
        document[bench_name(index)] = {
            "latency": {"value": factor * (100 + base + rng.uniform(0, 10))},
            "throughput": {"value": factor * (1000 + 10 * base + rng.uniform(0, 100))},
        }
    return json.dumps(document)


class StatementCounter:
    """Counts the statements sent to the database (one per cursor execute/executemany) and
    times each; an executemany also records how many parameter sets (rows) it carried."""

    def __init__(self, engine):
        self.active = False
        self.statements: list[tuple[str, int, float]] = []  # label, parameter sets, seconds
        self.history_statement: tuple[str, object] | None = None
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started = time.perf_counter()
        if self.active and "LATERAL" in statement and "unnest" in statement:
            self.history_statement = (statement, parameters)

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            sets = len(parameters) if executemany else 1
            elapsed = time.perf_counter() - self._started
            self.statements.append((statement_label(statement, executemany), sets, elapsed))

    def start(self) -> None:
        self.statements = []
        self.active = True

    def stop(self) -> int:
        self.active = False
        return len(self.statements)


def statement_label(statement: str, executemany: bool) -> str:
    """``SELECT metric``, ``INSERT boundary (executemany)``: the verb and the main table."""
    words = statement.replace("(", " ").replace(",", " ").replace("\n", " ").split()
    upper = [w.upper() for w in words]
    verb = upper[0]
    marker = {"SELECT": "FROM", "INSERT": "INTO", "DELETE": "FROM"}.get(verb)
    if verb == "UPDATE":
        table = words[1]
    elif marker in upper:
        table = words[upper.index(marker) + 1]
    else:
        table = ""
    if "LATERAL" in statement:
        table = "report_benchmark+metric (history, LATERAL)"
    return f"{verb} {table.strip(chr(34))}".strip() + (" (executemany)" if executemany else "")


class PhaseTimer:
    """Wraps a few functions that ``process_job`` calls (by patching the names it looks up;
    production code is unchanged) and adds up their wall time, database time included."""

    TARGETS = (
        ("parse_outputs (adapter)", "app.services.processing", "parse_outputs"),
        ("ensure_named benchmarks", "app.services.results", "ensure_named"),
        ("ensure_measures", "app.services.results", "ensure_measures"),
        ("_history (both measures)", "app.services.detection", "_history"),
        ("judge (t-test limits, p-values)", "thresholds", "judge"),
    )

    def __init__(self):
        self.totals: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        for label, module_name, attribute in self.TARGETS:
            module = importlib.import_module(module_name)
            setattr(module, attribute, self._wrap(label, getattr(module, attribute)))

    def _wrap(self, label, function):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.totals[label] = self.totals.get(label, 0.0) + time.perf_counter() - started
                self.calls[label] = self.calls.get(label, 0) + 1

        return timed

    def reset(self) -> None:
        self.totals, self.calls = {}, {}


class JitSwitch:
    """Turns PostgreSQL's JIT off for the app's connections (``SET jit = off`` on connect) or
    leaves the server's setting; switching disposes the pool so new connections follow."""

    def __init__(self, engine):
        self.engine = engine
        self.enabled = True
        event.listen(engine, "connect", self._connected)

    def _connected(self, dbapi_connection, record) -> None:
        if not self.enabled:
            dbapi_connection.autocommit = True
            dbapi_connection.execute("SET jit = off")
            dbapi_connection.autocommit = False

    def set(self, enabled: bool) -> None:
        db.session.remove()
        self.engine.dispose()
        self.enabled = enabled


def project_of(fixture) -> Project:
    return db.session.get(Project, fixture.project_id)


class Fixture:
    """The project, its dimensions and thresholds, and helpers to create jobs and history."""

    def __init__(self, benchmarks: int):
        init_server("admin@example.com", "acme", "Acme", "paid")
        db.session.flush()
        user = db.session.scalar(select(User).where(User.email == "admin@example.com"))
        org = db.session.scalar(select(Organization).where(Organization.slug == "acme"))
        project = create_project(user, "bench", "bench", "public")
        spec = create_spec({"slug": "small", "memory": 1 << 28, "disk": 1 << 30})
        for measure in MEASURES:
            create_threshold(project, "main", "localhost", measure, dict(MODEL))
        names = {bench_name(i): {} for i in range(benchmarks)}
        found = ensure_named(Benchmark, project, names)
        self.benchmark_ids = [found[bench_name(i)].id for i in range(benchmarks)]
        ensure_measures(project, {m: adapters.measure_info(m) for m in MEASURES})
        # Ids only: the session is closed between runs, which detaches ORM objects.
        self.user_id, self.org_id = user.id, org.id
        self.project_id, self.spec_id = project.id, spec.id
        db.session.commit()
        threshold_row = db.session.execute(
            text("SELECT branch_id, testbed_id FROM threshold WHERE project_id = :p LIMIT 1"),
            {"p": self.project_id},
        ).one()
        self.branch_id, self.testbed_id = threshold_row
        self.head_id = prepare_branch(project_of(self), "main", None).head.id
        db.session.commit()
        self.history = 0
        # History reports are placed one minute apart, ending a day ago; new reports are "now".
        self.newest_history = utcnow() - timedelta(days=1)

    def completed_job(self, stdout: str, branch_id: int | None = None) -> int:
        """A fresh ``completed`` job whose stored output is ``stdout`` (one iteration), on
        ``branch_id`` (default: main) and its current head."""
        now = utcnow()
        branch = db.session.get(Branch, branch_id or self.branch_id)
        head = db.session.get(Head, branch.head_id)
        report = Report(
            project_id=self.project_id,
            branch_id=branch.id,
            head_id=head.id,
            version_id=version_for_run(head, None).id,
            testbed_id=self.testbed_id,
            user_id=self.user_id,
            adapter="json",
            settings={"adapter": "json"},
            start_time=now - timedelta(seconds=2),
            end_time=now,
        )
        job = Job(
            report=report,
            organization_id=self.org_id,
            spec_id=self.spec_id,
            image="127.0.0.1:5000/acme/bench@sha256:" + "ab" * 32,
            registry_host="127.0.0.1:5000",
            repository="acme/bench",
            digest="sha256:" + "ab" * 32,
            config={"iter": 1, "timeout": 600},
            priority=200,
            concurrency=16,
            timeout=600,
            status="completed",
            claimed=now - timedelta(seconds=2),
            started=now - timedelta(seconds=1),
            completed=now,
        )
        db.session.add(job)
        db.session.flush()
        job.output_key = store_job_output(
            job, [{"exit_code": 0, "stdout": stdout, "stderr": "", "output": {}}]
        )
        db.session.commit()
        return job.id

    def delete_report_of(self, job_id: int) -> None:
        """Remove a measured run (its report cascades to job, metrics, boundaries, alerts)."""
        db.session.execute(
            text("DELETE FROM report WHERE id = (SELECT report_id FROM job WHERE id = :j)"),
            {"j": job_id},
        )
        db.session.commit()

    def grow_history(self, total: int, deadline: float) -> float:
        """Add prior reports (older than any so far) until there are ``total``; seconds taken.

        A large addition drops the secondary indexes of report_benchmark and metric first and
        rebuilds them from their own definitions afterwards (much faster than maintaining them
        row by row); the schema ends exactly as the migrations built it.
        """
        phases = {}
        started = time.perf_counter()
        rebuild = total - self.history >= REBUILD_INDEXES_ABOVE
        restore = self._drop_secondary_indexes() if rebuild else []
        try:
            self._insert_history(total, deadline)
        finally:
            phases["insert"] = time.perf_counter() - started
            for statement in restore:
                db.session.execute(text(statement))
            db.session.commit()
            phases["index rebuild"] = time.perf_counter() - started - phases["insert"]
        # Fresh statistics, as autovacuum would eventually give a production database. (No
        # VACUUM needed: the rows the timed runs read, the newest, were loaded and vacuumed
        # with the small history, or are read once by the warm-up run.)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
            auto.execute(text("ANALYZE report, report_benchmark, metric"))
        phases["analyze"] = time.perf_counter() - started - sum(phases.values())
        return phases

    def _drop_secondary_indexes(self) -> list[str]:
        """Drop the non-primary-key indexes and unique constraints of the two big tables;
        return the statements that recreate them."""
        tables = ("report_benchmark", "metric")
        constraints = db.session.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'u' AND conrelid::regclass::text IN :t"
            ).bindparams(bindparam("t", expanding=True)),
            {"t": list(tables)},
        ).all()
        indexes = db.session.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN :t "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            ).bindparams(bindparam("t", expanding=True)),
            {"t": list(tables)},
        ).all()
        # Foreign keys that reference those constraints (metric_perf's) go first, back last.
        referencing = db.session.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conindid IN (SELECT conindid "
                "FROM pg_constraint WHERE contype = 'u' AND conrelid::regclass::text IN :t)"
            ).bindparams(bindparam("t", expanding=True)),
            {"t": list(tables)},
        ).all()
        restore = []
        for table, name, _definition in referencing:
            db.session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        for table, name, definition in constraints:
            db.session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for name, definition in indexes:
            db.session.execute(text(f'DROP INDEX "{name}"'))
            restore.append(definition)
        restore += [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                    for table, name, definition in referencing]  # fmt: skip
        db.session.commit()
        return restore

    def _insert_history(self, total: int, deadline: float) -> None:
        # A bulk load of consistent data: skip the per-row foreign-key triggers (superuser;
        # SET LOCAL, so it ends with each chunk's transaction).
        replica = text("SET LOCAL session_replication_role = replica")
        params = {"p": self.project_id, "b": self.branch_id, "t": self.testbed_id}
        while self.history < total:
            if time.monotonic() > deadline:
                raise TimeoutError("history generation took too long; use smaller sizes")
            count = min(CHUNK_REPORTS, total - self.history)
            conn = db.session.connection()
            conn.execute(replica)
            # Report k (k = 1 .. total) starts k minutes before the newest history report, as
            # version HISTORY_TOP - k of main's head (newer reports, higher numbers).
            first = self.history + 1
            ids = conn.execute(
                text(
                    "WITH v AS (INSERT INTO version (uuid, project_id, number, created) "
                    "SELECT gen_random_uuid()::text, :p, :top - k, "
                    ":newest - make_interval(mins => k) "
                    "FROM generate_series(CAST(:first AS int), CAST(:last AS int)) AS k "
                    "RETURNING id, number), "
                    "hv AS (INSERT INTO head_version (head_id, version_id) SELECT :h, id FROM v) "
                    "INSERT INTO report (uuid, project_id, branch_id, head_id, version_id, "
                    "testbed_id, user_id, adapter, settings, warnings, start_time, end_time, "
                    "status, created) "
                    "SELECT gen_random_uuid()::text, :p, :b, :h, v.id, :t, :u, 'json', "
                    "CAST('{\"adapter\": \"json\"}' AS json), CAST('[]' AS json), "
                    ":newest - make_interval(mins => :top - v.number), "
                    ":newest - make_interval(mins => :top - v.number) + interval '1 second', "
                    "'processed', :newest - make_interval(mins => :top - v.number) "
                    "FROM v ORDER BY v.number RETURNING id"
                ),
                {**params, "u": self.user_id, "h": self.head_id, "newest": self.newest_history,
                 "top": HISTORY_TOP, "first": first, "last": first + count - 1},
            ).scalars().all()  # fmt: skip
            span = {"lo": min(ids), "hi": max(ids)}
            conn.execute(
                text(
                    "INSERT INTO report_benchmark (report_id, benchmark_id, iteration, branch_id, "
                    "version_id, testbed_id, start_time) "
                    "SELECT r.id, b.id, 0, r.branch_id, r.version_id, r.testbed_id, r.start_time "
                    "FROM report r CROSS JOIN benchmark b "
                    "WHERE r.id BETWEEN :lo AND :hi AND b.project_id = :p ORDER BY r.id, b.id"
                ),
                {**span, "p": self.project_id},
            )
            conn.execute(
                text(
                    "INSERT INTO metric (uuid, report_benchmark_id, measure_id, value) "
                    "SELECT gen_random_uuid()::text, rb.id, m.id, "
                    "CASE WHEN m.slug = 'latency' THEN 100 + rb.benchmark_id % 50 + random() * 10 "
                    "ELSE 1000 + 10 * (rb.benchmark_id % 50) + random() * 100 END "
                    "FROM report_benchmark rb CROSS JOIN measure m "
                    "WHERE rb.report_id BETWEEN :lo AND :hi AND m.project_id = :p "
                    "ORDER BY rb.id, m.id"
                ),
                {**span, "p": self.project_id},
            )
            db.session.commit()
            self.history += count


def time_runs(fixture, counter, timer, stdout: str, runs: int):
    """``runs`` timed ``process_job`` calls (after one untimed warm-up).

    Returns the times, the statement count, the last run's per-statement records and phases.
    """
    seconds, counts, records = [], set(), []
    for attempt in range(runs + 1):
        job_id = fixture.completed_job(stdout)
        db.session.expire_all()
        timer.reset()
        counter.start()
        started = time.perf_counter()
        outcome = process_job(job_id)
        elapsed = time.perf_counter() - started
        counts.add(counter.stop())
        records = list(counter.statements)
        if outcome != "processed":
            error = db.session.scalar(select(Job.error).where(Job.id == job_id))
            raise RuntimeError(f"process_job returned {outcome}: {error}")
        fixture.delete_report_of(job_id)
        if attempt:
            seconds.append(elapsed)
    if len(counts) != 1:
        print(f"  note: statement count varied between runs: {sorted(counts)}")
    return seconds, max(counts), records, (dict(timer.totals), dict(timer.calls))


def print_breakdown(records, total: float) -> None:
    """Per kind of statement: how many, rows sent, and database round-trip time."""
    grouped: dict[str, list] = {}
    for label, sets, elapsed in records:
        entry = grouped.setdefault(label, [0, 0, 0.0])
        entry[0] += 1
        entry[1] += sets
        entry[2] += elapsed
    header = f"  {'statement':<52}{'count':>6}{'param sets':>12}{'ms':>9}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for label, (count, sets, elapsed) in sorted(grouped.items(), key=lambda kv: -kv[1][2]):
        print(f"  {label:<52}{count:>6}{sets:>12}{elapsed * 1e3:>9.1f}")
    in_sql = sum(e for _, _, e in records)
    print(f"  {'all statements':<52}{len(records):>6}{sum(s for _, s, _ in records):>12}"
          f"{in_sql * 1e3:>9.1f}")  # fmt: skip
    print(f"  outside the database (parse, t-test math, ORM): {(total - in_sql) * 1e3:.1f} ms "
          f"of {total * 1e3:.1f} ms")  # fmt: skip


def explain_history(counter) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the last history query process_job sent."""
    statement, parameters = counter.history_statement
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        return [row[0] for row in rows]


def summarise_plan(lines: list[str]) -> list[str]:
    """The plan without the long literal array of benchmark ids."""
    return [re.sub(r"'\{[0-9,]+\}'", "'{...ids...}'", line)[:170] for line in lines]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", type=int, default=1000, help="benchmarks per report")
    parser.add_argument(
        "--small-benchmarks", type=int, default=100, help="benchmarks of the statement-count run"
    )
    parser.add_argument("--small-history", type=int, default=100, help="prior reports (small)")
    parser.add_argument("--large-history", type=int, default=10_000, help="prior reports (large)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per size (median kept)")
    parser.add_argument("--full-plan", action="store_true", help="print the whole EXPLAIN plan")
    args = parser.parse_args()
    if args.small_history > args.large_history:
        parser.error("--small-history must not exceed --large-history")
    deadline = time.monotonic() + SETUP_TIMEOUT
    rng = random.Random(4)
    scratch = Path(tempfile.mkdtemp(prefix="bench-processing-"))
    database = PostgresDatabase(scratch)
    print(f"throw-away database {database.name}; report: {args.benchmarks} benchmarks x "
          f"{len(MEASURES)} measures, t_test thresholds {MODEL}")  # fmt: skip
    app = create_app(make_settings(scratch / "data", database.url))
    rows, plans = [], {}
    try:
        with app.app_context():
            counter = StatementCounter(db.engine)
            jit = JitSwitch(db.engine)
            timer = PhaseTimer()
            fixture = Fixture(args.benchmarks)
            big = bmf(fixture.benchmark_ids, rng)
            small = bmf(fixture.benchmark_ids[: args.small_benchmarks], rng)
            server_jit = db.session.execute(text("SHOW jit")).scalar()
            for history in (args.small_history, args.large_history):
                phases = fixture.grow_history(history, deadline)
                print(f"history: {history:,} prior reports "
                      f"({history * args.benchmarks:,} report_benchmark rows, "
                      f"{history * args.benchmarks * len(MEASURES):,} metrics) "
                      f"generated in {sum(phases.values()):.1f} s ("
                      + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()) + ")",
                      flush=True)  # fmt: skip
                cases = [(f"server ({server_jit})", args.benchmarks, big),
                         (f"server ({server_jit})", args.small_benchmarks, small),
                         ("off", args.benchmarks, big)]  # fmt: skip
                for jit_label, count, stdout in cases:
                    jit.set(not jit_label == "off")
                    measured = time_runs(fixture, counter, timer, stdout, args.runs)
                    rows.append((history, jit_label, count, *measured))
                    if count == args.benchmarks and jit_label != "off":
                        plans[history] = explain_history(counter)
            jit.set(True)
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
        database.drop()
        shutil.rmtree(scratch, ignore_errors=True)
    return report(rows, plans, args)


def report(rows, plans, args) -> int:
    print()
    header = (f"{'prior reports':>13}{'JIT':>14}{'benchmarks':>12}{'median ms':>11}{'min ms':>9}"
              f"{'max ms':>9}{'SQL statements':>16}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for history, jit, count, seconds, statements, *_ in rows:
        print(f"{history:>13,}{jit:>14}{count:>12,}{statistics.median(seconds) * 1e3:>11.1f}"
              f"{min(seconds) * 1e3:>9.1f}{max(seconds) * 1e3:>9.1f}{statements:>16}")  # fmt: skip
    print(f"(median of {args.runs} runs after one warm-up; each run is a fresh completed job; "
          "JIT 'off' = SET jit = off on the app's connections)")  # fmt: skip
    medians = {(h, j, c): statistics.median(s) for h, j, c, s, *_ in rows}
    ok = True
    for jit in dict.fromkeys(j for _, j, *_ in rows):
        small = medians[(args.small_history, jit, args.benchmarks)]
        large = medians[(args.large_history, jit, args.benchmarks)]
        ratio = large / small
        verdict = "met" if ratio <= GOAL_RATIO else "MISSED"
        ok &= ratio <= GOAL_RATIO or jit == "off"
        print(f"ratio {args.large_history:,} / {args.small_history:,} prior reports, JIT {jit}: "
              f"{ratio:.2f}x  (goal <= {GOAL_RATIO}x: {verdict})")  # fmt: skip
    counts = {c: s for h, j, c, _, s, *_ in rows if h == args.small_history and j != "off"}
    same = len(set(counts.values())) == 1
    ok &= same
    print("statements per process_job: "
          + ", ".join(f"{c} benchmarks -> {s}" for c, s in sorted(counts.items()))
          + f"  (goal: constant: {'met' if same else 'MISSED'})")  # fmt: skip

    big = [r for r in rows if r[2] == args.benchmarks]
    print(f"\nwhere the time goes in process_job, {args.benchmarks} benchmarks, last run, ms "
          "(wall time of the wrapped functions, database time included):")  # fmt: skip
    names = [label for label, *_ in PhaseTimer.TARGETS]
    columns = [f"{h:,} / JIT {j.split()[0]}" for h, j, *_ in big]
    print(f"  {'':<32}" + "".join(f"{c:>22}" for c in columns))
    for name in names:
        cells = "".join(f"{r[6][0].get(name, 0) * 1e3:>22.1f}" for r in big)
        print(f"  {name:<32}{cells}")
    print(f"  {'all SQL statements':<32}"
          + "".join(f"{sum(e for *_, e in r[5]) * 1e3:>22.1f}" for r in big))  # fmt: skip
    print(f"  {'process_job total':<32}" + "".join(f"{r[3][-1] * 1e3:>22.1f}" for r in big))
    calls = big[0][6][1]
    print("  calls: " + ", ".join(f"{n} x{calls.get(n, 0)}" for n in names))

    for history, jit, count, seconds, _, records, _ in big:
        if not jit.startswith("off"):
            print(f"\nstatements of the last run, {count} benchmarks, {history:,} prior reports, "
                  "JIT as the server has it (ms = time inside cursor execute):")  # fmt: skip
            print_breakdown(records, seconds[-1])
    for history, lines in plans.items():
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the history query, {history:,} prior reports "
              f"(one of the {len(MEASURES)} measures; server JIT setting):")  # fmt: skip
        for line in lines if args.full_plan else summarise_plan(lines):
            print("  " + line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
