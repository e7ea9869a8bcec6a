"""Simple methods every figure of the analyser is printed beside.

- `always_neutral`: the majority-free floor (sign accuracy 0: it never names a side).
- `tfidf_mean`: TF-IDF word 1-2-grams + logistic regression trained on the story's first sentence
  file alone (analysis/data/sentences.csv for the S-400 story); an article's score is the mean over its sentences of P(positive) - P(negative), its label
  the label of highest mean probability and its confidence that probability. No lexicon, voices
  or hand-set constants.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.axis import NEGATIVE, NEUTRAL, POSITIVE
from analysis.models import Article
from analysis.sentences import scored_sentences


@dataclass
class Prediction:
    labels: list[str]
    scores: list[float]
    confidence: list[float] | None


def always_neutral(articles: list[Article], labels: tuple[str, ...]) -> Prediction:
    return Prediction([labels[NEUTRAL]] * len(articles), [0.0] * len(articles), None)


def fit_tfidf(lexicon):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from analysis.training_data import load_training_data

    df = load_training_data(lexicon.training.sentences[:1], lexicon.labels)
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                          LogisticRegression(max_iter=5000))
    return model.fit(df["text"].tolist(), df["label"].tolist())


def tfidf_mean(model, articles: list[Article], labels: tuple[str, ...]) -> Prediction:
    cols = [list(model.classes_).index(lab) for lab in labels]
    predicted, scores, conf = [], [], []
    for a in articles:
        texts = [s.text for s in scored_sentences(a)] or [a.text]
        mean = model.predict_proba(texts)[:, cols].mean(axis=0)
        k = int(np.argmax(mean))
        predicted.append(labels[k])
        scores.append(float(mean[POSITIVE] - mean[NEGATIVE]))
        conf.append(float(mean[k]))
    return Prediction(predicted, scores, conf)
