"""`make demo` writes colours only to a terminal, and never with NO_COLOR set."""

from __future__ import annotations

import importlib.util
import io

import pytest

from tests.support.processes import REPO


@pytest.fixture(scope="module")
def demo():
    spec = importlib.util.spec_from_file_location("demo_script", REPO / "scripts" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "no_color", "coloured"),
    [(Terminal, None, True), (Terminal, "1", False), (io.StringIO, None, False)],
    ids=["terminal", "terminal with NO_COLOR", "pipe"],
)
def test_colours_only_on_a_terminal_without_no_color(demo, monkeypatch, stream, no_color, coloured):
    out = stream()
    monkeypatch.setattr("sys.stdout", out)
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    demo.say("Starting")
    assert ("\033[" in out.getvalue()) is coloured
    assert "==> Starting" in out.getvalue()
