"""Sentence classifier: pro-Washington / neutral / pro-Ankara, trained from analysis/data/sentences.csv.

The training data is hand-written by this project (see the CSV). The model is rebuilt
deterministically from it and cached under var/models/; no pickle is ever committed.
"""
from __future__ import annotations

import re
import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from analysis.errors import FramingError
from analysis.training_data import CLASSES, DATA_PATH, data_version, load_training_data  # noqa: F401 (re-exported)

DEFAULT_LEXICON = Path(__file__).resolve().parent / "lexicons" / "s400.yaml"
MODEL_DIR = Path("var/models")
RANDOM_STATE = 0


# ---------------------------------------------------------------- lexicon features

def _lexicon_module():
    try:
        from analysis import lexicon as mod  # written by another part of the project
    except ImportError:
        return None
    return mod if hasattr(mod, "Lexicon") else None


def resolve_lexicon(lexicon=None):
    """Return a Lexicon object for a path, a Lexicon, or None (default file); None if unavailable."""
    if lexicon is not None and not isinstance(lexicon, (str, Path)):
        return lexicon
    mod = _lexicon_module()
    if mod is None:
        if lexicon is not None:
            raise FramingError(f"{lexicon}: lexicon support (analysis.lexicon) is not available")
        return None
    path = Path(lexicon) if lexicon is not None else DEFAULT_LEXICON
    if lexicon is None and not path.exists():
        return None
    return mod.Lexicon.load(path)


def lexicon_tag(lex) -> str:
    """Stable short name of a lexicon for cache keys ('none' without one)."""
    if lex is None:
        return "none"
    raw = f"{getattr(lex, 'story', '?')}-{getattr(lex, 'version', '?')}"
    digest = str(getattr(lex, "digest", "") or "")[:8]
    if digest:  # an edited lexicon file without a version bump still gets its own model
        raw += f".{digest}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", raw)


from sklearn.base import BaseEstimator, TransformerMixin  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Dense features from `Lexicon.match`: signed weight sums, negation/hedge counts, per-frame net weight."""

    def __init__(self, lexicon=None, scale=1.0):
        self.lexicon = lexicon
        self.scale = scale

    def fit(self, X, y=None):
        if self.lexicon is None:
            raise ValueError("LexiconFeatures needs a lexicon")
        self.frames_ = sorted(getattr(self.lexicon, "frames", {}) or {})
        self.feature_names_ = ["lex_pos", "lex_neg", "lex_net", "lex_n", "lex_negated", "lex_hedged"] + [
            f"lex_frame:{f}" for f in self.frames_
        ]
        self.n_features_out_ = len(self.feature_names_)
        return self

    def transform(self, X):
        index = {f: i for i, f in enumerate(self.frames_)}
        out = np.zeros((len(X), self.n_features_out_), dtype=float)
        for row, sentence in enumerate(X):
            for m in self.lexicon.match(sentence):
                w = float(m.weight)
                if w > 0:
                    out[row, 0] += w
                elif w < 0:
                    out[row, 1] -= w
                out[row, 2] += w
                out[row, 3] += 1
                out[row, 4] += bool(m.negated)
                out[row, 5] += bool(m.hedged)
                j = index.get(m.frame)
                if j is not None:
                    out[row, 6 + j] += w
        # Squash: a sentence with many matches should not dominate the TF-IDF features.
        return self.scale * np.tanh(out)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self.feature_names_, dtype=object)


# ---------------------------------------------------------------- stance marking

# Word tokens (with a clitic: "n't", "'s") and the punctuation that ends a clause.
_TOKEN_RX = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.,;:!?()\"]")
_NEGATORS = frozenset("not no never without nothing nobody none neither nor cannot hardly".split())
_CLAUSE_END = frozenset([".", ",", ";", ":", "!", "?", "(", ")", '"', "but", "however", "while", "although",
                         "whereas", "yet", "though"])
# Used only without a lexicon; the lexicon's attribution verbs replace it.
_REPORT_RX = re.compile(r"\b(?:said|says|told|claimed|claims|alleged|alleges|insisted|insists|argued|argues|"
                        r"warned|accused|according to|described|called)\b")


def mark_sentence(sentence: str, lexicon=None) -> str:
    """Rewrite a sentence as tokens that carry who is evaluated and in which voice.

    Actor mentions become one token per actor group (ACTturkey, ACTunitedstates ...; camp-only
    speakers CAMPturkeygov ...), so "Washington's unreasonable demands" and "Ankara's
    unreasonable demands" share the evaluative word but differ in the bigram that joins it to its
    target. Words after a negator up to the end of the clause get NOT_, words after an
    attribution verb REP_ (reported, not the outlet's own voice).
    """
    from analysis.lexicon import fold

    folded = fold(sentence)
    spans: list[tuple[int, int, str]] = []
    verbs: set[int] = set()
    if lexicon is not None:
        scan = lexicon.scan(sentence)
        folded = scan.folded
        for h in scan.of("actor"):
            spans.append((h.start, h.end, "ACT" + str(h.payload).replace("_", "")))
        for h in scan.of("camp"):
            if not any(s < h.end and h.start < e for s, e, _ in spans):
                spans.append((h.start, h.end, "CAMP" + str(h.payload).replace("_", "")))
        verbs = {h.start for h in scan.of("verb")}
    else:
        verbs = {m.start() for m in _REPORT_RX.finditer(folded)}
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

    def __init__(self, lexicon=None):
        self.lexicon = lexicon

    def fit(self, X, y=None):
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        return [mark_sentence(x, self.lexicon) for x in X]


# ---------------------------------------------------------------- model

def build_pipeline(lexicon=None):
    """The unfitted model: TF-IDF word 1-2-grams, stance-marked word 1-2-grams, char_wb 2-5-grams
    (+ lexicon features) -> LogisticRegression."""
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
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, strip_accents="unicode"),
        ),
    ]
    if lexicon is not None:
        parts.append(("lex", LexiconFeatures(lexicon, scale=0.5)))
    return Pipeline(
        [
            ("features", FeatureUnion(parts)),
            (
                "clf",
                OrderedLogisticRegression(C=3.0, class_weight="balanced", max_iter=5000, random_state=RANDOM_STATE),
            ),
        ]
    )


class OrderedLogisticRegression(LogisticRegression):
    """LogisticRegression whose classes_ (and so predict_proba columns) follow CLASSES, not alphabetical order."""

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)
        found = list(self.classes_)
        if sorted(found) != sorted(CLASSES):
            raise FramingError(f"training data must hold exactly the labels {', '.join(CLASSES)}; got {', '.join(found)}")
        # Multinomial model: permuting the rows of coef_/intercept_ permutes the softmax columns.
        order = [found.index(c) for c in CLASSES]
        self.coef_ = self.coef_[order]
        self.intercept_ = self.intercept_[order]
        self.classes_ = np.asarray(CLASSES, dtype=object)
        return self


def train(lexicon=None, path: Path | str | None = None):
    """Fit the Pipeline on the training data, deterministically; predict_proba columns follow CLASSES."""
    lex = resolve_lexicon(lexicon)
    df = load_training_data(path)
    model = build_pipeline(lex)
    model.fit(df["text"].tolist(), df["label"].tolist())
    return model


def model_path(lexicon=None) -> Path:
    """Where the cached model for this data, lexicon and scikit-learn version lives."""
    import sklearn

    lex = resolve_lexicon(lexicon)
    return MODEL_DIR / f"{data_version()}-{lexicon_tag(lex)}-sklearn{sklearn.__version__}.joblib"


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
    model = train(lexicon)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump(model, tmp)
    tmp.replace(path)  # atomic: a concurrent reader never sees half a file
    return model


class _Key(tuple):
    """(tag, lexicon) hashed and compared by tag only, so lru_cache works with unhashable lexicons."""

    def __hash__(self):
        return hash(self[0])

    def __eq__(self, other):
        return isinstance(other, tuple) and self[0] == other[0]


def load_model(lexicon=None):
    """The fitted Pipeline, loaded from var/models/ or trained (and cached) when missing."""
    lex = resolve_lexicon(lexicon)
    path = model_path(lex)
    return _load_cached(str(path.resolve()), _Key((lexicon_tag(lex), lex)))


def run_train(lexicon=None) -> int:
    """`python -m analysis train`: rebuild the model from the training data and cache it."""
    import joblib

    lex = resolve_lexicon(lexicon)
    df = load_training_data()
    started = time.perf_counter()
    model = train(lex)
    path = model_path(lex)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump(model, tmp)
    tmp.replace(path)
    _load_cached.cache_clear()
    counts = df["label"].value_counts()
    n_features = model.named_steps["features"].transform([""]).shape[1]
    print(f"trained sentence classifier in {time.perf_counter() - started:.1f}s")
    print(f"  data      {DATA_PATH.name}: {len(df)} sentences, {df['group'].nunique()} groups, version {data_version()}")
    print("  labels    " + ", ".join(f"{c} {int(counts.get(c, 0))}" for c in CLASSES))
    print(f"  lexicon   {lexicon_tag(lex) if lex is not None else 'none (analysis.lexicon not available)'}")
    print(f"  features  {n_features} ({', '.join(n for n, _ in model.named_steps['features'].transformer_list)})")
    print(f"  model     {path}")
    return 0
