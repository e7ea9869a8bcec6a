"""How far the coders agree, and how the analyser does against them.

Agreement is computed over every coder's current code (analysis/annotations.py): Krippendorff's
α (nominal: the story's labels and off-topic are unordered categories) over all coders and the
articles at least two of them coded, and Cohen's κ for each pair of coders over the articles
both coded. The analyser is compared with the coders' reference labels (adjudicated, else the
majority) on the articles it has scored: accuracy, macro-F1, confusion matrix and calibration,
the same figures `evaluate` gives (analysis/evaluation/metrics.py). Off-topic articles are
counted but left out of that comparison: the analyser has no off-topic label.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from itertools import combinations

from analysis.annotations import Code, article_hashes, current_codes, reference_labels
from analysis.codebook import OFF_TOPIC
from analysis.evaluation import metrics


@dataclass(frozen=True)
class PairKappa:
    coders: tuple[str, str]
    kappa: float | None  # None when undefined (both coders gave one and the same label throughout)
    n: int


@dataclass(frozen=True)
class Agreement:
    alpha: float | None  # None when undefined (fewer than two coders on any article, or one label only)
    items: int  # articles coded by at least two coders: what α is computed over
    coders: tuple[str, ...]
    pairs: tuple[PairKappa, ...]
    codes: int  # current codes in all

    def to_dict(self) -> dict:
        """The record `agreement --format json` prints and the export bundle carries."""
        return {"alpha": self.alpha, "items": self.items, "coders": list(self.coders),
                "pairs": [{"coders": list(p.coders), "kappa": p.kappa, "n": p.n} for p in self.pairs],
                "codes": self.codes}


def _defined(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)


def agreement(codes: list[Code]) -> Agreement:
    """α and the pairwise κ of `codes` (one current code per coder and article)."""
    by_item: dict[str, dict[str, str]] = {}
    for c in codes:
        by_item.setdefault(c.article_id, {})[c.coder] = c.label
    coders = tuple(sorted({c.coder for c in codes}))
    shared = [item for item, given in by_item.items() if len(given) >= 2]
    alpha = None
    labels = sorted({label for item in shared for label in by_item[item].values()})
    if len(labels) > 1:  # with one label only, α is 0/0
        matrix = [[by_item[item].get(coder) for item in shared] for coder in coders]
        alpha = _defined(metrics.krippendorff_alpha(matrix, labels))
    pairs = []
    for a, b in combinations(coders, 2):
        both = [item for item, given in by_item.items() if a in given and b in given]
        if both:
            kappa = metrics.cohen_kappa([by_item[i][a] for i in both], [by_item[i][b] for i in both])
            pairs.append(PairKappa((a, b), _defined(kappa), len(both)))
    return Agreement(alpha, len(shared), coders, tuple(pairs), len(codes))


def store_agreement(store) -> Agreement:
    return agreement(current_codes(store))


def format_agreement(a: Agreement) -> list[str]:
    """The table `python -m analysis agreement` prints."""
    alpha = "undefined" if a.alpha is None else f"{a.alpha:.3f}"
    lines = [f"Krippendorff's alpha (nominal): {alpha} over {a.items} article(s) coded by at least two of "
             f"{len(a.coders)} coder(s) ({a.codes} current codes)"]
    if a.pairs:
        lines.append("Cohen's kappa per pair of coders:")
        width = max(len(f"{p.coders[0]} & {p.coders[1]}") for p in a.pairs)
        for p in a.pairs:
            kappa = "undefined" if p.kappa is None else f"{p.kappa:.3f}"
            lines.append(f"  {f'{p.coders[0]} & {p.coders[1]}':<{width}}  {kappa}  (n {p.n})")
    return lines


def run_agreement(db, fmt: str = "table") -> int:
    """`python -m analysis agreement --db FILE [--format table|json]`."""
    import json

    from analysis.store import open_existing

    with open_existing(db) as store:
        result = store_agreement(store)
    print(json.dumps(result.to_dict(), indent=1) if fmt == "json" else "\n".join(format_agreement(result)))
    return 0


@dataclass
class ModelVsCoders:
    """The analyser of `version` against the coders' reference labels."""

    version: str
    references: int  # articles with a reference label
    adjudicated: int  # of which adjudicated
    off_topic: int  # left out: the analyser has no off-topic label
    unscored: int  # left out: no score of this version yet
    report: metrics.Report | None  # None when no article is left to compare

    def to_dict(self) -> dict:
        return asdict(self)


def model_vs_coders(store, lexicon, version: str) -> ModelVsCoders:
    """Accuracy, macro-F1, confusion and calibration of the scores of `version` on the articles
    the coders settled (read from the store: no model is loaded)."""
    refs = reference_labels(store)
    on_topic = {a: r for a, r in refs.items() if r.label != OFF_TOPIC}
    hashes = article_hashes(store, list(on_topic))
    scores = store.scores(hashes.values(), version)
    items = [(r.label, scores[hashes[a]]) for a, r in sorted(on_topic.items()) if hashes.get(a) in scores]
    report = None
    if items:
        truth = [label for label, _ in items]
        report = metrics.report("analyser", truth, [s.label for _, s in items], [s.framing for _, s in items],
                                [s.confidence for _, s in items], lexicon.labels)
    return ModelVsCoders(version, len(refs), sum(r.basis == "adjudicated" for r in refs.values()),
                         len(refs) - len(on_topic), len(on_topic) - len(items), report)
