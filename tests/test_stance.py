"""The stance model and its training data (analysis/stance.py, analysis/training_data.py)."""
from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pytest

from analysis import stance
from analysis.errors import FramingError
from analysis.stance import train
from analysis.training_data import TrainingFiles, data_version, load_training_articles, load_training_data

LEX = stance.resolve_lexicon()
CLASSES = LEX.labels
FILES = LEX.training


def _files(sentences, articles) -> TrainingFiles:
    return TrainingFiles(tuple(sentences), articles, FILES.article_model, FILES.article_sets)

HARD_KINDS = {"loaded_wording", "reported_other_side", "neutral_loaded", "negated", "hedged", "rebutted_quote",
              "counterfactual_actor_swap", "counterfactual_verdict_flip"}

# Written for this test only (in no training file): the model never saw them.
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


@pytest.fixture(scope="module")
def data():
    return load_training_data(FILES.sentences, CLASSES)


@pytest.fixture(scope="module")
def model():
    return train()


# ---------------------------------------------------------------- the data files

def test_data_is_large_balanced_and_varied(data):
    assert len(data) >= 3000
    counts = Counter(data["label"])
    assert set(counts) == set(CLASSES)
    assert max(counts.values()) - min(counts.values()) <= 0.05 * len(data)
    assert HARD_KINDS <= set(data["kind"])
    loaded = data[data["kind"] == "neutral_loaded"]
    assert len(loaded) >= 40 and set(loaded["label"]) == {"neutral"}
    # the counterfactual families: one family holds more than one label, so the model must learn
    # what is said about whom, not which names appear
    new = data[data["source"] == FILES.sentences[1].name]
    assert new["register"].nunique() >= 10
    mixed = new.groupby("group")["label"].nunique()
    assert (mixed >= 2).mean() > 0.95


def test_no_duplicates_or_near_duplicates_across_groups(data):
    """Word-set Jaccard above 0.6 between sentences of different families would let grouped
    cross-validation see a sentence's twin."""
    from sklearn.feature_extraction.text import CountVectorizer

    norm = data["text"].str.lower().str.replace(r"\W+", " ", regex=True).str.strip()
    assert not norm.duplicated().any()
    x = CountVectorizer(binary=True, token_pattern=r"[a-z0-9']+").fit_transform(data["text"].str.lower())
    inter = (x @ x.T).toarray()
    size = np.asarray(x.sum(axis=1)).ravel()
    jac = inter / (size[:, None] + size[None, :] - inter)
    groups = data["group"].to_numpy()
    close = np.argwhere(np.triu(jac > 0.6, k=1) & (groups[:, None] != groups[None, :]))
    assert not len(close), [(groups[i], groups[j]) for i, j in close[:5]]


def test_fresh_test_sentences_are_in_no_training_file(data):
    texts = set(data["text"])
    assert not [t for _, t in FRESH if t in texts]


def test_training_articles_are_labelled_and_balanced():
    arts = load_training_articles(FILES.articles, CLASSES)
    assert len(arts) >= 90
    counts = Counter(a.label for a in arts)
    assert set(counts) == set(CLASSES) and min(counts.values()) >= 25


# ---------------------------------------------------------------- bad input

def test_malformed_csv_is_one_clear_error(tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text('id,label,kind,group,text\n1,neutral,own_voice,g,"unterminated\n2,neutral,own_voice,g,ok\n')
    with pytest.raises(FramingError, match="s.csv"):
        load_training_data([bad], CLASSES)


def test_bad_label_names_the_line(tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text("id,label,kind,group,text\n1,neutral,k,g,A sentence.\n2,pro-Moscow,k,g,Another one.\n")
    with pytest.raises(FramingError, match=r"s\.csv:3: label 'pro-Moscow'"):
        load_training_data([bad], CLASSES)


def test_missing_column_is_named(tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text("id,label,text\n1,neutral,A sentence.\n")
    with pytest.raises(FramingError, match="missing column.*kind"):
        load_training_data([bad], CLASSES)


def test_bad_training_article_names_the_line(tmp_path):
    bad = tmp_path / "a.jsonl"
    bad.write_text(json.dumps({"id": "a1", "label": "neutral", "text": "Fine."}) + "\n{not json\n")
    with pytest.raises(FramingError, match=r"a\.jsonl:2: not JSON"):
        load_training_articles(bad, CLASSES)


def test_missing_label_in_training_data_is_refused(tmp_path):
    only_two = tmp_path / "s.csv"
    only_two.write_text(
        "id,label,kind,group,text\n"
        "1,neutral,k,a,The meeting took place on Monday.\n"
        "2,pro-Ankara,k,b,Turkey has every right to defend itself.\n"
    )
    arts = tmp_path / "a.jsonl"
    arts.write_text(json.dumps({"id": "a1", "label": "neutral", "text": "Talks\n\nThe talks ended on Friday."}) + "\n")
    with pytest.raises(FramingError, match="pro-Washington"):
        train(files=_files([only_two], arts))


# ---------------------------------------------------------------- the model

def test_training_is_deterministic(tmp_path, data):
    subset = tmp_path / "subset.csv"
    data.sample(n=300, random_state=1).drop(columns=["source"]).to_csv(subset, index=False)
    arts = tmp_path / "a.jsonl"
    arts.write_text("".join(json.dumps({"id": a.id, "label": a.label, "text": a.text}) + "\n"
                            for a in load_training_articles(FILES.articles, CLASSES)[:9]))
    probe = [t for _, t in FRESH]
    a = train(files=_files([subset], arts)).predict_proba(probe)
    b = train(files=_files([subset], arts)).predict_proba(probe)
    assert np.array_equal(a, b)


def test_proba_columns_follow_classes(model):
    assert tuple(model.classes_) == CLASSES
    proba = model.predict_proba(["Washington's threats against an ally are outrageous.", "The talks ended on Friday."])
    assert proba.shape == (2, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert list(model.predict(["The talks ended on Friday."])) == [CLASSES[int(np.argmax(proba[1]))]]


def test_fresh_hard_cases_mostly_right(model):
    pred = model.predict([t for _, t in FRESH])
    right = sum(p == label for p, (label, _) in zip(pred, FRESH))
    assert right / len(FRESH) >= 0.7, list(zip(pred, FRESH))


def test_held_out_sentence_families_are_classified_well(data):
    """Grouped cross-validation over the labelled sentences (refitted per fold, families never
    split): the stance model generalises to sentences it did not see."""
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
    from sklearn.metrics import f1_score

    sample = data[data["group"].isin(data["group"].drop_duplicates().sample(n=500, random_state=0))]
    cv = StratifiedGroupKFold(n_splits=3, shuffle=True, random_state=0)
    pred = cross_val_predict(stance.build_pipeline(stance.resolve_lexicon()), sample["text"].tolist(),
                             sample["label"].to_numpy(), groups=sample["group"].to_numpy(), cv=cv)
    assert f1_score(sample["label"], pred, average="macro") >= 0.6


# ---------------------------------------------------------------- caching

def test_load_model_builds_then_reuses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(stance, "MODEL_DIR", tmp_path / "models")
    stance._load_cached.cache_clear()
    try:
        m1 = stance.load_model()
        files = list((tmp_path / "models").glob("*.joblib"))
        assert len(files) == 1
        import sklearn

        assert files[0].name.startswith(data_version(FILES)) and sklearn.__version__ in files[0].name
        stamp = files[0].stat().st_mtime_ns
        stance._load_cached.cache_clear()
        m2 = stance.load_model()  # from disk this time
        assert files[0].stat().st_mtime_ns == stamp
        probe = [t for _, t in FRESH[:4]]
        assert np.array_equal(m1.predict_proba(probe), m2.predict_proba(probe))
        files[0].write_bytes(b"not a model")  # a damaged cache file is rebuilt, never trusted
        stance._load_cached.cache_clear()
        m3 = stance.load_model()
        assert np.array_equal(m1.predict_proba(probe), m3.predict_proba(probe))
    finally:
        stance._load_cached.cache_clear()


def test_data_version_tracks_the_data(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("id,label,kind,group,text\n1,neutral,k,g,One.\n")
    arts = tmp_path / "a.jsonl"
    arts.write_text("")
    v1 = data_version(_files([a], arts))
    a.write_text("id,label,kind,group,text\n1,neutral,k,g,Two.\n")
    assert data_version(_files([a], arts)) != v1
    assert re.fullmatch(r"[0-9a-f]{12}", v1)
