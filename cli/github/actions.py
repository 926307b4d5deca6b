"""``bencher run --github-actions TOKEN``: the report where pull-request reviewers look.

Behind one small interface (:class:`CiIntegration`: ``start`` before the run, ``finish`` with
the report, ``fail`` when the run failed), chosen by :func:`ci_integration`:
:class:`GitHubActions` on GitHub Actions, :class:`NoCi` elsewhere. The GitHub Actions
environment is read here and nowhere else. A GitHub failure is a warning and never changes the
run's exit code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import click

from cli.github.api import GitHubApi, GitHubError
from reports import ConsoleLinks, render
from reports.compare import ci_tag

DEFAULT_API_URL = "https://api.github.com"
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
#: GitHub's limit for a check run's summary (a comment's is one more).
CHECK_SUMMARY_CHARS = 65535


@dataclass(frozen=True)
class CiOptions:
    """The ``--ci-*`` flags."""

    ci_id: str | None = None
    number: int | None = None
    only_thresholds: bool = False
    only_on_alert: bool = False
    allow_fork: bool = False


@dataclass(frozen=True)
class ActionsEnv:
    """What GitHub Actions tells a step about its run."""

    event_name: str
    event: dict
    sha: str | None
    api_url: str
    repository: str
    step_summary: str | None

    @classmethod
    def read(cls, environ: Mapping[str, str]) -> ActionsEnv:
        """From the variables GitHub Actions sets; a usage error naming a missing one."""
        repository = environ.get("GITHUB_REPOSITORY")
        if not repository:
            raise click.UsageError("GITHUB_REPOSITORY is not set: is this a GitHub Actions job?")
        event: dict = {}
        if path := environ.get("GITHUB_EVENT_PATH"):
            try:
                with open(path, encoding="utf-8") as handle:
                    event = json.load(handle)
            except (OSError, ValueError) as err:
                raise click.UsageError(f"cannot read GITHUB_EVENT_PATH {path}: {err}") from None
        return cls(
            event_name=environ.get("GITHUB_EVENT_NAME", ""),
            event=event if isinstance(event, dict) else {},
            sha=environ.get("GITHUB_SHA") or None,
            api_url=environ.get("GITHUB_API_URL") or DEFAULT_API_URL,
            repository=repository,
            step_summary=environ.get("GITHUB_STEP_SUMMARY") or None,
        )

    @property
    def pull_request(self) -> dict | None:
        """The event's pull request, on a pull-request event."""
        if self.event_name not in PULL_REQUEST_EVENTS:
            return None
        return self.event.get("pull_request") or None

    def fork(self) -> str | None:
        """The fork's ``owner/name`` when the pull request comes from another repository."""
        pr = self.pull_request or {}
        head = ((pr.get("head") or {}).get("repo") or {}).get("full_name")
        base = ((pr.get("base") or {}).get("repo") or {}).get("full_name") or self.repository
        return head if head and head != base else None


class CiIntegration:
    """Where a run's report goes besides stdout. This one does nothing."""

    def start(self) -> None:
        """Before the benchmarks run."""

    def finish(self, report: dict) -> None:
        """After the report is in."""

    def fail(self, reason: str) -> None:
        """The run failed: ``reason`` is what the CLI reports."""


class NoCi(CiIntegration):
    """Not on a CI: nothing to do."""


class GitHubActions(CiIntegration):
    """A check run on the commit, the job summary and one updated comment per pull request."""

    def __init__(
        self,
        api: GitHubApi,
        env: ActionsEnv,
        options: CiOptions,
        links: ConsoleLinks,
        warn: Callable[[str], None],
    ):
        self.api, self.env, self.options, self.links, self.warn = api, env, options, links, warn
        self.check_id: int | None = None
        self.name = f"Bencher Report ({options.ci_id or links.project})"

    @property
    def head_sha(self) -> str | None:
        pr_head = ((self.env.pull_request or {}).get("head") or {}).get("sha")
        return pr_head or self.env.sha

    @property
    def number(self) -> int | None:
        if self.options.number is not None:
            return self.options.number
        return (self.env.pull_request or {}).get("number")

    def start(self) -> None:
        if not self.head_sha:
            self.warn("warning: GitHub: no commit to put a check on (GITHUB_SHA is not set)")
            return
        try:
            self.check_id = self.api.create_check_run(self.name, self.head_sha)
        except GitHubError as err:
            self.warn(f"warning: {err}")

    def finish(self, report: dict) -> None:
        ci_id = self.options.ci_id
        self._step_summary(render(report, "html", self.links, ci_id))
        alerts = len(report.get("alerts") or [])
        title = f"{alerts} alert{'' if alerts == 1 else 's'}" if alerts else "No alerts"
        summary = render(report, "markdown", self.links, ci_id, max_chars=CHECK_SUMMARY_CHARS)
        self._complete("failure" if alerts else "success", title, summary)
        self._comment(report, render(report, "markdown", self.links, ci_id), alerts)

    def fail(self, reason: str) -> None:
        self._complete("failure", "The benchmark run failed", reason[:CHECK_SUMMARY_CHARS])

    def _complete(self, conclusion: str, title: str, summary: str) -> None:
        if self.check_id is None:
            return
        try:
            self.api.complete_check_run(self.check_id, conclusion, title, summary)
        except GitHubError as err:
            self.warn(f"warning: {err}")

    def _step_summary(self, text: str) -> None:
        if not self.env.step_summary:
            return
        try:
            with open(self.env.step_summary, "a", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as err:
            self.warn(f"warning: could not write the job summary {self.env.step_summary}: {err}")

    def _comment(self, report: dict, body: str, alerts: int) -> None:
        number = self.number
        if number is None:
            return  # not a pull request, and no --ci-number
        if self.options.only_thresholds and not any(
            row.get("threshold_uuid") for row in report.get("results") or ()
        ):
            return
        tag = ci_tag(self.links.project, self.options.ci_id, report)
        try:
            existing = self.api.find_comment(number, tag)
            if existing is not None:  # always kept up to date, even without alerts now
                self.api.update_comment(existing, body)
            elif alerts or not self.options.only_on_alert:
                self.api.create_comment(number, body)
        except GitHubError as err:
            self.warn(f"warning: {err}")


def ci_integration(
    token: str | None,
    options: CiOptions,
    links: ConsoleLinks,
    note: Callable[[str], None],
    warn: Callable[[str], None],
    environ: Mapping[str, str] = os.environ,
) -> CiIntegration:
    """The integration the flags and the environment ask for. A pull request from a fork is
    refused (a usage error, exit 2) unless ``options.allow_fork``: its code runs with the
    token."""
    if not token:
        return NoCi()
    if environ.get("GITHUB_ACTIONS") != "true":
        note("Not running on GitHub Actions (GITHUB_ACTIONS is not true): the CI integration "
             "is skipped")  # fmt: skip
        return NoCi()
    env = ActionsEnv.read(environ)
    fork = env.fork()
    if fork and not options.allow_fork:
        raise click.UsageError(
            f"this pull request comes from the fork {fork}, whose code would run with the "
            "--github-actions token; nothing is posted. Pass --ci-allow-fork only if the "
            "workflow runs no code from the fork with that token"
        )
    return GitHubActions(GitHubApi(env.api_url, env.repository, token), env, options, links, warn)
