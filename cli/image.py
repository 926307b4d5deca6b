"""``bencher image push``: build a benchmark image from a directory or a file, without Docker,
and push it to a registry the server can pull from."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path, PurePosixPath

import click

from cli import exit_codes
from cli.run_body import parse_env, split_words

_EXIT_HELP = """\b
Exit codes:
  0    pushed; the image reference with its digest is on stdout
  2    usage error (a wrong option, a source or base that cannot work)
  4    the registry could not be reached
  5    the registry refused the image (authentication, a wrong name)"""


class RegistryUnreachable(click.ClickException):
    exit_code = exit_codes.UNREACHABLE


class RegistryRefused(click.ClickException):
    exit_code = exit_codes.API_ERROR


@click.group()
def image() -> None:
    """Build and push benchmark images (no container tool needed)."""


@image.command("push", epilog=_EXIT_HELP)
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("target", metavar="IMAGE")
@click.option(
    "--base",
    default="busybox",
    show_default=True,
    metavar="busybox|scratch|IMAGE",
    help="What the layer goes on: this machine's static busybox (a shell and the usual tools; "
    "Debian package busybox-static), nothing (scratch: static binaries only), or an image in "
    "a registry (e.g. docker.io/library/python:3.12-slim).",
)
@click.option(
    "--dest",
    default="/bench",
    show_default=True,
    metavar="DIR",
    help="Where SOURCE goes in the image: a directory's contents, or the file under its name.",
)
@click.option("--cmd", metavar="STRING", help="The image's command, shell-split.")
@click.option("--entrypoint", metavar="STRING", help="The image's entrypoint, shell-split.")
@click.option("--env", multiple=True, metavar="NAME=VALUE", help="Set a variable (repeatable).")
@click.option("--workdir", metavar="DIR", help="Working directory [default: --dest].")
@click.option("--username", metavar="NAME", help="Registry user name (for IMAGE and --base).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the registry password (or token) from stdin; needs --username.",
)
@click.option("--quiet", "-q", is_flag=True, help="Only the image reference, on stdout.")
def push(source: Path, target: str, base: str, dest: str, cmd: str | None,
         entrypoint: str | None, env: tuple[str, ...], workdir: str | None,
         username: str | None, password_stdin: bool, quiet: bool) -> None:  # fmt: skip
    """Build an image from SOURCE (a directory or a file) on a base and push it as IMAGE.

    \b
    bencher image push ./bench 127.0.0.1:6612/acme/bench:v1 --cmd "./run.sh"
    bencher image push target/release/mybench 127.0.0.1:6612/acme/mybench:v1 --base scratch

    SOURCE becomes one new layer. A file that is executable becomes the image's command unless
    --cmd or --entrypoint says otherwise. Files keep their permissions and symlinks; owners
    become root and times are zeroed, so the same SOURCE always gives the same digest.
    The pushed image is printed as IMAGE@DIGEST on stdout, ready for `bencher run --image`.
    Plain HTTP is used for registries on this machine (127.0.0.1, localhost) only.
    """
    from oci import InvalidReference, OCIError, parse_reference
    from oci.base import elf_info, resolve_base
    from oci.build import add_layer
    from oci.layers import layer_from_path
    from oci.push import push_image

    note = (lambda _text: None) if quiet else (lambda text: click.echo(text, err=True))
    try:
        ref = parse_reference(target)
    except InvalidReference as err:
        raise click.BadParameter(str(err), param_hint="IMAGE") from None
    if ref.digest:
        raise click.BadParameter("push to a tag (REGISTRY/NAME:TAG), not a digest",
                                 param_hint="IMAGE")  # fmt: skip
    if not PurePosixPath(dest).is_absolute():
        raise click.BadParameter(f"{dest!r} must be an absolute path", param_hint="--dest")
    credentials = _credentials(username, password_stdin)
    run = {
        "entrypoint": split_words(entrypoint, "--entrypoint") if entrypoint is not None else None,
        "cmd": split_words(cmd, "--cmd") if cmd is not None else None,
        "env": parse_env(env),
        "workdir": workdir or dest,
    }
    elf = elf_info(source) if source.is_file() else None
    if source.is_file() and run["cmd"] is None and run["entrypoint"] is None:
        if os.access(source, os.X_OK) or elf is not None:
            run["cmd"] = [str(PurePosixPath(dest, source.name))]
    try:
        chosen = resolve_base(base, credentials=credentials, architecture=elf and elf[0])
    except (FileNotFoundError, InvalidReference) as err:
        raise click.BadParameter(str(err), param_hint="--base") from None
    except OCIError as err:
        raise _registry_error(err, "the base image") from None
    _check_binary(source, elf, chosen)
    with tempfile.TemporaryDirectory(prefix="bencher-image-") as work:
        layer = layer_from_path(
            source, dest, Path(work),
            on_skip=lambda path, why: note(f"skipped {path}: {why}"),
        )  # fmt: skip
        built = add_layer(chosen.config, chosen.layers, layer, family=chosen.family, **run)
        note(f"Pushing {ref} ({chosen.name} + {source})")
        try:
            digest = push_image(ref, built, credentials=credentials,
                                base_credentials=credentials, progress=note)  # fmt: skip
        except OCIError as err:
            raise _registry_error(err, str(ref)) from None
    shown = f"{ref.registry}/{ref.repository}:{ref.tag}@{digest}"
    note(f"Pushed. Run it with: bencher run --image {ref.registry}/{ref.repository}:{ref.tag}")
    click.echo(shown)


def _credentials(username: str | None, password_stdin: bool) -> tuple[str, str] | None:
    if password_stdin and not username:
        raise click.UsageError("--password-stdin needs --username")
    if username and not password_stdin:
        raise click.UsageError(
            "give the password on stdin with --password-stdin (arguments show up in `ps`)"
        )
    if not username:
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.UsageError("--password-stdin: nothing was read from stdin")
    return username, password


def _check_binary(source: Path, elf: tuple[str | None, bool] | None, base) -> None:
    """A binary that cannot run on the chosen base is a usage error, found before pushing."""
    if elf is None:
        return
    arch, static = elf
    wanted = base.config.get("architecture")
    if arch and wanted and arch != wanted:
        raise click.UsageError(
            f"{source} is built for {arch} but the base image {base.name} is {wanted}"
        )
    if not static and not base.has_libc:
        raise click.UsageError(
            f"{source} is dynamically linked, and the {base.name} base has no C library: link "
            "it statically (Rust: RUSTFLAGS='-C target-feature=+crt-static', Go: "
            "CGO_ENABLED=0) or pass --base with an image that has its libraries "
            "(e.g. --base docker.io/library/debian:bookworm-slim)"
        )


def _registry_error(err: Exception, what: str) -> click.ClickException:
    from oci import RegistryUnreachable as Unreachable

    if isinstance(err, Unreachable):
        return RegistryUnreachable(f"{err}; is the registry running?")
    return RegistryRefused(f"{what}: {err}")
