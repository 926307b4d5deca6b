"""A client for the OCI distribution API: the reading half (the server and runners pull
anonymously); :mod:`oci.push` adds uploads on top of it.

It resolves tags to digests, fetches manifests and streams blobs to disk, verifying every byte
against its digest. Bearer-token registries (Docker Hub, GHCR, Harbor...) are handled by fetching
a token when the registry answers ``401`` with a ``WWW-Authenticate: Bearer`` challenge:
anonymous, or with the client's ``credentials`` (user name and password) when it has them, which
also answer a ``Basic`` challenge. Only ``requests`` is imported so the API server can use this
module cheaply.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from oci.digests import format_digest, is_digest, sha256_digest
from oci.errors import (
    BlobVerificationError,
    ManifestNotFound,
    RegistryAuthError,
    RegistryError,
    RegistryUnreachable,
)
from oci.reference import DOCKER_HUB
from oci.responses import challenge_params, error_codes, printable_scheme, short_reason
from oci.transport import host_of, normalise_hosts, printable_host, send

MEDIA_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
INDEX_MEDIA_TYPES = frozenset({MEDIA_OCI_INDEX, MEDIA_DOCKER_LIST})
IMAGE_MEDIA_TYPES = frozenset({MEDIA_OCI_MANIFEST, MEDIA_DOCKER_MANIFEST})
MANIFEST_ACCEPT = ", ".join(
    [MEDIA_OCI_MANIFEST, MEDIA_OCI_INDEX, MEDIA_DOCKER_MANIFEST, MEDIA_DOCKER_LIST]
)
# The OCI spec lets registries refuse manifests over 4 MiB; refusing larger ones here keeps a
# hostile registry from filling the runner's memory.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
_CHUNK = 1024 * 1024
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
_HUB_API_HOST = "registry-1.docker.io"
_NOT_FOUND_CODES = {"MANIFEST_UNKNOWN", "NAME_UNKNOWN"}
# Docker's token spec: a token without expires_in is valid for 60 seconds.
_DEFAULT_TOKEN_TTL = 60.0


@dataclass(frozen=True)
class Manifest:
    """A manifest or index exactly as served: ``raw`` is what ``digest`` was computed over."""

    media_type: str
    raw: bytes
    data: dict[str, Any]
    digest: str

    @property
    def is_index(self) -> bool:
        """Whether this is a multi-platform index (OCI index or Docker manifest list)."""
        return self.media_type in INDEX_MEDIA_TYPES


def is_loopback(registry: str) -> bool:
    """Whether ``registry`` (host[:port]) names this machine, so plain HTTP is acceptable."""
    host = registry.rsplit(":", 1)[0] if not registry.endswith("]") else registry
    return host.lower() in _LOOPBACK_HOSTS or registry.lower() in _LOOPBACK_HOSTS


class RegistryClient:
    """Talks to one registry. Thread-compatible, not thread-safe: use one client per thread.

    Redirects are followed only to the registry's own host and ``allowed_hosts`` (the server
    passes its registry allow-list); blob downloads also to ``blob_redirect_hosts`` (storage
    behind the registry, e.g. an S3 bucket; ``BENCHER_BLOB_REDIRECT_HOSTS`` on a runner).
    """

    def __init__(
        self,
        registry: str,
        *,
        insecure: bool | None = None,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        credentials: tuple[str, str] | None = None,
        allowed_hosts: tuple[str, ...] | frozenset[str] = (),
        blob_redirect_hosts: tuple[str, ...] | frozenset[str] = (),
    ) -> None:
        self.registry = registry
        self.timeout = timeout
        self.credentials = credentials
        if insecure is None:
            insecure = is_loopback(registry)
        host = _HUB_API_HOST if registry == DOCKER_HUB else registry
        self.base_url = f"{'http' if insecure else 'https'}://{host}"
        self._api_hosts = normalise_hosts([registry, host, *allowed_hosts])
        self._blob_hosts = self._api_hosts | normalise_hosts(blob_redirect_hosts)
        self._session = session or requests.Session()
        self._owns_session = session is None
        self._tokens: dict[str, tuple[str, float]] = {}

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def resolve_digest(self, repository: str, tag: str) -> str:
        """Return the digest the registry serves for ``repository:tag``.

        Uses ``HEAD`` and the ``Docker-Content-Digest`` header; falls back to fetching the manifest
        and hashing it when the header is missing or ``HEAD`` is not supported.
        """
        path = f"/v2/{repository}/manifests/{tag}"
        resp = self._request("HEAD", repository, path, headers={"Accept": MANIFEST_ACCEPT})
        with resp:
            if resp.status_code == 200:
                digest = resp.headers.get("Docker-Content-Digest", "")
                if is_digest(digest):
                    return digest
            elif resp.status_code != 405:
                self._raise_for_status(resp, repository, f"manifest {tag!r}", manifest=True)
        return self.get_manifest(repository, tag).digest

    def get_manifest(self, repository: str, reference: str) -> Manifest:
        """Fetch the manifest or index named by a tag or digest, verifying a digest reference."""
        path = f"/v2/{repository}/manifests/{reference}"
        resp = self._request(
            "GET", repository, path, headers={"Accept": MANIFEST_ACCEPT}, stream=True
        )
        with resp:
            self._raise_for_status(resp, repository, f"manifest {reference!r}", manifest=True)
            raw = self._read_capped(resp, repository, MAX_MANIFEST_BYTES)
            header_type = resp.headers.get("Content-Type", "").split(";")[0].strip()
            served_digest = resp.headers.get("Docker-Content-Digest", "")
        digest = sha256_digest(raw)
        expected = reference if is_digest(reference) else served_digest
        if is_digest(expected) and expected != digest:
            raise BlobVerificationError(
                f"manifest {reference!r} hashes to {digest}, expected {expected}",
                registry=self.registry,
                repository=repository,
            )
        try:
            data = json.loads(raw)
        except ValueError as err:
            raise RegistryError(
                f"manifest {reference!r} is not valid JSON: {err}",
                registry=self.registry,
                repository=repository,
            ) from None
        if not isinstance(data, dict):
            raise RegistryError(
                f"manifest {reference!r} is not a JSON object",
                registry=self.registry,
                repository=repository,
            )
        media_type = data.get("mediaType") or header_type
        return Manifest(media_type=media_type, raw=raw, data=data, digest=digest)

    def fetch_blob(self, repository: str, digest: str, dest: Path, size: int | None) -> Path:
        """Stream blob ``digest`` to ``dest``, verifying its sha256 (and ``size`` when given).

        The data goes to a temporary file next to ``dest`` that is renamed into place only after
        verification, so ``dest`` either does not exist or holds exactly the blob. Raises
        :class:`BlobVerificationError` on a mismatch, after deleting the partial file.
        """
        if not is_digest(digest):
            raise RegistryError(
                f"unsupported blob digest {digest!r} (only sha256 is supported)",
                registry=self.registry,
                repository=repository,
            )
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                written, actual = self._stream_blob(repository, digest, size, out)
            if size is not None and written != size:
                raise BlobVerificationError(
                    f"blob {digest} is {written} bytes, expected {size}",
                    registry=self.registry,
                    repository=repository,
                )
            if actual != digest:
                raise BlobVerificationError(
                    f"blob {digest} hashes to {actual}",
                    registry=self.registry,
                    repository=repository,
                )
            os.replace(tmp_name, dest)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return dest

    def _stream_blob(
        self, repository: str, digest: str, size: int | None, out: Any
    ) -> tuple[int, str]:
        hasher = hashlib.sha256()
        written = 0
        path = f"/v2/{repository}/blobs/{digest}"
        resp = self._request("GET", repository, path, stream=True, blob=True)
        with resp:
            self._raise_for_status(resp, repository, f"blob {digest}")
            try:
                for chunk in resp.iter_content(_CHUNK):
                    written += len(chunk)
                    if size is not None and written > size:
                        raise BlobVerificationError(
                            f"blob {digest} is larger than its declared {size} bytes",
                            registry=self.registry,
                            repository=repository,
                        )
                    hasher.update(chunk)
                    out.write(chunk)
            except requests.RequestException as err:
                raise RegistryUnreachable(
                    f"download of blob {digest} failed ({short_reason(err)})",
                    registry=self.registry,
                    repository=repository,
                ) from None
        return written, format_digest(hasher)

    def _read_capped(self, resp: requests.Response, repository: str, cap: int) -> bytes:
        chunks, total = [], 0
        try:
            for chunk in resp.iter_content(_CHUNK):
                total += len(chunk)
                if total > cap:
                    raise RegistryError(
                        f"manifest is larger than {cap} bytes",
                        registry=self.registry,
                        repository=repository,
                    )
                chunks.append(chunk)
        except requests.RequestException as err:
            raise RegistryUnreachable(
                f"reading the manifest failed ({short_reason(err)})",
                registry=self.registry,
                repository=repository,
            ) from None
        return b"".join(chunks)

    def _request(
        self,
        method: str,
        repository: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        actions: str = "pull",
        data: Any = None,
        params: dict[str, str] | None = None,
        blob: bool = False,
    ) -> requests.Response:
        """Send one request, answering an authentication challenge once.

        ``path`` is below the registry's base URL, or a whole URL (an upload's ``Location``).
        ``actions`` is the token scope's action list (``pull`` or ``pull,push``). A ``data`` file
        is rewound before the request is repeated.
        """
        scope = f"repository:{repository}:{actions}"
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        headers = dict(headers or {})
        token = self._cached_token(scope)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        send = {"headers": headers, "stream": stream, "data": data, "params": params}
        send["hosts"] = self._blob_hosts if blob else self._api_hosts
        resp = self._send(method, url, repository, **send)
        if resp.status_code != 401:
            return resp
        challenge = resp.headers.get("WWW-Authenticate", "")
        resp.close()
        scheme, _, _ = challenge.partition(" ")
        if scheme.lower() == "basic" and self.credentials:
            headers.pop("Authorization", None)
            send["auth"] = self.credentials
        elif scheme.lower() != "bearer":
            raise RegistryAuthError(
                f"registry requires {printable_scheme(scheme)} authentication and no credentials "
                "were given; make the repository public (pulls are anonymous)",
                registry=self.registry,
                repository=repository,
            )
        else:
            params_ = challenge_params(challenge)
            headers["Authorization"] = f"Bearer {self._fetch_token(params_, scope, repository)}"
        if hasattr(data, "seek"):
            data.seek(0)
        resp = self._send(method, url, repository, **send)
        if resp.status_code == 401:
            resp.close()
            whose = "the credentials given" if self.credentials else "its own anonymous token"
            raise RegistryAuthError(
                f"the registry refused {whose}; the repository is private or does not exist"
                + (", or these credentials may not push to it" if "push" in actions else ""),
                registry=self.registry,
                repository=repository,
            )
        return resp

    def _cached_token(self, scope: str) -> str | None:
        entry = self._tokens.get(scope)
        if entry is None:
            return None
        token, expires = entry
        if time.monotonic() >= expires:
            del self._tokens[scope]
            return None
        return token

    def _fetch_token(self, params: dict[str, str], scope: str, repository: str) -> str:
        realm = params.get("realm")
        if not realm:
            raise RegistryAuthError(
                "Bearer challenge has no realm", registry=self.registry, repository=repository
            )
        query = {"scope": params.get("scope") or scope}
        if params.get("service"):
            query["service"] = params["service"]
        resp = self._send(
            "GET",
            realm,
            repository,
            params=query,
            auth=self.credentials,
            hosts=self._api_hosts | {host_of(realm)},
        )
        with resp:
            if resp.status_code != 200:
                who = "the credentials given" if self.credentials else "an anonymous token"
                raise RegistryAuthError(
                    f"token service at {printable_host(realm)} answered {resp.status_code} for "
                    f"{who}",
                    registry=self.registry,
                    repository=repository,
                )
            try:
                body = resp.json()
                token = body.get("token") or body.get("access_token")
                ttl = float(body.get("expires_in") or _DEFAULT_TOKEN_TTL)
            except (ValueError, AttributeError, TypeError):
                token, ttl = None, 0.0
        if not token:
            raise RegistryAuthError(
                f"token service at {printable_host(realm)} returned no token",
                registry=self.registry,
                repository=repository,
            )
        # Renew a little early so a token never expires between the check and the request.
        self._tokens[scope] = (token, time.monotonic() + max(ttl - 5.0, 1.0))
        return token

    def _send(self, method: str, url: str, repository: str, **kwargs: Any) -> requests.Response:
        return send(
            self._session,
            method,
            url,
            timeout=self.timeout,
            allow_http=self.base_url.startswith("http:"),
            registry=self.registry,
            repository=repository,
            **kwargs,
        )

    def _raise_for_status(
        self, resp: requests.Response, repository: str, what: str, *, manifest: bool = False
    ) -> None:
        if 200 <= resp.status_code < 300:
            return
        codes, detail = error_codes(resp)
        message = f"{what}: HTTP {resp.status_code}{detail}"
        if manifest and (resp.status_code == 404 or codes & _NOT_FOUND_CODES):
            raise ManifestNotFound(
                f"{what} not found{detail}", registry=self.registry, repository=repository
            )
        if resp.status_code in (401, 403) or "DENIED" in codes or "UNAUTHORIZED" in codes:
            raise RegistryAuthError(message, registry=self.registry, repository=repository)
        raise RegistryError(message, registry=self.registry, repository=repository)
