"""The article level (analysis/article.py): features, the exported calibrated model, evidence."""
from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.article import FEATURE_NAMES, ArticleModel, SentenceReading, fit, sentence_shares, sentence_terms
from analysis.axis import NEGATIVE, POSITIVE
from analysis.errors import FramingError
from analysis.lexicon import Lexicon

LEX = Lexicon.load()
CLASSES = LEX.labels
MODEL_PATH = LEX.training.article_model


def _readings():
    return [
        SentenceReading(0, "title", (0.1, 0.2, 0.7)),
        SentenceReading(1, "lead", (0.6, 0.3, 0.1)),
        SentenceReading(2, "lead", (0.2, 0.6, 0.2)),
        SentenceReading(3, "body", (0.1, 0.8, 0.1)),
    ]


def test_features_by_hand():
    x = dict(zip(FEATURE_NAMES, sentence_terms(_readings()).sum(axis=0)))
    s = [0.6, -0.5, 0.0, 0.0]
    assert x["mean_stance"] == pytest.approx(sum(s) / 4)
    assert x["title_stance"] == pytest.approx(0.6)
    assert x["lead_stance"] == pytest.approx((-0.5 + 0.0) / 2)
    assert x["neutral_mass"] == pytest.approx((0.2 + 0.3 + 0.6 + 0.8) / 4)
    # with a headline and a lead, every feature's sentence shares add up to one
    assert np.allclose(sentence_shares(_readings()).sum(axis=0), 1.0)


def _toy(rng, n=150):
    y = rng.choice(CLASSES, size=n)
    centre = {"pro-Washington": -0.5, "neutral": 0.0, "pro-Ankara": 0.5}
    x = np.array([[centre[lab] + rng.normal(0, 0.3), rng.normal(0, 0.3), rng.normal(0, 0.3), 0.5 - abs(centre[lab])]
                  for lab in y])
    return x, list(y)


def test_exported_model_reproduces_scikit_learn_and_round_trips(tmp_path):
    """`fit` checks the exported numbers against CalibratedClassifierCV's own probabilities; the
    JSON file gives back the same model."""
    x, y = _toy(np.random.default_rng(0))
    model = fit(x, y, CLASSES, fitted_on={"stance_version": "toy"})
    assert model.temperature > 0
    p = model.predict_proba(x)
    assert np.allclose(p.sum(axis=1), 1) and (np.array(CLASSES)[p.argmax(axis=1)] == np.array(y)).mean() > 0.8
    path = tmp_path / "m.json"
    model.save(path)
    again = ArticleModel.load(path, CLASSES)
    assert np.allclose(again.predict_proba(x), p) and again.fitted_on == {"stance_version": "toy"}


def test_contributions_add_up_to_the_log_odds():
    x, y = _toy(np.random.default_rng(1))
    model = fit(x, y, CLASSES)
    terms, shares = sentence_terms(_readings()), sentence_shares(_readings())
    z = model.logits(terms.sum(axis=0))[0]
    z0 = model.logits(model.mean)[0]
    neg, pos = NEGATIVE, POSITIVE
    assert model.contributions(terms, shares).sum() == pytest.approx((z[pos] - z[neg]) - (z0[pos] - z0[neg]))


def test_a_label_missing_from_the_training_articles_is_refused():
    with pytest.raises(FramingError, match="no pro-Ankara article"):
        fit(np.zeros((6, len(FEATURE_NAMES))), ["neutral", "pro-Washington"] * 3, CLASSES)


def test_a_rare_label_gets_fewer_calibration_folds_and_a_single_one_is_refused():
    x, y = _toy(np.random.default_rng(2), n=60)
    y = ["neutral" if lab == "pro-Ankara" else lab for lab in y]
    for i in range(3):  # three pro-Ankara articles: calibrated on 3 folds
        y[i] = "pro-Ankara"
    assert fit(x, y, CLASSES).temperature > 0
    y[1] = y[2] = "neutral"
    with pytest.raises(FramingError, match="at least 2 articles of each label"):
        fit(x, y, CLASSES)


def test_a_model_for_other_features_is_refused(tmp_path):
    data = json.loads(MODEL_PATH.read_text())
    data["features"] = data["features"][:-1]
    bad = tmp_path / "m.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(FramingError, match="other features"):
        ArticleModel.load(bad, CLASSES)
    bad.write_text("{not json")
    with pytest.raises(FramingError, match="not readable JSON"):
        ArticleModel.load(bad, CLASSES)


def test_the_committed_model_records_what_it_was_fitted_on():
    from analysis.scoring import reader

    model = ArticleModel.load(MODEL_PATH, CLASSES)
    lex, _ = reader()
    from analysis.scoring import stance_version

    assert model.fitted_on["stance_version"] == stance_version(lex)
    assert model.fitted_on["articles"]["gold"] >= 70
