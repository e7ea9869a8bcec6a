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
from dataclasses import dataclass

import numpy as np

from analysis.errors import FramingError


@dataclass
class ArticleRows:
    """Labelled articles as the article level sees them."""

    set_name: str
    ids: list[str]
    labels: list[str]
    x: np.ndarray  # (n, n_features)


def article_rows(reader, sets: list) -> list[ArticleRows]:
    """Features of every article of the given evaluation sets (`EvalSet`s) through `reader`."""
    from analysis.article import features

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
    from pathlib import Path

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
