"""Retraining the article model from a store's codes: `python -m analysis train --with-annotations`
and the background job an admin queues. The made-up river_dam story (tests/fixtures/river_dam) is
trained in a temporary folder, its coding articles (coding.jsonl, written for the tests) stored
and coded."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analysis import jobs
from analysis.__main__ import main
from analysis.annotations import adjudicate, code_labels, import_csv
from analysis.lexicon import Lexicon
from analysis.scoring import Analyser, reader
from analysis.store import Store
from analysis.store_model import active_model

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "river_dam"
# Two coders; c12 is off-topic (a football report), c02 and c08 are where they disagree.
ANN = {"c01": "pro-Norland", "c02": "pro-Norland", "c03": "balanced", "c04": "pro-Sudria", "c05": "pro-Sudria",
       "c06": "pro-Sudria", "c07": "balanced", "c08": "pro-Norland", "c09": "balanced", "c10": "pro-Norland",
       "c11": "pro-Sudria", "c12": "off-topic"}
BOB = dict(ANN, c02="balanced", c08="balanced")


@pytest.fixture(scope="module")
def story(river_dam_story):
    return river_dam_story


@pytest.fixture()
def coded(story, tmp_path, capsys):
    """A scored store of the twelve coding articles, coded by ann and bob (CSV import)."""
    db = tmp_path / "coded.db"
    assert main(["score", str(FIXTURE / "coding.jsonl"), "--db", str(db), "--lexicon", str(story),
                 "--format", "jsonl"]) == 0
    rows = ["article_id,coder,label"] + [f"{a},{coder},{label}" for coder, codes in (("ann", ANN), ("bob", BOB))
                                         for a, label in codes.items()]
    (tmp_path / "codes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["annotations", "import", str(tmp_path / "codes.csv"), "--db", str(db), "--lexicon", str(story)]) == 0
    capsys.readouterr()
    return db


def test_train_with_annotations_changes_the_version_and_reports_before_and_after(story, coded, capsys):
    lex = Lexicon.load(story)
    with Store(coded) as store:
        old = reader(lex, store)[1]
        adjudicate(store, "c02", "pro-Norland", "root", code_labels(lex))  # c08 stays a tie: left out
    assert main(["train", "--with-annotations", "--db", str(coded), "--lexicon", str(story)]) == 0
    out = capsys.readouterr().out
    new = re.search(r"analyser version: (\S+) -> (\S+) \(12 article\(s\) rescored\)", out)
    assert new and new[1] == old and new[2].startswith(old + "+article-")
    assert "refitted with 10 coded article(s) (1 adjudicated; 1 off-topic left out)" in out
    # the same held-out folds for both models: three outlets, so three folds grouped by outlet
    assert "held-out coded articles (10, grouped 3-fold by outlet): accuracy / macro-F1 / ECE" in out
    figures = {m[1]: tuple(map(float, m.groups()[1:])) for m in
               re.finditer(r"^  (story model \(no codes\)|refitted with codes)\s+([\d.]+) / ([\d.]+) / ([\d.]+)$",
                            out, re.M)}
    assert set(figures) == {"story model (no codes)", "refitted with codes"}
    assert all(0 <= v <= 1 for values in figures.values() for v in values)
    with Store(coded) as store:
        version = new[2]
        assert reader(lex, store)[1] == version == Analyser.load(story, store).version
        assert store.unscored_ids(version) == []  # rescored before it was switched on
        stored = active_model(store, lex.labels)
        assert stored.report["new_version"] == version and stored.report["after"]["n"] == 10
        assert stored.model.fitted_on["articles"] == {"articles": 18, "codes": 10}
    assert main(["train", "--with-annotations", "--db", str(coded), "--lexicon", str(story)]) == 0
    assert f"{version} -> {version} (0 article(s) rescored)" in capsys.readouterr().out  # same codes, same model


def test_a_worker_runs_the_retrain_job_and_then_scores_with_the_new_model(story, coded):
    lex = Lexicon.load(story)
    with Store(coded) as store:
        analyser = Analyser.load(story, store)
        queue = jobs.JobQueue(store)
        job_id = queue.submit("retrain", {}, submitted_by="root")
        assert jobs.work(store, analyser, once=True) == 1
        job = queue.get(job_id)
        assert job.status == "done", job.messages
        text = "\n".join(m.text for m in job.messages)
        assert "held-out coded articles" in text and "refitted with codes" in text
        version = reader(lex, store)[1]
        assert version != analyser.version and "+article-" in version
        store.add_articles([_article()])  # an upload after the switch
        jobs.work(store, analyser, once=True)  # the worker follows the store's model, not its start-up one
        assert store.unscored_ids(version) == []


def _article():
    from analysis.corpus import article_from_text

    return article_from_text("late", "A late report\n\nNorland's minister said the dam will open in May.")


def test_retraining_needs_codes_and_its_options_in_one_line(story, tmp_path, capsys):
    db = tmp_path / "empty.db"
    with Store(db) as store:
        store.add_articles([_article()])
    assert main(["train", "--with-annotations", "--db", str(db), "--lexicon", str(story)]) == 2
    assert capsys.readouterr().err.strip().startswith(f"error: {db}: no coded article with one of the story's labels")
    assert main(["train", "--with-annotations"]) == 2
    assert "needs --db FILE" in capsys.readouterr().err
    assert main(["train", "--db", str(db)]) == 2
    assert "only for --with-annotations" in capsys.readouterr().err
    with Store(db) as store:  # nothing was switched
        assert active_model(store, Lexicon.load(story).labels) is None


def test_one_outlet_gives_no_before_after_figures(story, tmp_path, capsys):
    db = tmp_path / "one.db"
    records = [json.loads(line) for line in (FIXTURE / "coding.jsonl").read_text().splitlines()][:4]
    (tmp_path / "one.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert main(["ingest", str(tmp_path / "one.jsonl"), "--db", str(db)]) == 0
    with Store(db) as store:
        import_csv(store, _codes(tmp_path, {r["id"]: ANN[r["id"]] for r in records}), code_labels(Lexicon.load(story)))
    assert main(["train", "--with-annotations", "--db", str(db), "--lexicon", str(story)]) == 0
    out = capsys.readouterr().out
    assert "before/after not measured: the coded articles come from one outlet" in out and "+article-" in out


def _codes(folder: Path, labels: dict[str, str]) -> Path:
    path = folder / "one.csv"
    path.write_text("article_id,coder,label\n" + "".join(f"{a},ann,{lab}\n" for a, lab in labels.items()), encoding="utf-8")
    return path
