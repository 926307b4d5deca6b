"""Synthetic benchmark series and vectorised threshold models for bench_detection_quality.py.

Noise models (multiplicative factors around a baseline of 1000), one numpy ``score`` per
threshold model (the model alerts when the score is above a threshold; each model maps its
boundary to that threshold and back), calibration to a false-alarm rate, and Wilson intervals.
The rank test reads its exact p-values from the production table
(``thresholds.mann_whitney.survival``); bench_detection_quality.py cross-checks the decisions
against ``thresholds.judge``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from thresholds.mann_whitney import survival

BASELINE = 1000.0
WINDOW = 64  # history per judgement: the mann_whitney default max_sample_size
AFTER = 7  # results judged after the (possible) step
K = 3
TARGET = 0.01  # false alarms per point
STEPS = (0.05, 0.10)
SEED = 17


# --- noise models: multiplicative factors around 1, shape (series, length) ---------------------


def _gauss(sd: float) -> Callable:
    return lambda rng, shape: 1.0 + sd * rng.standard_normal(shape)


def _log_normal(rng, shape):
    # A floor with a right-skewed excess: sd 1.3 %, mean 1, long upper tail.
    sigma = 0.8
    return 1.0 + 0.01 * (rng.lognormal(0.0, sigma, shape) - math.exp(sigma**2 / 2))


def _outliers(rng, shape):
    return (1.0 + 0.02 * rng.standard_normal(shape)) * np.where(rng.random(shape) < 0.02, 1.3, 1.0)


def _bimodal(rng, shape):
    upper_mode = rng.random(shape) < 0.3
    return 1.0 + 0.005 * rng.standard_normal(shape) + np.where(upper_mode, 0.03, 0.0)


def _drift(rng, shape):
    return 1.0 + 0.01 * rng.standard_normal(shape) + 0.0002 * np.arange(shape[1])


def _autocorrelated(rng, shape):
    phi, sd = 0.5, 0.01
    innovations = rng.standard_normal(shape) * sd * math.sqrt(1 - phi**2)
    values = np.empty(shape)
    values[:, 0] = rng.standard_normal(shape[0]) * sd
    for i in range(1, shape[1]):
        values[:, i] = phi * values[:, i - 1] + innovations[:, i]
    return 1.0 + values


def _heavy_tailed(rng, shape):
    df = 3
    return 1.0 + 0.01 * rng.standard_t(df, shape) / math.sqrt(df / (df - 2))


NOISES: dict[str, tuple[str, Callable]] = {
    "gauss1": ("Gaussian, sd 1 %", _gauss(0.01)),
    "gauss3": ("Gaussian, sd 3 %", _gauss(0.03)),
    "lognormal": ("log-normal excess, sd 1.3 %, skewed right", _log_normal),
    "outliers": ("Gaussian 2 % + 2 % outliers at +30 %", _outliers),
    "bimodal": ("bimodal: 70 % at 0, 30 % at +3 %, each sd 0.5 %", _bimodal),
    "drift": ("Gaussian 1 % + drift +0.02 % per result", _drift),
    "ar1": ("autocorrelated AR(1) phi 0.5, sd 1 %", _autocorrelated),
    "heavy": ("Student t, 3 df, sd 1 %", _heavy_tailed),
}


def series(
    noise: str, count: int, rng: np.random.Generator, step: float = 0.0, window: int = WINDOW
) -> np.ndarray:
    """``count`` series of window + AFTER results, time order; a step at index window."""
    values = BASELINE * NOISES[noise][1](rng, (count, window + AFTER))
    values[:, window:] *= 1.0 + step
    return values


def rng_for(*keys: int | str) -> np.random.Generator:
    words = [SEED, *(k if isinstance(k, int) else sum(map(ord, k)) * 131 + len(k) for k in keys)]
    return np.random.default_rng(np.random.SeedSequence(words))


# --- models, vectorised: score per judged point; alert when score > threshold ------------------


@dataclass(frozen=True)
class Model:
    name: str
    score: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (history in time order, value)
    boundary: Callable[[float], float]  # threshold -> the model's boundary parameter
    threshold: Callable[[float], float]  # boundary -> threshold
    test: str | None  # the thresholds test name; None for the reference
    k: int | None = None  # mann_whitney only


def _mean_sd(history):
    return history.mean(axis=1), history.std(axis=1, ddof=1)


def _percentage(history, value):
    mean = history.mean(axis=1)
    return (value - mean) / mean


def _z(history, value):
    mean, sd = _mean_sd(history)
    return (value - mean) / sd


def t_statistic(history, value):
    n = history.shape[1]
    return _z(history, value) / math.sqrt(1.0 + 1.0 / n)


def _log(history, value):
    # A non-positive result (possible under the heaviest noise) has no log: NaN never alerts,
    # as production gives no limits to a history holding one.
    logs = np.log(np.where(history > 0, history, np.nan))
    mean, sd = logs.mean(axis=1), logs.std(axis=1, ddof=1)
    return (np.log(np.where(value > 0, value, np.nan)) - mean) / sd


def _iqr(history, value):
    q1, q2, q3 = np.percentile(history, [25, 50, 75], axis=1)
    return (value - q2) / (q3 - q1)


def _delta_iqr(history, value):
    newest_first = history[:, ::-1]
    changes = np.abs((newest_first[:, 1:] - newest_first[:, :-1]) / newest_first[:, :-1])
    d1, d3 = np.percentile(changes, [25, 75], axis=1)
    q2 = np.median(history, axis=1)
    return (value - q2) / (q2 * (d3 - d1))


def rank_p_values(history, value, k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """The upper p-value of the rank test (production table) and the reference median."""
    reference = history[:, : history.shape[1] - (k - 1)]
    recent = np.concatenate([history[:, history.shape[1] - (k - 1) :], value[:, None]], axis=1)
    count = (recent[:, :, None] > reference[:, None, :]).sum(axis=(1, 2))
    table = np.asarray(survival(k, reference.shape[1]))
    return table[count], np.median(reference, axis=1)


# The rank test alerts when p <= alpha and the value is above the reference median: as a score,
# -p (or -inf at or below the median) above the threshold -alpha * (1 + _TIE). p-values are
# table values, so the tolerance only makes "<=" out of ">".
_TIE = 1e-9


def _rank(k: int) -> Callable:
    def score(history, value):
        p, median = rank_p_values(history, value, k)
        return np.where(value > median, -p, -np.inf)

    return score


def _rank_model(k: int) -> Model:
    name = "mann_whitney" if k == K else f"mann_whitney k={k}"
    return Model(name, _rank(k), lambda s: 1.0 + s / (1.0 + _TIE),
                 lambda b: -(1.0 - b) * (1.0 + _TIE), "mann_whitney", k)  # fmt: skip


def _mean_of_3(history, value):
    return (history[:, -2:].sum(axis=1) + value) / 3.0 / BASELINE - 1.0


_T_DF = WINDOW - 1
MODELS = [
    Model("percentage", _percentage, float, float, "percentage"),
    Model("z_score", _z, lambda z: float(special.ndtr(z)), lambda b: float(special.ndtri(b)),
          "z_score"),
    Model("t_test", t_statistic, lambda t: float(special.stdtr(_T_DF, t)),
          lambda b: float(special.stdtrit(_T_DF, b)), "t_test"),
    Model("log_normal", _log, lambda z: float(special.ndtr(z)),
          lambda b: float(special.ndtri(b)), "log_normal"),
    Model("iqr", _iqr, float, float, "iqr"),
    Model("delta_iqr", _delta_iqr, float, float, "delta_iqr"),
    _rank_model(K),
    _rank_model(2),
    _rank_model(5),
    Model("mean of 3 (known noise)", _mean_of_3, float, float, None),
]  # fmt: skip
MODEL_BY_NAME = {m.name: m for m in MODELS}


def scores(model: Model, values: np.ndarray) -> np.ndarray:
    """The model's score at each judged index after the window: (series, AFTER)."""
    window = values.shape[1] - AFTER
    out = np.empty((values.shape[0], AFTER))
    for j in range(AFTER):
        t = window + j
        out[:, j] = model.score(values[:, t - window : t], values[:, t])
    return out


def calibrate(model: Model, clean: np.ndarray, window: int = WINDOW) -> float:
    """The lowest threshold with at most TARGET false alarms (score > threshold)."""
    if model.k is not None:
        # Discrete: the largest alpha of the table whose alarms stay within the target.
        best = -np.inf
        for alpha in sorted(set(survival(model.k, window - model.k + 1))):
            threshold = -alpha * (1.0 + _TIE)
            if (clean > threshold).mean() > TARGET:
                break
            best = threshold
        return best
    flat = np.sort(clean.ravel())
    index = math.ceil((1.0 - TARGET) * flat.size) - 1
    return float(flat[index])


# --- statistics --------------------------------------------------------------------------------


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float, float]:
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def pct(successes: int, n: int, decimals: int = 1) -> str:
    p, low, high = wilson(successes, n)
    return f"{100 * p:.{decimals}f} ({100 * low:.{decimals}f}-{100 * high:.{decimals}f})"
