"""The one rule for output that is too large: keep the head and tail, say what was dropped."""

from __future__ import annotations

import json

from protocol.output import encoded_size, fair_shares, fit_results, fit_text, take_head


def test_take_head_counts_escaped_bytes():
    assert take_head("\0" * 10, 12) == "\0\0"
    assert take_head("abc", 10) == "abc"
    assert encoded_size(take_head("é" * 100_000, 600)) <= 600


def test_fit_text_keeps_both_ends_and_says_how_much_went():
    text, dropped = fit_text("a" * 1000 + "z" * 1000, "", 0, 300)
    assert text.startswith("aaa") and text.endswith("zzz")
    assert f"[bencher: {dropped} bytes dropped here]" in text
    assert encoded_size(text) <= 300
    assert dropped == 2000 - text.count("a") - text.count("z")


def test_fit_text_marks_an_earlier_cut_even_when_the_rest_fits():
    text, dropped = fit_text("head", "tail", 99, 1000)
    assert text == "head\n[bencher: 99 bytes dropped here]\ntail" and dropped == 99


def test_fair_shares_keep_small_texts_whole():
    assert fair_shares([10, 1000, 1000], 510) == [10, 250, 250]
    assert fair_shares([5, 5], 100) == [5, 5]


def test_fit_results_stays_within_the_budget():
    results = [
        {"exit_code": 0, "stdout": "x" * 50_000, "stderr": "ok", "output": {"f": "y" * 50_000}}
    ] * 3
    fitted, dropped = fit_results(results, 20_000)
    assert len(json.dumps(fitted)) <= 20_000 and dropped > 0
    assert all(item["stderr"] == "ok" for item in fitted)
    assert fit_results(results[:1], 10**6) == (results[:1], 0)
