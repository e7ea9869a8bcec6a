"""Sentence classifier: training data sanity, determinism, held-out quality, caching, bad input."""
from __future__ import annotations

import itertools
import re
from collections import Counter

import numpy as np
import pytest

from analysis import classifier
from analysis.classifier import CLASSES, LexiconFeatures, load_training_data, train
from analysis.errors import FramingError

FRAMES = {
    "security_sovereignty",
    "alliance_cohesion",
    "sanctions_pressure",
    "technology_industry",
    "partner_reliability",
    "russia_threat",
    "syria_kurds",
    "rule_of_law",
}
HARD_KINDS = {"loaded_wording", "reported_other_side", "neutral_loaded", "negated", "hedged"}

# Written for this test only (not in analysis/data/sentences.csv): the model never saw them.
FRESH = [
    ("pro-Ankara", "The batteries pose no danger to any NATO aircraft, whatever officials in Brussels suggest."),
    ("pro-Ankara", "Once again a US senator threatened Ankara with penalties, as if Turkey were a colony rather than an ally."),
    ("pro-Ankara", "Turkey waited for years while its allies refused to sell it the air defence it needed."),
    ("pro-Ankara", "Washington's heavy-handed sanctions have only hardened Turkish resolve."),
    ("pro-Ankara", "Ankara is right to insist that its defence purchases are its own business."),
    ("pro-Washington", "Erdogan's government ignored every warning and bought the Russian system anyway."),
    ("pro-Washington", "Turkish ministers claimed the missiles threaten no one, a line allied officials have long rejected."),
    ("pro-Washington", "Placing a Russian radar next to the F-35 would have handed Moscow a priceless intelligence prize."),
    ("pro-Washington", "The purchase was a reckless gift to the Kremlin from a NATO member."),
    ("pro-Washington", "Sanctions were the unavoidable consequence of Ankara's defiance of its allies."),
    ("neutral", "The Treasury Department announced sanctions on Turkey's defence procurement agency on Monday."),
    ("neutral", "Senator Menendez said Turkey would face further sanctions if it activated the S-400."),
    ("neutral", "NATO foreign ministers are due to meet in Brussels next week, diplomats said."),
    ("neutral", "The F-35 parts previously made in Turkey will now be produced in the United States, the Pentagon said."),
    ("neutral", "Turkish officials said the system would be deployed near Ankara; US officials said the threat to the F-35 remained."),
]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


@pytest.fixture(scope="module")
def data():
    return load_training_data()


@pytest.fixture(scope="module")
def model():
    return train()


# ---------------------------------------------------------------- the data file

def test_data_is_large_balanced_and_covers_every_frame(data):
    assert len(data) >= 600
    counts = Counter(data["label"])
    assert set(counts) == set(CLASSES)
    assert max(counts.values()) - min(counts.values()) <= 0.05 * len(data)
    assert set(data["frame"]) == FRAMES
    for label in CLASSES:  # each side argued in every frame, not just mentioned
        assert set(data.loc[data["label"] == label, "frame"]) == FRAMES, label
    assert HARD_KINDS <= set(data["kind"])
    # neutral facts full of loaded keywords are labelled neutral
    loaded = data[data["kind"] == "neutral_loaded"]
    assert len(loaded) >= 40 and set(loaded["label"]) == {"neutral"}


def test_frames_match_the_lexicon(data):
    lex = classifier.resolve_lexicon()
    if lex is None:
        pytest.skip("lexicon not available")
    assert set(data["frame"]) <= set(lex.frames)


def test_no_duplicates_or_near_duplicates_across_cv_groups(data):
    norm = data["text"].str.lower().str.replace(r"\W+", " ", regex=True).str.strip()
    assert not norm.duplicated().any()
    words = [(_words(t), g) for t, g in zip(data["text"], data["group"])]
    close = []
    for (a, ga), (b, gb) in itertools.combinations(words, 2):
        if ga != gb and len(a & b) / len(a | b) > 0.6:
            close.append((ga, gb))
    assert not close, f"near-duplicates in different groups: {close[:5]}"


def test_groups_are_small(data):
    # a group holds one sentence and its hand-made variants, never a whole topic
    assert data["group"].value_counts().max() <= 8
    assert data["group"].nunique() >= len(data) / 5


# ---------------------------------------------------------------- bad input

def test_malformed_csv_is_one_clear_error(tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text('id,label,frame,kind,text\n1,neutral,x,own_voice,"unterminated\n2,neutral,x,own_voice,ok\n')
    with pytest.raises(FramingError, match="s.csv"):
        load_training_data(bad)


def test_bad_label_names_the_line(tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text("id,label,frame,kind,text\n1,neutral,f,k,A sentence.\n2,pro-Moscow,f,k,Another one.\n")
    with pytest.raises(FramingError, match=r"s\.csv:3: label 'pro-Moscow'"):
        load_training_data(bad)


def test_missing_column_is_named(tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text("id,label,text\n1,neutral,A sentence.\n")
    with pytest.raises(FramingError, match="missing column.*frame"):
        load_training_data(bad)


def test_missing_label_in_training_data_is_refused(tmp_path):
    only_two = tmp_path / "s.csv"
    only_two.write_text(
        "id,label,frame,kind,text\n"
        "1,neutral,f,k,The meeting took place on Monday.\n"
        "2,pro-Ankara,f,k,Turkey has every right to defend itself.\n"
        "3,neutral,f,k,The ministers met in Brussels.\n"
        "4,pro-Ankara,f,k,Ankara chose wisely.\n"
    )
    with pytest.raises(FramingError, match="labels"):
        train(path=only_two)


# ---------------------------------------------------------------- the model

def test_training_is_deterministic(tmp_path, data):
    subset = data.sample(n=240, random_state=1)
    path = tmp_path / "subset.csv"
    subset.to_csv(path, index=False)
    probe = [t for _, t in FRESH]
    a = train(path=path).predict_proba(probe)
    b = train(path=path).predict_proba(probe)
    assert np.array_equal(a, b)


def test_proba_columns_follow_classes(model):
    assert tuple(model.classes_) == CLASSES
    proba = model.predict_proba(["Washington's threats against an ally are outrageous.", "The talks ended on Friday."])
    assert proba.shape == (2, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    # predict agrees with the argmax of the columns in CLASSES order
    assert list(model.predict(["The talks ended on Friday."])) == [CLASSES[int(np.argmax(proba[1]))]]


def test_fresh_hard_cases_mostly_right(model):
    pred = model.predict([t for _, t in FRESH])
    right = sum(p == label for p, (label, _) in zip(pred, FRESH))
    assert right / len(FRESH) >= 0.7, list(zip(pred, FRESH))


def test_held_out_macro_f1():
    """Grouped cross-validation: every fold's model is refitted without its test groups.

    The project's goal is 0.80 (0.803 on the current data, see `python -m analysis evaluate`);
    this floor leaves room for the fold noise of small edits to the data (±0.013 between folds).
    """
    from analysis.evaluation import sentence_cv

    res = sentence_cv()
    assert res["n"] >= 600
    assert res["macro_f1"] >= 0.78
    # well above a majority-class baseline (~0.17 macro-F1 with three balanced classes)
    assert min(pc["f1"] for pc in res["per_class"].values()) >= 0.6


# ---------------------------------------------------------------- lexicon features

class _Match:
    def __init__(self, weight, frame, negated=False, hedged=False):
        self.weight, self.frame, self.negated, self.hedged = weight, frame, negated, hedged


class _StubLexicon:
    frames = {"a": "A", "b": "B"}

    def match(self, sentence):
        out = []
        if "sovereign" in sentence:
            out.append(_Match(0.8, "a"))
        if "threat" in sentence:
            out.append(_Match(-0.5, "b", negated="no threat" in sentence))
        return out


def test_lexicon_features_is_a_proper_transformer():
    from sklearn.base import clone

    t = LexiconFeatures(_StubLexicon())
    assert not hasattr(t, "frames_")  # nothing computed before fit
    assert t.fit(["x"]) is t
    assert t.frames_ == ["a", "b"] and t.n_features_out_ == 8
    clone(t)  # get_params/set_params round-trip
    X = t.transform(["a sovereign choice", "a grave threat", "no threat at all", "nothing here"])
    names = list(t.get_feature_names_out())
    net, neg = names.index("lex_net"), names.index("lex_negated")
    assert X[0, net] > 0 > X[1, net]
    assert X[2, neg] > 0 and X[1, neg] == 0
    assert not X[3].any()


# ---------------------------------------------------------------- caching

def test_load_model_builds_then_reuses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(classifier, "MODEL_DIR", tmp_path / "models")
    classifier._load_cached.cache_clear()
    try:
        m1 = classifier.load_model()
        files = list((tmp_path / "models").glob("*.joblib"))
        assert len(files) == 1
        import sklearn

        assert files[0].name.startswith(classifier.data_version()) and sklearn.__version__ in files[0].name
        stamp = files[0].stat().st_mtime_ns
        classifier._load_cached.cache_clear()
        m2 = classifier.load_model()  # from disk this time
        assert files[0].stat().st_mtime_ns == stamp
        probe = [t for _, t in FRESH[:4]]
        assert np.array_equal(m1.predict_proba(probe), m2.predict_proba(probe))
        # a damaged cache file is rebuilt, never trusted
        files[0].write_bytes(b"not a model")
        classifier._load_cached.cache_clear()
        m3 = classifier.load_model()
        assert np.array_equal(m1.predict_proba(probe), m3.predict_proba(probe))
    finally:
        classifier._load_cached.cache_clear()


def test_data_version_tracks_the_data(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("id,label,frame,kind,text\n1,neutral,f,k,One.\n")
    v1 = classifier.data_version(a)
    a.write_text("id,label,frame,kind,text\n1,neutral,f,k,Two.\n")
    assert classifier.data_version(a) != v1
    assert re.fullmatch(r"[0-9a-f]{12}", v1)
