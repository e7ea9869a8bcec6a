"""Simple methods every figure of the analyser is printed beside.

- `always_neutral`: the majority-free floor (sign accuracy 0: it never names a side).
- `tfidf_mean`: TF-IDF word 1-2-grams + logistic regression trained on analysis/data/sentences.csv
  alone; an article's score is the mean over its sentences of P(positive) - P(negative), its label
  the label of highest mean probability and its confidence that probability. No lexicon, voices
  or hand-set constants.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.models import LABELS, Article
from analysis.sentences import scored_sentences


@dataclass
class Prediction:
    labels: list[str]
    scores: list[float]
    confidence: list[float] | None


def always_neutral(articles: list[Article]) -> Prediction:
    return Prediction([LABELS[1]] * len(articles), [0.0] * len(articles), None)


def fit_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from analysis.training_data import SENTENCE_FILES, load_training_data

    df = load_training_data(SENTENCE_FILES[:1])
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                          LogisticRegression(max_iter=5000))
    return model.fit(df["text"].tolist(), df["label"].tolist())


def tfidf_mean(model, articles: list[Article]) -> Prediction:
    cols = [list(model.classes_).index(lab) for lab in LABELS]
    labels, scores, conf = [], [], []
    for a in articles:
        texts = [s.text for s in scored_sentences(a)] or [a.text]
        mean = model.predict_proba(texts)[:, cols].mean(axis=0)
        k = int(np.argmax(mean))
        labels.append(LABELS[k])
        scores.append(float(mean[2] - mean[0]))
        conf.append(float(mean[k]))
    return Prediction(labels, scores, conf)
