"""`python -m analysis train`: fit the stance model, then the article model, from labelled data.

Everything it reads and writes is named by the story file's `training:` block. The stance model
learns from the story's sentences and training articles (analysis/training_data.py); it is
refitted deterministically wherever it is missing, so only its data is committed. The article
model learns from real labelled articles read through that stance model (`article_sets`: for the
S-400 story the gold articles of ../shared/corpus and the development openings in var/eval, when
rebuilt). Its few parameters go to the story's `article_model` JSON file with a record of what it
saw. The project's written training articles are left out of this step: their sentences teach
the stance model, but as whole articles they are shorter and plainer than real pages, and
fitting the article level on them made it worse on the development openings (docs/method.md).
The blind test set is never read here.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from analysis.article import features
from analysis.errors import FramingError
from analysis.evaluation import metrics


@dataclass
class ArticleRows:
    """Labelled articles as the article level sees them."""

    set_name: str
    ids: list[str]
    labels: list[str]
    x: np.ndarray  # (n, n_features)


def article_rows(reader, sets: list) -> list[ArticleRows]:
    """Features of every article of the given evaluation sets (`EvalSet`s) through `reader`."""
    out = []
    for s in sets:
        if s.items:
            readings = reader.sentence_readings([it.article for it in s.items])
            out.append(ArticleRows(s.name, [it.id for it in s.items], [it.label for it in s.items],
                                   np.vstack([features(r) for r in readings])))
    return out


def fit_article_model(rows: list[ArticleRows], stance_version: str, classes: tuple[str, ...],
                      exclude: tuple[str, set[str]] | None = None):
    """Fit the article model on all rows but `exclude` = (set name, ids); `classes` are the story's labels."""
    from analysis import article

    xs, ys, counts = [], [], {}
    for r in rows:
        keep = [i for i, rid in enumerate(r.ids) if not (exclude and exclude[0] == r.set_name and rid in exclude[1])]
        xs.append(r.x[keep])
        ys += [r.labels[i] for i in keep]
        counts[r.set_name] = len(keep)
    if not ys:
        raise FramingError("no labelled articles to fit the article model on")
    foreign = sorted(set(ys) - set(classes))
    if foreign:
        raise FramingError(f"article sets hold label(s) {', '.join(foreign)}, not the story's {', '.join(classes)}")
    return article.fit(np.vstack(xs), ys, classes, fitted_on={"stance_version": stance_version, "articles": counts})


def learning_sets(lex) -> list:
    """The labelled real articles the article model learns from: the story's `article_sets`."""
    from analysis.evaluation.sets import dev_set, gold_set, labelled_set

    named = {"gold": gold_set, "dev": dev_set}
    return [named[s]() if s in named else labelled_set(Path(s), lex.labels) for s in lex.training.article_sets]


def run_train(lexicon=None) -> int:
    from analysis import stance
    from analysis.scoring import SentenceReader, stance_version
    from analysis.training_data import data_version, load_training_articles, load_training_data

    started = time.perf_counter()
    lex = stance.resolve_lexicon(lexicon)
    files = lex.training
    df = load_training_data(files.sentences, lex.labels)
    model = stance.train(lex)
    stance.save_model(model, stance.model_path(lex))
    print(f"stance model ({lex.story}): {len(df)} labelled sentences in {df['group'].nunique()} families and the "
          f"sentences of {len(load_training_articles(files.articles, lex.labels))} training articles "
          f"(data {data_version(files)}), fitted in {time.perf_counter() - started:.0f}s")
    sets = learning_sets(lex)
    for s in sets:
        if s.missing:
            print(f"  note: {s.name}: {s.missing}")
    rows = article_rows(SentenceReader(lex, model), sets)
    fitted = fit_article_model(rows, stance_version(lex), lex.labels)
    fitted.save(files.article_model)
    counts = ", ".join(f"{k} {v}" for k, v in fitted.fitted_on["articles"].items())
    print(f"article model: fitted on {counts} articles, inverse temperature {fitted.temperature:.2f}, "
          f"saved to {files.article_model} ({time.perf_counter() - started:.0f}s in all)")
    return 0


# ---------------------------------------------------------------- retraining from a store's codes

CV_FOLDS = 5  # grouped folds of the coded articles (fewer when they come from fewer outlets)
RESCORE_BATCH = 200  # articles rescored between two progress reports


@dataclass
class Retrained:
    """What `retrain_with_codes` did: the new model, and before/after figures measured on coded
    articles that neither model saw (the same held-out folds for both)."""

    old_version: str
    new_version: str
    digest: str
    coded: int  # coded articles the fit used (the story's labels; off-topic ones are left out)
    adjudicated: int
    off_topic: int
    folds: int  # 0 when the figures could not be measured
    before: metrics.Report | None  # the story's article model, fitted without any code
    after: metrics.Report | None  # refitted with the codes outside each held-out fold
    why_unmeasured: str
    rescored: int

    def report(self) -> dict:
        """What the store keeps beside the model (and /validity shows)."""
        return {k: v for k, v in asdict(self).items() if k != "rescored"}


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def retrain_with_codes(store, reader=None, lexicon=None, progress=_no_progress) -> Retrained:
    """Refit the article model on the story's labelled articles plus the store's coded articles
    (their reference labels: adjudicated, else the majority), measure it against the story's model
    by grouped cross-validation on the coded articles (folds grouped by outlet, so no outlet is
    on both sides), keep it in the store, rescore every article with it, then make it the store's
    active model (analysis/store_model.py). `progress(stage, done, total)` hears how far it is."""
    from analysis.annotations import reference_labels
    from analysis.article import ArticleModel
    from analysis.codebook import OFF_TOPIC
    from analysis.pipeline import score_pending
    from analysis import scoring
    from analysis.scoring import Analyser, SentenceReader, stance_version
    from analysis.store_model import activate, model_digest, save_model

    reader = reader or SentenceReader.load(lexicon)
    lex = reader.lexicon
    refs = reference_labels(store)
    coded = {a: r for a, r in sorted(refs.items()) if r.label != OFF_TOPIC}
    if not coded:
        raise FramingError(f"{store.path}: no coded article with one of the story's labels "
                           f"({', '.join(lex.labels)}); code some on /code or import codes first")
    old_version = scoring.reader(lex, store)[1]
    progress("reading the story's labelled articles", 0, 0)
    rows = article_rows(reader, learning_sets(lex))
    articles = list(store.articles(list(coded)))
    progress("reading the coded articles", 0, 0)
    x = np.vstack([features(r) for r in reader.sentence_readings(articles)])
    codes = ArticleRows("codes", [a.id for a in articles], [coded[a.id].label for a in articles], x)
    outlets = [a.outlet for a in articles]
    version = stance_version(lex)

    before = after = None
    folds, why = min(CV_FOLDS, len(set(outlets))), ""
    if folds < 2:
        folds, why = 0, "the coded articles come from one outlet; grouped cross-validation needs two"
    else:
        from sklearn.model_selection import GroupKFold

        progress("cross-validating", 0, folds)
        default = ArticleModel.load(lex.training.article_model, lex.labels)
        proba_after = np.zeros((len(codes.ids), len(lex.labels)))
        for k, (_, held) in enumerate(GroupKFold(n_splits=folds).split(codes.x, codes.labels, outlets)):
            model = fit_article_model(rows + [codes], version, lex.labels, exclude=("codes", {codes.ids[i] for i in held}))
            proba_after[held] = model.predict_proba(codes.x[held])
            progress("cross-validating", k + 1, folds)
        before, after = (_held_out_report(name, codes.labels, proba, lex.labels) for name, proba in
                         (("story model (no codes)", default.predict_proba(codes.x)), ("refitted with codes", proba_after)))

    model = fit_article_model(rows + [codes], version, lex.labels)
    model.fitted_on["codes"] = {"articles": len(codes.ids), "adjudicated": sum(coded[i].basis == "adjudicated" for i in codes.ids)}
    analyser = Analyser(reader, model, model_digest(model))
    result = Retrained(old_version, analyser.version, analyser.article_digest, len(codes.ids),
                       model.fitted_on["codes"]["adjudicated"], len(refs) - len(coded), folds, before, after, why, 0)
    save_model(store, model, result.report())
    while pending := store.unscored_ids(analyser.version):  # uploads may land meanwhile
        total = len(pending)
        for start in range(0, total, RESCORE_BATCH):
            progress("rescoring", start, total)
            result.rescored += score_pending(store, analyser, ids=pending[start:start + RESCORE_BATCH])
    activate(store, result.digest)
    progress("done", 1, 1)
    return result


def _held_out_report(name: str, truth: list[str], proba: np.ndarray, labels: tuple[str, ...]):
    from analysis.axis import NEGATIVE, POSITIVE

    k = proba.argmax(axis=1)
    return metrics.report(name, truth, [labels[i] for i in k], proba[:, POSITIVE] - proba[:, NEGATIVE],
                          proba[np.arange(len(k)), k], labels)


def format_retrained(r: Retrained) -> list[str]:
    """The lines `train --with-annotations` prints (and the retrain job reports)."""
    lines = [f"article model refitted with {r.coded} coded article(s) ({r.adjudicated} adjudicated; "
             f"{r.off_topic} off-topic left out) and the story's labelled articles",
             f"analyser version: {r.old_version} -> {r.new_version} ({r.rescored} article(s) rescored)"]
    if r.before is None:
        lines.append(f"before/after not measured: {r.why_unmeasured}")
        return lines
    lines.append(f"held-out coded articles ({r.coded}, grouped {r.folds}-fold by outlet): "
                 "accuracy / macro-F1 / ECE")
    for rep in (r.before, r.after):
        lines.append(f"  {rep.method:<24} {rep.accuracy.value:.3f} / {rep.macro_f1.value:.3f} / {rep.ece.value:.3f}")
    return lines


def run_train_with_annotations(db, lexicon=None) -> int:
    """`python -m analysis train --with-annotations --db FILE`."""
    import sys

    from analysis.store import Store

    if not Path(db).exists():
        raise FramingError(f"{db}: no such store")

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "rescoring" and done % 2000:
            return
        print(f"{stage} {done}/{total}" if total > 1 else stage, file=sys.stderr)

    with Store(db) as store:
        result = retrain_with_codes(store, lexicon=lexicon, progress=progress)
    print("\n".join(format_retrained(result)))
    return 0
