"""Article level: sentence stances aggregated by position and voice -> a fitted, calibrated model.

Each scored sentence brings the stance model's P(label) in the story's label order (negative,
neutral, positive: analysis/axis.py); its stance is s = P(positive) - P(negative). An article becomes a short vector of named
features (`FEATURES`), each a sum over its sentences of a per-sentence term, so that every
sentence's share of the decision is exact (`contributions`). A standardised multinomial logistic
regression maps the vector to the three labels, and temperature scaling (scikit-learn's
`CalibratedClassifierCV(method="temperature")`, fitted on cross-validated predictions) makes
`P(label)` a calibrated probability. Weights, scaling and temperature are learned from labelled
articles (`python -m analysis train`) and kept as plain numbers in the JSON file the story file
names (`training.article_model`): no constant here is set by hand.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from analysis.axis import NEGATIVE, NEUTRAL, POSITIVE
from analysis.errors import FramingError

# Name -> what it sums over the article's scored sentences (n of them). Chosen on the development
# openings among larger sets (closing sentences, own voice only, the strongest sentence of each
# side, positive and negative mass): docs/method.md has the comparison.
FEATURES = {
    "mean_stance": "s / n over every sentence",
    "title_stance": "s of the headline (0 without one)",
    "lead_stance": "s / n_lead over the lead sentences",
    "neutral_mass": "P(neutral) / n",
}
FEATURE_NAMES = tuple(FEATURES)


@dataclass(frozen=True)
class SentenceReading:
    """One scored sentence as the article level sees it."""

    index: int
    position: str  # title | lead | body
    probs: tuple[float, float, float]  # in the story's label order (negative, neutral, positive)


def sentence_shares(readings: list[SentenceReading]) -> np.ndarray:
    """Each sentence's weight in each feature, shape (n_sentences, n_features): a feature is the
    weighted sum of its sentences' values."""
    n = len(readings)
    shares = np.zeros((n, len(FEATURE_NAMES)))
    if not n:
        return shares
    col = {name: j for j, name in enumerate(FEATURE_NAMES)}
    title = np.array([r.position == "title" for r in readings])
    lead = np.array([r.position == "lead" for r in readings])
    shares[:, col["mean_stance"]] = 1 / n
    shares[title, col["title_stance"]] = 1.0
    if lead.any():
        shares[lead, col["lead_stance"]] = 1 / lead.sum()
    shares[:, col["neutral_mass"]] = 1 / n
    return shares


def sentence_terms(readings: list[SentenceReading]) -> np.ndarray:
    """Per-sentence terms, shape (n_sentences, n_features): feature j of the article is column j's sum."""
    shares = sentence_shares(readings)
    if not len(readings):
        return shares
    p = np.asarray([r.probs for r in readings], dtype=float)
    values = np.empty_like(shares)
    values[:] = (p[:, POSITIVE] - p[:, NEGATIVE])[:, None]  # the stance s = P(positive) - P(negative)
    values[:, FEATURE_NAMES.index("neutral_mass")] = p[:, NEUTRAL]
    return shares * values


def features(readings: list[SentenceReading]) -> np.ndarray:
    return sentence_terms(readings).sum(axis=0)


@dataclass
class ArticleModel:
    """softmax(temperature · (standardised features · coefᵀ + intercept)), in `classes` order
    (the story's labels: negative, neutral, positive)."""

    classes: tuple[str, str, str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (3, n_features), on standardised features
    intercept: np.ndarray  # (3,)
    temperature: float  # the inverse temperature learned by calibration
    fitted_on: dict = field(default_factory=dict)  # what the fit saw: sets, counts, stance model version

    def logits(self, x: np.ndarray) -> np.ndarray:
        z = (np.atleast_2d(x) - self.mean) / self.scale
        return self.temperature * (z @ self.coef.T + self.intercept)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        z = self.logits(x)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def contributions(self, terms: np.ndarray, shares: np.ndarray) -> np.ndarray:
        """Each sentence's share of the calibrated log-odds of the positive over the negative label,
        measured from an average training article: a sentence whose values equal the training
        means contributes 0, and the contributions add up to log-odds(article) - log-odds(average
        article) wherever every feature's shares sum to 1 (an article with a headline and a lead)."""
        direction = self.temperature * (self.coef[POSITIVE] - self.coef[NEGATIVE]) / self.scale
        return (terms - shares * self.mean) @ direction

    # ---- persistence: plain JSON, no pickle
    def to_json(self) -> dict:
        return {
            "features": list(FEATURE_NAMES),
            "classes": list(self.classes),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept.tolist(),
            "temperature": self.temperature,
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_json(cls, data: dict, classes: tuple[str, ...], where: str = "article model") -> "ArticleModel":
        if data.get("features") != list(FEATURE_NAMES) or data.get("classes") != list(classes):
            raise FramingError(f"{where}: fitted for other features or labels; run `python -m analysis train`")
        try:
            return cls(
                tuple(classes), np.asarray(data["mean"], float), np.asarray(data["scale"], float), np.asarray(data["coef"], float),
                np.asarray(data["intercept"], float), float(data["temperature"]), dict(data.get("fitted_on", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FramingError(f"{where}: not a fitted article model ({exc})") from None

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, classes: tuple[str, ...]) -> "ArticleModel":
        """The model at `path` (the story's `training.article_model`), fitted for `classes`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FramingError(f"{path}: no fitted article model; run `python -m analysis train`") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FramingError(f"{path}: not readable JSON ({exc})") from None
        return cls.from_json(data, classes, str(path))


C = 1.0  # inverse L2 strength of the article model; docs/method.md has the sensitivity table
CALIBRATION_FOLDS = 5  # fewer when a label has fewer articles than this (at least 2)


def fit(x: np.ndarray, y: list[str], classes: tuple[str, ...], sample_weight=None, c: float = C,
        fitted_on: dict | None = None) -> ArticleModel:
    """Fit the standardised logistic regression, then its temperature on cross-validated logits;
    `classes` are the story's labels (negative, neutral, positive)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = np.asarray(y, dtype=object)
    missing = [lab for lab in classes if not (y == lab).any()]
    if missing:
        raise FramingError(f"article training data holds no {', '.join(missing)} article")
    folds = min(CALIBRATION_FOLDS, min(int((y == lab).sum()) for lab in classes))
    if folds < 2:
        raise FramingError("article training data needs at least 2 articles of each label to calibrate")
    base = make_pipeline(StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=5000))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    calibrated = CalibratedClassifierCV(base, method="temperature", cv=cv, ensemble=False)
    calibrated.fit(x, y, sample_weight=sample_weight)
    inner = calibrated.calibrated_classifiers_[0]
    pipe = inner.estimator
    scaler, lr = pipe[0], pipe[-1]
    order = [list(calibrated.classes_).index(lab) for lab in classes]  # the inner model sees encoded labels
    beta = float(inner.calibrators[0].beta_)
    model = ArticleModel(tuple(classes), scaler.mean_.copy(), scaler.scale_.copy(), lr.coef_[order].copy(),
                         lr.intercept_[order].copy(), beta, dict(fitted_on or {}))
    # The JSON model must give what scikit-learn gives.
    expected = calibrated.predict_proba(x)[:, order]
    if not np.allclose(model.predict_proba(x), expected, atol=1e-6):
        raise FramingError("article model: the exported parameters do not reproduce scikit-learn's probabilities")
    return model
