"""Parse image references the way Docker does: ``[registry/]repository[:tag][@digest]``.

Pure functions, no I/O. ``parse_reference("ubuntu")`` is ``docker.io/library/ubuntu:latest``;
``parse_reference("localhost:5000/acme/bench@sha256:...")`` keeps the port and the digest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oci.digests import is_digest
from oci.errors import InvalidReference

DOCKER_HUB = "docker.io"
DEFAULT_TAG = "latest"
# Docker rewrites the legacy index host to the canonical one, so both spell the same image.
_HUB_ALIASES = {"index.docker.io", "registry-1.docker.io"}
_NAME_MAX = 255

_DOMAIN_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_RE = re.compile(
    rf"^(?:{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})*|\[[0-9a-fA-F:.]+\])(?::[0-9]{{1,5}})?$"
)
_COMPONENT_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*$")
_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")


@dataclass(frozen=True)
class ImageReference:
    """A parsed, normalised image reference; ``str()`` gives its canonical spelling."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def reference(self) -> str:
        """What to ask the registry for: the digest when pinned, else the tag."""
        return self.digest or self.tag or DEFAULT_TAG

    def __str__(self) -> str:
        text = f"{self.registry}/{self.repository}"
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text


def parse_reference(ref: str, default_registry: str = DOCKER_HUB) -> ImageReference:
    """Parse ``ref`` into registry, repository, tag and digest, with Docker's defaults.

    The first path component is a registry when it contains ``.`` or ``:`` or is ``localhost``;
    otherwise ``default_registry`` is used. Without tag or digest the tag is ``latest``. A
    single-component name on Docker Hub gets the ``library/`` prefix.

    Raises :class:`InvalidReference` saying which part is wrong.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidReference("image reference is empty")
    if ref != ref.strip() or any(c.isspace() for c in ref):
        raise InvalidReference(f"image reference {ref!r} contains whitespace")

    name, digest = ref, None
    if "@" in ref:
        name, digest = ref.split("@", 1)
        if not is_digest(digest):
            raise InvalidReference(
                f"invalid digest {digest!r}: expected 'sha256:' followed by 64 lowercase hex digits"
            )

    tag = None
    colon, slash = name.rfind(":"), name.rfind("/")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG_RE.match(tag):
            raise InvalidReference(
                f"invalid tag {tag!r}: use letters, digits, '_', '.' and '-' (max 128, "
                "not starting with '.' or '-')"
            )

    registry, path = _split_registry(name, default_registry)
    components = path.split("/")
    for component in components:
        _check_component(component, name)
    if registry == DOCKER_HUB and len(components) == 1:
        components.insert(0, "library")
    repository = "/".join(components)
    if len(repository) > _NAME_MAX:
        raise InvalidReference(f"repository name is longer than {_NAME_MAX} characters")

    if tag is None and digest is None:
        tag = DEFAULT_TAG
    return ImageReference(registry=registry, repository=repository, tag=tag, digest=digest)


def _split_registry(name: str, default_registry: str) -> tuple[str, str]:
    if not name:
        raise InvalidReference("image reference has no repository name")
    first, sep, rest = name.partition("/")
    looks_like_host = sep and ("." in first or ":" in first or first == "localhost")
    if not looks_like_host:
        return _normalise_registry(default_registry), name
    if not _DOMAIN_RE.match(first):
        raise InvalidReference(f"invalid registry host {first!r}")
    return _normalise_registry(first), rest


def _normalise_registry(registry: str) -> str:
    return DOCKER_HUB if registry.lower() in _HUB_ALIASES | {DOCKER_HUB} else registry


def _check_component(component: str, name: str) -> None:
    if not component:
        raise InvalidReference(f"repository {name!r} has an empty path component")
    if _COMPONENT_RE.match(component):
        return
    if _COMPONENT_RE.match(component.lower()):
        raise InvalidReference(f"repository name {name!r} must be lowercase")
    raise InvalidReference(
        f"invalid repository path component {component!r}: use lowercase letters and digits, "
        "separated by '.', '_', '__' or '-'"
    )
