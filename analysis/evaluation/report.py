"""`python -m analysis evaluate`: the analyser beside its baselines on every evaluation set.

For each set: sign accuracy (polar items), macro-F1, accuracy and expected calibration error,
each with a bootstrap 95% interval, the confusion matrix and the reliability table. The article
model learns from the dev and gold sets, so their figures are cross-fitted: each fold is scored
by an article model fitted without it. The blind set is scored by the fitted model as it is; it
is never trained on. Probes: each minimal pair must be ordered right. `--write` saves the
record that /validity shows (eval/validity.json).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from analysis.axis import NEGATIVE, POSITIVE
from analysis.evaluation import baselines, metrics
from analysis.evaluation.sets import ROOT, blind_set, probes

VALIDITY_PATH = ROOT / "eval" / "validity.json"
AGREEMENT_PATH = ROOT / "eval" / "agreement.json"
CROSS_FIT_FOLDS = 5


@dataclass
class SetResult:
    name: str
    description: str
    n: int
    fitted: str  # how its figures were obtained: cross-fitted or held out
    missing: str
    reports: list[metrics.Report]
    # The analyser's misses (id, gold, predicted, framing, confidence), listed for the sets the
    # model learns from; never for the blind set, which nobody should tune to.
    wrong: list[dict] = field(default_factory=list)


@dataclass
class ProbeResult:
    n: int
    ordered: int
    by_kind: dict[str, list[int]]  # kind -> [ordered, n]
    failures: list[dict]


@dataclass
class Validity:
    analyser_version: str
    sets: list[SetResult]
    probes: ProbeResult
    samples: list[dict]
    agreement: dict
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


def _cross_fitted(rows, set_name: str, version: str, labels: tuple[str, ...]) -> np.ndarray:
    """P(label) of each article of `set_name`, from article models fitted without its fold."""
    from sklearn.model_selection import StratifiedKFold

    from analysis.training import fit_article_model

    target = next(r for r in rows if r.set_name == set_name)
    out = np.zeros((len(target.ids), len(labels)))
    folds = StratifiedKFold(n_splits=CROSS_FIT_FOLDS, shuffle=True, random_state=1)
    for _, held in folds.split(target.ids, target.labels):
        model = fit_article_model(rows, version, labels, exclude=(set_name, {target.ids[i] for i in held}))
        out[held] = model.predict_proba(target.x[held])
    return out


def _analyser_report(items, proba, labels: tuple[str, ...]) -> tuple[metrics.Report, list[dict]]:
    k = proba.argmax(axis=1)
    pred = [labels[i] for i in k]
    score = proba[:, POSITIVE] - proba[:, NEGATIVE]
    conf = proba[np.arange(len(k)), k]
    rep = metrics.report("analyser", [it.label for it in items], pred, score, conf, labels)
    wrong = [{"id": it.id, "gold": it.label, "predicted": p, "framing": round(float(s), 3), "confidence": round(float(c), 3)}
             for it, p, s, c in zip(items, pred, score, conf) if p != it.label]
    return rep, wrong


def _baseline_reports(items, tfidf, labels: tuple[str, ...]) -> list[metrics.Report]:
    arts = [it.article for it in items]
    y = [it.label for it in items]
    out = []
    for name, pred in (("always neutral", baselines.always_neutral(arts, labels)),
                       ("TF-IDF + LR mean", baselines.tfidf_mean(tfidf, arts, labels))):
        out.append(metrics.report(name, y, pred.labels, pred.scores, pred.confidence, labels))
    return out


def _probe_result(analyser) -> ProbeResult:
    pairs = probes()
    scored = analyser.score_many([a for p in pairs for a in (p.more_positive, p.less_positive)])
    by_kind: dict[str, list[int]] = {}
    failures = []
    for i, p in enumerate(pairs):
        hi, lo = scored[2 * i].framing, scored[2 * i + 1].framing
        ok = hi > lo
        acc = by_kind.setdefault(p.kind, [0, 0])
        acc[0] += ok
        acc[1] += 1
        if not ok:
            failures.append({"id": p.id, "kind": p.kind, "higher": round(hi, 3), "lower": round(lo, 3)})
    return ProbeResult(len(pairs), sum(v[0] for v in by_kind.values()), by_kind, failures)


def _samples(analyser) -> list[dict]:
    from analysis.corpus import read_paths
    from analysis.evaluation.gold import CORPUS_DIR
    from analysis.models import Article

    samples = CORPUS_DIR / "s400"
    if not samples.is_dir():
        return []
    arts = sorted((a for a in read_paths([samples]) if isinstance(a, Article)), key=lambda a: a.id)
    return [{"id": a.id, "outlet": a.outlet, "framing": s.framing, "label": s.label, "confidence": s.confidence}
            for a, s in zip(arts, analyser.score_many(arts))]


def evaluate(progress=print) -> Validity:
    from analysis.article import features
    from analysis.scoring import Analyser
    from analysis.training import article_rows, learning_sets

    started = time.perf_counter()
    analyser = Analyser.load()
    version, labels = analyser.stance_version, analyser.lexicon.labels
    learned = learning_sets(analyser.lexicon)
    blind = blind_set()
    progress("reading the labelled articles")
    rows = article_rows(analyser.reader, learned)
    tfidf = baselines.fit_tfidf(analyser.lexicon)
    results = []
    for s in learned + [blind]:
        if not s.items:
            results.append(SetResult(s.name, s.description, 0, "", s.missing, []))
            continue
        progress(f"evaluating {s.name} ({len(s.items)} texts)")
        if s is blind:
            readings = analyser.reader.sentence_readings([it.article for it in s.items])
            proba = analyser.article_model.predict_proba(np.vstack([features(r) for r in readings]))
            fitted = "held out: never trained or tuned on"
        else:
            proba = _cross_fitted(rows, s.name, version, labels)
            fitted = f"cross-fitted: each of {CROSS_FIT_FOLDS} folds scored by an article model fitted without it"
        rep, wrong = _analyser_report(s.items, proba, labels)
        results.append(SetResult(s.name, s.description, len(s.items), fitted, s.missing,
                                 [rep, *_baseline_reports(s.items, tfidf, labels)], [] if s is blind else wrong))
    agreement = json.loads(AGREEMENT_PATH.read_text(encoding="utf-8")) if AGREEMENT_PATH.exists() else {}
    return Validity(analyser.version, results, _probe_result(analyser), _samples(analyser), agreement,
                    round(time.perf_counter() - started, 1))


# ---------------------------------------------------------------- printing

def _format_report(r: metrics.Report) -> str:
    ece = str(r.ece) if r.ece is not None else "—"
    return f"  {r.method:<18} sign {r.sign_accuracy}  macro-F1 {r.macro_f1}  accuracy {r.accuracy}  ECE {ece}"


def format_confusion(matrix, labels) -> list[str]:
    width = max(len(lab) for lab in labels) + 2
    out = ["true \\ predicted".ljust(18) + "".join(lab.rjust(width) for lab in labels)]
    for lab, row in zip(labels, matrix):
        out.append(lab.ljust(18) + "".join(str(int(v)).rjust(width) for v in row))
    return out


def print_validity(v: Validity) -> None:
    print(f"Analyser {v.analyser_version}")
    for s in v.sets:
        print()
        if not s.reports:
            print(f"{s.name}: skipped ({s.missing})")
            continue
        print(f"{s.name}: {s.n} texts, {s.description}; {s.fitted}" + (f" ({s.missing})" if s.missing else ""))
        print("  figures: value [bootstrap 95% interval]; sign accuracy over the polar texts")
        for r in s.reports:
            print(_format_report(r))
        main = s.reports[0]
        print("  analyser confusion matrix:")
        for line in format_confusion(main.confusion, main.labels):
            print("    " + line)
        print("  analyser reliability (confidence bin: n, mean confidence, accuracy):")
        for b in main.reliability:
            print(f"    {b.low:.1f}-{b.high:.1f}: {b.n:4d}  {b.mean_confidence:.3f}  {b.accuracy:.3f}")
        if s.wrong:
            print(f"  analyser misses ({len(s.wrong)}): " + "; ".join(
                f"{w['id']} {w['gold']} -> {w['predicted']} ({w['framing']:+.2f}, P {w['confidence']:.2f})"
                for w in s.wrong))
    p = v.probes
    print()
    print(f"probes: {p.ordered} of {p.n} minimal pairs ordered right; by kind: "
          + ", ".join(f"{k} {a}/{n}" for k, (a, n) in sorted(p.by_kind.items())))
    for f in p.failures:
        print(f"  misordered {f['id']} ({f['kind']}): {f['higher']:+.3f} should be above {f['lower']:+.3f}")
    if v.samples:
        print()
        print("samples (../shared/corpus/s400):")
        for s in v.samples:
            print(f"  {s['id']} {s['outlet']:<22} framing {s['framing']:+.3f}  {s['label']} (P {s['confidence']:.2f})")
    if v.agreement:
        a = v.agreement
        print()
        print(f"blind set agreement: {a.get('n')} texts, two independent readers agree on {a.get('agree')} "
              f"(Cohen's kappa {a.get('kappa'):.3f}, Krippendorff's alpha {a.get('alpha'):.3f}); "
              f"{a.get('adjudicated')} disagreements adjudicated by a third reader")
    print()
    print(f"({v.seconds:.0f}s)")


def load_validity(path: Path = VALIDITY_PATH) -> dict | None:
    """The record `evaluate --write` saved (what /validity shows), or None when there is none."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        from analysis.errors import FramingError

        raise FramingError(f"{path}: not readable JSON ({exc})") from None


def run_evaluate(write: bool = False, path: Path = VALIDITY_PATH) -> int:
    import sys

    v = evaluate(progress=lambda msg: print(msg, file=sys.stderr))
    print_validity(v)
    if write:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(v.to_dict(), indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0
