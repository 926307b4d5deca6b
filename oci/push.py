"""Push an image to a registry over the OCI distribution API.

Blobs the registry already has are skipped. A base image's layers (:class:`oci.build.RemoteBlob`)
are mounted from their repository when they live in the same registry, and otherwise copied
through a temporary file, verified against their digest on the way. Plain HTTP is used for
loopback registries only, as for pulls.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import requests

from oci.build import Blob, FileBlob, OCIImage, RemoteBlob
from oci.errors import RegistryError
from oci.reference import ImageReference
from oci.registry import RegistryClient
from protocol.units import format_bytes

PUSH = "pull,push"


class RegistryPusher(RegistryClient):
    """A registry client that can also upload blobs and manifests."""

    def __init__(self, registry: str, **kwargs) -> None:
        kwargs.setdefault("timeout", 60.0)
        super().__init__(registry, **kwargs)

    def blob_exists(self, repository: str, digest: str) -> bool:
        """Whether the repository already holds blob ``digest``."""
        resp = self._request("HEAD", repository, f"/v2/{repository}/blobs/{digest}", actions=PUSH)
        with resp:
            if resp.status_code == 404:
                return False
            self._raise_for_status(resp, repository, f"blob {digest}")
            return True

    def mount_blob(self, repository: str, digest: str, source: str) -> bool:
        """Ask the registry to link blob ``digest`` from repository ``source``; False if it
        would not (the upload it started instead is canceled)."""
        path = f"/v2/{repository}/blobs/uploads/"
        params = {"mount": digest, "from": source}
        resp = self._request("POST", repository, path, actions=PUSH, params=params)
        with resp:
            if resp.status_code == 201:
                return True
            if resp.status_code == 202 and resp.headers.get("Location"):
                location = urljoin(self.base_url, resp.headers["Location"])
                self._request("DELETE", repository, location, actions=PUSH).close()
                return False
            if resp.status_code in (401, 403):
                return False  # a token for the target may not read the source: copy instead
            self._raise_for_status(resp, repository, f"mount of blob {digest}")
            return False

    def upload_blob(self, repository: str, blob: Blob | FileBlob) -> None:
        """Upload ``blob`` in one request (POST to start, PUT with the content)."""
        path = f"/v2/{repository}/blobs/uploads/"
        started = self._request("POST", repository, path, actions=PUSH)
        with started:
            if started.status_code != 202 or not started.headers.get("Location"):
                self._raise_for_status(started, repository, "starting an upload")
                raise RegistryError(
                    f"starting an upload: HTTP {started.status_code} without a Location",
                    registry=self.registry,
                    repository=repository,
                )
            location = urljoin(self.base_url, started.headers["Location"])
        with blob.open() as content:
            done = self._request(
                "PUT", repository, location, actions=PUSH, data=content,
                params={"digest": blob.digest},
                headers={"Content-Type": "application/octet-stream",
                         "Content-Length": str(blob.size)},
            )  # fmt: skip
        with done:
            self._require_created(done, repository, f"upload of blob {blob.digest}")

    def put_manifest(self, repository: str, reference: str, manifest: Blob) -> str:
        """PUT a manifest under a tag (or digest); the digest the registry reports."""
        resp = self._request(
            "PUT", repository, f"/v2/{repository}/manifests/{reference}", actions=PUSH,
            data=manifest.data, headers={"Content-Type": manifest.media_type},
        )  # fmt: skip
        with resp:
            self._require_created(resp, repository, f"manifest {reference!r}")
            return resp.headers.get("Docker-Content-Digest") or manifest.digest

    def _require_created(self, resp, repository: str, what: str) -> None:
        """A registry error naming ``what`` unless the registry answered 201 Created."""
        if resp.status_code != 201:
            self._raise_for_status(resp, repository, what)
            raise RegistryError(
                f"{what}: HTTP {resp.status_code}", registry=self.registry, repository=repository
            )


def _copy_remote(
    pusher: RegistryPusher,
    repository: str,
    blob: RemoteBlob,
    credentials: tuple[str, str] | None,
) -> str:
    """Mount ``blob`` from its repository (same registry) or copy it; which one happened."""
    if blob.registry == pusher.registry and blob.repository != repository:
        if pusher.mount_blob(repository, blob.digest, blob.repository):
            return f"mounted from {blob.repository}"
    with tempfile.TemporaryDirectory(prefix="bencher-push-") as tmp:
        source = RegistryClient(blob.registry, credentials=credentials, timeout=60.0)
        with source:
            path = source.fetch_blob(blob.repository, blob.digest, Path(tmp) / "blob", blob.size)
        pusher.upload_blob(repository, FileBlob(blob.media_type, path, blob.digest, blob.size))
    return f"copied from {blob.registry}/{blob.repository}"


def push_image(
    target: ImageReference,
    image: OCIImage,
    *,
    credentials: tuple[str, str] | None = None,
    base_credentials: tuple[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
    session: requests.Session | None = None,
) -> str:
    """Push ``image`` as ``target`` (its tag, or its digest); return the manifest digest.

    ``credentials`` are for the target registry, ``base_credentials`` for the registry a base
    image's layers come from. Raises :class:`oci.RegistryError` (and subclasses).
    """
    say = progress or (lambda _text: None)
    reference = target.tag or target.digest or "latest"
    with RegistryPusher(target.registry, credentials=credentials, session=session) as pusher:
        for blob in (*image.layers, image.config):
            short = blob.digest.split(":")[1][:12]
            if pusher.blob_exists(target.repository, blob.digest):
                say(f"{short}: already in {target.registry}/{target.repository}")
                continue
            if isinstance(blob, RemoteBlob):
                how = _copy_remote(pusher, target.repository, blob, base_credentials)
                say(f"{short}: {how} ({format_bytes(blob.size)})")
            else:
                say(f"{short}: pushing {format_bytes(blob.size)}")
                pusher.upload_blob(target.repository, blob)
        return pusher.put_manifest(target.repository, reference, image.manifest)
