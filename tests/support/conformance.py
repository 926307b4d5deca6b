"""Where the conformance data the tests check against lives: ``tests/data/conformance``."""

from __future__ import annotations

from pathlib import Path

CONFORMANCE_DIR = Path(__file__).resolve().parents[1] / "data" / "conformance"
