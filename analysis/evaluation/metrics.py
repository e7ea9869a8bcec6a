"""Measures of a labelling against gold labels: the figures `evaluate` prints and `/validity` shows.

Every function takes plain sequences and returns plain numbers or small named records, so the
dashboard shows what this module computes and never computes a metric itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

N_BOOTSTRAP = 2000
BOOTSTRAP_SEED = 0
N_BINS = 10  # reliability table: ten equal-width confidence bins, the usual ECE convention


@dataclass(frozen=True)
class Interval:
    """A point estimate with a bootstrap 95% percentile interval."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    n: int
    mean_confidence: float
    accuracy: float


@dataclass
class Report:
    """One method on one evaluation set."""

    method: str
    n: int
    n_polar: int
    sign_accuracy: Interval
    macro_f1: Interval
    accuracy: Interval
    ece: Interval | None  # None when the method gives no confidence
    confusion: list[list[int]]  # rows = true label, columns = predicted, in `labels` order
    labels: tuple[str, ...]
    reliability: list[ReliabilityBin] = field(default_factory=list)


def sign_correct(y_true, scores, labels) -> np.ndarray:
    """Per polar item (true label not the middle one): does the score's sign name its side?
    A score of exactly 0 names no side and counts as wrong."""
    neg, _, pos = labels
    out = []
    for t, s in zip(y_true, scores):
        if t == pos:
            out.append(s > 0)
        elif t == neg:
            out.append(s < 0)
    return np.asarray(out, dtype=bool)


def macro_f1(y_true, y_pred, labels) -> float:
    """The mean over `labels` of F1 = 2·TP / (2·TP + FP + FN), 0 where a label is neither true nor
    predicted: scikit-learn's `f1_score(average="macro", zero_division=0)`, in numpy, because the
    bootstrap calls it thousands of times (scikit-learn's input checks cost ~10 ms a call)."""
    index = {lab: k for k, lab in enumerate(labels)}
    k = len(labels)
    t = np.fromiter((index.get(v, k) for v in y_true), dtype=np.int64)
    p = np.fromiter((index.get(v, k) for v in y_pred), dtype=np.int64)
    tp = np.bincount(t[t == p], minlength=k + 1)[:k]
    true, pred = np.bincount(t, minlength=k + 1)[:k], np.bincount(p, minlength=k + 1)[:k]
    denominator = true + pred  # 2·TP + FP + FN
    f1 = np.divide(2 * tp, denominator, out=np.zeros(k), where=denominator > 0)
    return float(f1.mean())


def confusion(y_true, y_pred, labels) -> np.ndarray:
    """Rows = true label, columns = predicted label, in `labels` order."""
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(list(y_true), list(y_pred), labels=list(labels))


def reliability(confidence, correct, n_bins: int = N_BINS) -> list[ReliabilityBin]:
    """Equal-width bins over [0, 1]; empty bins are left out."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    out = []
    for b in range(n_bins):
        mask = idx == b
        if mask.any():
            out.append(ReliabilityBin(float(edges[b]), float(edges[b + 1]), int(mask.sum()),
                                      float(conf[mask].mean()), float(ok[mask].mean())))
    return out


def expected_calibration_error(confidence, correct, n_bins: int = N_BINS) -> float:
    """Σ_bins (n_b / n) · |accuracy_b − mean confidence_b|."""
    conf = np.asarray(confidence, dtype=float)
    if not len(conf):
        return float("nan")
    return float(sum(b.n * abs(b.accuracy - b.mean_confidence) for b in reliability(conf, correct, n_bins)) / len(conf))


def bootstrap(statistic, n: int, n_boot: int = N_BOOTSTRAP, seed: int = BOOTSTRAP_SEED) -> Interval:
    """Percentile bootstrap: `statistic(index_array)` on the full sample and on `n_boot` resamples."""
    point = float(statistic(np.arange(n)))
    if n == 0:
        return Interval(point, point, point)
    rng = np.random.default_rng(seed)
    values = np.array([statistic(rng.integers(0, n, n)) for _ in range(n_boot)], dtype=float)
    values = values[~np.isnan(values)]
    if not len(values):
        return Interval(point, point, point)
    low, high = np.percentile(values, [2.5, 97.5])
    return Interval(point, float(low), float(high))


def report(method: str, y_true, y_pred, scores, confidence, labels) -> Report:
    """All figures of one method on one set; intervals resample items (polar items for sign)."""
    y_true = np.asarray(list(y_true), dtype=object)
    y_pred = np.asarray(list(y_pred), dtype=object)
    scores = np.asarray(list(scores), dtype=float)
    labels = tuple(labels)
    n = len(y_true)
    polar = np.flatnonzero(y_true != labels[1])
    signs = sign_correct(y_true[polar], scores[polar], labels)
    correct = y_true == y_pred

    sign = bootstrap(lambda i: signs[i].mean() if len(i) else float("nan"), len(polar))
    f1 = bootstrap(lambda i: macro_f1(y_true[i], y_pred[i], labels), n)
    acc = bootstrap(lambda i: correct[i].mean(), n)
    ece, bins = None, []
    if confidence is not None:
        conf = np.asarray(list(confidence), dtype=float)
        ece = bootstrap(lambda i: expected_calibration_error(conf[i], correct[i]), n)
        bins = reliability(conf, correct)
    return Report(method, n, len(polar), sign, f1, acc, ece, confusion(y_true, y_pred, labels).tolist(), labels, bins)


def cohen_kappa(a, b) -> float:
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(list(a), list(b)))


def krippendorff_alpha(codes_by_coder: list[list], labels) -> float:
    """Nominal α; `codes_by_coder[c][i]` is coder c's label of item i, None where not coded."""
    import krippendorff

    index = {lab: k for k, lab in enumerate(labels)}
    matrix = np.array([[np.nan if x is None else index[x] for x in row] for row in codes_by_coder], dtype=float)
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))
