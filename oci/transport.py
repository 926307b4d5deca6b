"""Sending a registry request, and which redirects it follows: only to hosts it was told to
trust.

``requests`` follows any redirect, so a compromised (or merely misconfigured) allow-listed
registry could point the API server or a runner at an internal URL. The client follows
redirects itself, one hop at a time, to at most :data:`MAX_REDIRECTS` hops, and only to the
registry's own host and the hosts it was given; plain ``http`` only to loopback hosts.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from oci.errors import RegistryError, RegistryUnreachable
from oci.responses import short_reason

MAX_REDIRECTS = 5
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
# A host as an operator would write it in a setting; anything else is not repeated in messages.
_PRINTABLE_HOST = re.compile(r"[a-z0-9.-]{1,253}(:\d{1,5})?|\[[0-9a-f:]{2,39}\](:\d{1,5})?")


def host_of(url: str) -> str:
    """``host[:port]`` of ``url``, lower-cased, without user information."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def normalise_hosts(hosts: object) -> frozenset[str]:
    """``host[:port]`` entries as compared by :func:`allowed_target` (lower-cased, stripped)."""
    return frozenset(str(h).strip().lower() for h in hosts or () if str(h).strip())


def redirect_target(status: int, base_url: str, location: str | None) -> str | None:
    """The absolute URL a response redirects to, or None when it is not a redirect."""
    if status not in _REDIRECT_STATUSES or not location:
        return None
    return urljoin(base_url, location)


def allowed_target(url: str, hosts: frozenset[str], *, allow_http: bool = False) -> bool:
    """Whether a redirect to ``url`` may be followed: an allowed host, over https unless the
    host is this machine or the client talks plain HTTP anyway (``allow_http``)."""
    parts = urlsplit(url)
    if host_of(url) not in hosts:
        return False
    plain_ok = allow_http or (parts.hostname or "") in _LOOPBACK
    return parts.scheme == "https" or (parts.scheme == "http" and plain_ok)


def printable_host(url: str) -> str:
    """The target's host for an error message, or a placeholder when it does not look like one
    (the text comes from the remote side)."""
    host = host_of(url)
    return host if _PRINTABLE_HOST.fullmatch(host) else "another host"


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    hosts: frozenset[str],
    timeout: float,
    allow_http: bool,
    registry: str,
    repository: str,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    stream: bool = False,
    data: Any = None,
    auth: tuple[str, str] | None = None,
) -> requests.Response:
    """Send, following at most :data:`MAX_REDIRECTS` redirects, each only to ``hosts``.

    Credentials are dropped when a redirect leaves the host they were meant for. Errors carry
    ``registry`` and ``repository`` and never the remote side's words.
    """
    where = {"registry": registry, "repository": repository}
    headers = dict(headers or {})
    for _ in range(MAX_REDIRECTS + 1):
        try:
            resp = session.request(
                method,
                url,
                headers=headers,
                params=params,
                stream=stream,
                data=data,
                auth=auth,
                timeout=timeout,
                allow_redirects=False,
            )
        except (requests.ConnectionError, requests.Timeout) as err:
            base = f"{urlsplit(url).scheme}://{printable_host(url)}"
            raise RegistryUnreachable(
                f"cannot reach {base} ({short_reason(err)})", **where
            ) from None
        except requests.RequestException as err:
            raise RegistryError(
                f"request to {printable_host(url)} failed ({short_reason(err)})", **where
            ) from None
        target = redirect_target(resp.status_code, url, resp.headers.get("Location"))
        if target is None:
            return resp
        resp.close()
        if not allowed_target(target, hosts, allow_http=allow_http):
            raise RegistryError(
                f"the registry redirected to {printable_host(target)}, which is not an allowed "
                "host (registries are allowed by BENCHER_REGISTRIES, blob storage by "
                "BENCHER_BLOB_REDIRECT_HOSTS)",
                **where,
            )
        if host_of(target) != host_of(url):
            headers.pop("Authorization", None)
            auth = None
        if resp.status_code == 303:
            method, data = "GET", None
        url, params = target, None
    raise RegistryError(f"the registry redirected more than {MAX_REDIRECTS} times", **where)
