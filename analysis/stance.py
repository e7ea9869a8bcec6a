"""Sentence stance: a fitted scikit-learn Pipeline giving P(label) for any sentence, in the story's
label order (negative, neutral, positive), trained from the data its story file names
(analysis/training_data.py).

TF-IDF word 1-2-grams, stance-marked word 1-2-grams (who is evaluated, in whose voice, under
negation) and character 3-5-grams feed a multinomial logistic regression. The model is rebuilt
deterministically from the data and cached under var/models/; no pickle is ever committed.
"""
from __future__ import annotations

import re
import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from analysis.errors import FramingError
from analysis.training_data import (ARTICLE_SENTENCE_WEIGHT, data_version, lexicon_tag, load_training_articles,
                                    load_training_data)

MODEL_DIR = Path("var/models")
RANDOM_STATE = 0


# ---------------------------------------------------------------- lexicon features

def resolve_lexicon(lexicon=None):
    """A Lexicon object for a path, a Lexicon, or None (the default story file)."""
    from analysis.lexicon import Lexicon

    if isinstance(lexicon, Lexicon):
        return lexicon
    return Lexicon.load(Path(lexicon) if lexicon is not None else None)


from sklearn.base import BaseEstimator, TransformerMixin  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402


# ---------------------------------------------------------------- stance marking

# Word tokens (with a clitic: "n't", "'s") and the punctuation that ends a clause.
_TOKEN_RX = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.,;:!?()\"]")
_NEGATORS = frozenset("not no never without nothing nobody none neither nor cannot hardly".split())
_CLAUSE_END = frozenset([".", ",", ";", ":", "!", "?", "(", ")", '"', "but", "however", "while", "although",
                         "whereas", "yet", "though"])


def mark_sentence(sentence: str, lexicon) -> str:
    """Rewrite a sentence as tokens that carry who is evaluated and in which voice.

    Actor mentions become one token per actor group (ACTturkey, ACTunitedstates ...; camp-only
    speakers CAMPturkeygov ...), so "Washington's unreasonable demands" and "Ankara's
    unreasonable demands" share the evaluative word but differ in the bigram that joins it to its
    target. Words after a negator up to the end of the clause get NOT_, words after an
    attribution verb REP_ (reported, not the outlet's own voice).
    """
    scan = lexicon.scan(sentence)
    folded = scan.folded
    spans: list[tuple[int, int, str]] = []
    for h in scan.of("actor"):
        spans.append((h.start, h.end, "ACT" + str(h.payload).replace("_", "")))
    for h in scan.of("camp"):
        if not any(s < h.end and h.start < e for s, e, _ in spans):
            spans.append((h.start, h.end, "CAMP" + str(h.payload).replace("_", "")))
    verbs = {h.start for h in scan.of("verb")}
    spans.sort()
    items: list[tuple[int, str, bool]] = []
    pos = 0
    for start, end, tag in spans:
        if start < pos:  # overlapping camp/actor spans: the first one wins
            continue
        items += [(m.start(), m.group(), False) for m in _TOKEN_RX.finditer(folded, pos, start)]
        items.append((start, tag, True))
        pos = end
    items += [(m.start(), m.group(), False) for m in _TOKEN_RX.finditer(folded, pos)]
    out: list[str] = []
    negated = reported = False
    for start, tok, is_actor in items:
        if tok in _CLAUSE_END:
            negated = reported = False
        elif is_actor:
            out.append(tok)
        elif start in verbs:
            reported = True
            out.append("VERB_" + tok)
        elif tok in _NEGATORS or tok.endswith("n't"):
            negated = True
            out.append(tok)
        else:
            out.append(("REP_" if reported else "") + ("NOT_" if negated else "") + tok)
    return " ".join(out)


class StanceMarker(TransformerMixin, BaseEstimator):
    """Text -> marked text (see `mark_sentence`), to be fed to a TF-IDF vectorizer."""

    def __init__(self, lexicon):
        self.lexicon = lexicon

    def fit(self, X, y=None):
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        return [mark_sentence(x, self.lexicon) for x in X]


# ---------------------------------------------------------------- model

C = 3.0  # inverse L2 strength; docs/method.md has the sensitivity table that chose it


def build_pipeline(lexicon, c: float = C):
    """The unfitted model: TF-IDF word 1-2-grams, stance-marked word 1-2-grams and char_wb
    3-5-grams -> multinomial LogisticRegression (columns in the story's label order)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline

    parts = [
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True, strip_accents="unicode")),
        (
            "marked",
            Pipeline(
                [
                    ("mark", StanceMarker(lexicon)),
                    # the marker already folded case and accents; tokens are whitespace-separated
                    ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=False, token_pattern=r"\S+")),
                ]
            ),
        ),
        (
            "char",
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2, strip_accents="unicode"),
        ),
    ]
    return Pipeline(
        [
            ("features", FeatureUnion(parts)),
            ("clf", OrderedLogisticRegression(order=lexicon.labels, C=c, max_iter=5000, random_state=RANDOM_STATE)),
        ]
    )


class OrderedLogisticRegression(LogisticRegression):
    """LogisticRegression whose classes_ (and so predict_proba columns) follow `order` (the story's
    labels), not alphabetical order."""

    def __init__(self, order=(), *, C=1.0, max_iter=100, random_state=None):
        super().__init__(C=C, max_iter=max_iter, random_state=random_state)
        self.order = order

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)
        found, order = list(self.classes_), list(self.order)
        if sorted(found) != sorted(order):
            raise FramingError(f"training data must hold exactly the labels {', '.join(order)}; got {', '.join(found)}")
        # Multinomial model: permuting the rows of coef_/intercept_ permutes the softmax columns.
        rows = [found.index(c) for c in order]
        self.coef_ = self.coef_[rows]
        self.intercept_ = self.intercept_[rows]
        self.classes_ = np.asarray(order, dtype=object)
        return self


def article_sentence_texts(text: str) -> list[str]:
    """The prose sentences (and headline) of a raw article text, as the analyser reads them."""
    from analysis.corpus import article_from_text
    from analysis.sentences import scored_sentences

    return [s.text for s in scored_sentences(article_from_text("training", text))]


def training_examples(lexicon, files=None):
    """(texts, labels, weights) from `files` (default: those the story file names): the labelled
    sentences at weight 1, and every sentence of each training article as a weak example of its
    article's label at ARTICLE_SENTENCE_WEIGHT; then each label is given the same total weight."""
    files, classes = files or lexicon.training, lexicon.labels
    df = load_training_data(files.sentences, classes)
    texts, labels = df["text"].tolist(), df["label"].tolist()
    weights = [1.0] * len(texts)
    for art in load_training_articles(files.articles, classes):
        for sentence in article_sentence_texts(art.text):
            texts.append(sentence)
            labels.append(art.label)
            weights.append(ARTICLE_SENTENCE_WEIGHT)
    w = np.asarray(weights)
    y = np.asarray(labels, dtype=object)
    for lab in classes:  # each label carries the same total weight (what class_weight="balanced" does)
        mask = y == lab
        if not mask.any():
            raise FramingError(f"training data holds no {lab!r} example")
        w[mask] *= w.sum() / (len(classes) * w[mask].sum())
    return texts, labels, w


def train(lexicon=None, c: float = C, files=None):
    """Fit the Pipeline on the training data the story file names (or other `TrainingFiles`),
    deterministically; predict_proba columns follow the story's labels."""
    lex = resolve_lexicon(lexicon)
    texts, labels, weights = training_examples(lex, files)
    model = build_pipeline(lex, c)
    model.fit(texts, labels, clf__sample_weight=weights)
    return model


def model_path(lexicon=None) -> Path:
    """Where the cached model for this data, lexicon and scikit-learn version lives."""
    import sklearn

    lex = resolve_lexicon(lexicon)
    return MODEL_DIR / f"{data_version(lex.training)}-{lexicon_tag(lex)}-sklearn{sklearn.__version__}.joblib"


@lru_cache(maxsize=8)
def _load_cached(path_str: str, lexicon_key):
    import joblib

    path = Path(path_str)
    lexicon = lexicon_key[1]
    if path.exists():
        try:
            return joblib.load(path)
        except Exception as exc:  # a truncated or foreign file: rebuild rather than fail
            print(f"warning: {path}: unreadable cached model ({type(exc).__name__}), rebuilding", file=sys.stderr)
    # First use on this machine (or new training data): fitting takes a while; say so, once.
    print(f"training the sentence stance model for '{lexicon.story}' (first use of this data: about 30 s)...",
          file=sys.stderr, flush=True)
    began = time.perf_counter()
    model = train(lexicon)
    save_model(model, path)
    print(f"stance model trained in {time.perf_counter() - began:.0f} s and saved to {path}", file=sys.stderr)
    return model


def save_model(model, path: Path) -> None:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump(model, tmp)
    tmp.replace(path)  # atomic: a concurrent reader never sees half a file


class _Key(tuple):
    """(tag, lexicon) hashed and compared by tag only, so lru_cache works with unhashable lexicons."""

    def __hash__(self):
        return hash(self[0])

    def __eq__(self, other):
        return isinstance(other, tuple) and self[0] == other[0]


def share_lexicon(model, lexicon):
    """Let the model's marker use `lexicon` (the same story file, by the model's version) so that
    the analyser and the marker share one scan cache."""
    return model.set_params(features__marked__mark__lexicon=lexicon)


def load_model(lexicon=None):
    """The fitted Pipeline, loaded from var/models/ or trained (and cached) when missing."""
    lex = resolve_lexicon(lexicon)
    path = model_path(lex)
    return _load_cached(str(path.resolve()), _Key((lexicon_tag(lex), lex)))
