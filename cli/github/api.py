"""The few GitHub REST endpoints ``bencher run --github-actions`` uses: check runs (create,
update) and a pull request's issue comments (list with pagination, create, update).

Every failure is a :class:`GitHubError` whose message says what was refused and, for a
permission error, which ``permissions:`` entry the workflow's token lacks; the caller turns it
into a warning.
"""

from __future__ import annotations

import re

import requests

#: (connect, read) seconds.
TIMEOUT = (10.0, 30.0)
PER_PAGE = 100
#: At most this many pages of comments are read (10,000 comments): the loop always ends.
MAX_PAGES = 100
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')

CHECKS = "checks: write"
PULL_REQUESTS = "pull-requests: write"


class GitHubError(Exception):
    """GitHub refused or did not answer; the message is one line for the user."""


class GitHubApi:
    """One repository on the GitHub API at ``api_url`` (``https://api.github.com``, or a
    GitHub Enterprise server's ``https://HOST/api/v3``)."""

    def __init__(self, api_url: str, repository: str, token: str):
        self.base = f"{api_url.rstrip('/')}/repos/{repository}"
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "bencher-cli",
            }
        )

    def create_check_run(self, name: str, head_sha: str) -> int:
        """A check run ``in_progress`` on ``head_sha``; its id."""
        body = {"name": name, "head_sha": head_sha, "status": "in_progress"}
        return self._call("POST", "/check-runs", body, "create the check run", CHECKS)["id"]

    def complete_check_run(self, check_id: int, conclusion: str, title: str, summary: str) -> None:
        """Complete the check run with ``conclusion`` (``success``/``failure``) and a report."""
        body = {
            "status": "completed",
            "conclusion": conclusion,
            "output": {"title": title, "summary": summary},
        }
        self._call("PATCH", f"/check-runs/{check_id}", body, "complete the check run", CHECKS)

    def find_comment(self, number: int, tag: str) -> int | None:
        """The id of the pull request's first comment whose body ends with ``tag``."""
        url: str | None = f"{self.base}/issues/{number}/comments?per_page={PER_PAGE}"
        for _ in range(MAX_PAGES):
            if url is None:
                return None
            response = self._send("GET", url, None, "list the pull request's comments")
            self._check(response, "list the pull request's comments", PULL_REQUESTS)
            for comment in response.json():
                if (comment.get("body") or "").rstrip().endswith(tag):
                    return comment["id"]
            found = _NEXT.search(response.headers.get("Link", ""))
            url = found.group(1) if found else None
        return None

    def create_comment(self, number: int, body: str) -> int:
        """A new comment on the pull request; its id."""
        payload = {"body": body}
        path = f"/issues/{number}/comments"
        return self._call("POST", path, payload, "comment on the pull request", PULL_REQUESTS)["id"]

    def update_comment(self, comment_id: int, body: str) -> None:
        """Replace the body of our earlier comment."""
        path = f"/issues/comments/{comment_id}"
        self._call("PATCH", path, {"body": body}, "update the pull request comment", PULL_REQUESTS)

    def _call(self, method: str, path: str, body: dict, action: str, permission: str) -> dict:
        response = self._send(method, self.base + path, body, action)
        self._check(response, action, permission)
        try:
            return response.json()
        except ValueError:
            raise GitHubError(f"could not {action}: GitHub's answer is not JSON") from None

    def _send(self, method: str, url: str, body: dict | None, action: str) -> requests.Response:
        try:
            return self.session.request(method, url, json=body, timeout=TIMEOUT)
        except requests.RequestException as err:
            raise GitHubError(f"could not {action}: {url} did not answer ({err})") from None

    @staticmethod
    def _check(response: requests.Response, action: str, permission: str) -> None:
        if response.ok:
            return
        try:
            message = response.json().get("message") or response.reason
        except (ValueError, AttributeError):
            message = response.reason
        text = f"GitHub refused to {action} (HTTP {response.status_code}: {message})"
        if response.status_code in (401, 403, 404):
            # 404 too: GitHub hides what a token may not see.
            text += (
                f"; the workflow's token needs `{permission}`: add `permissions:` with "
                f"`{permission}` to the job"
            )
        raise GitHubError(text)
