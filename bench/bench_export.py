"""Export speed: figure building per chart and PNG/SVG time (first call incl. Chromium start, then warm).

    .venv/bin/python -m bench.bench_export [--db var/framing.db] [--rows 37544] [--outlets 491] [--repeat 5]

With --db (a scored store) the real scored frame is used; otherwise a synthetic frame of the
large corpus's shape (made-up numbers, no article text).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.charts import CHARTS  # noqa: E402
from dashboard.charts.context import ChartContext  # noqa: E402
from dashboard import export  # noqa: E402

FRAMES = {f: f.title() for f in ("security", "sovereignty", "economy", "alliance", "legal", "technology")}
CAMPS = {c: c.replace("_", " ") for c in ("turkey_gov", "us_gov", "nato", "russia_gov", "analysts")}
ACTORS = {a: a.replace("_", " ").title() for a in ("turkey", "united_states", "nato", "russia")}


def synthetic(rows: int, outlets: int, seed: int = 0) -> pd.DataFrame:
    """A scored frame with the Store.scored_frame columns; outlet sizes follow a long tail."""
    from analysis.lexicon import Lexicon

    neg_neu_pos = Lexicon.load().labels
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, outlets + 1) ** 1.1
    outlet = rng.choice([f"Outlet {i:03d}" for i in range(outlets)], size=rows, p=weights / weights.sum())
    start = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 365 * 6, rows), unit="D")
    known = rng.random(rows) > 0.05
    framing = np.clip(rng.normal(0, 0.35, rows), -1, 1)
    df = pd.DataFrame({
        "id": [f"a{i:06d}" for i in range(rows)], "outlet": outlet,
        "title": [f"Synthetic headline {i}" for i in range(rows)], "url": "",
        "date": np.where(known, start.strftime("%Y-%m-%d"), None),
        "date_precision": np.where(known, "day", "unknown"),
        "date_start": start.where(known), "text": "", "framing": framing,
        "label": np.where(framing > 0.15, neg_neu_pos[2], np.where(framing < -0.15, neg_neu_pos[0], neg_neu_pos[1])),
        "confidence": rng.random(rows), "n_sentences": rng.integers(3, 60, rows),
    })
    for f in FRAMES:
        df[f"frame:{f}"] = rng.poisson(1.0, rows).astype(float)
    for c in CAMPS:
        df[f"voice:{c}"] = rng.random(rows)
    voices = df[[f"voice:{c}" for c in CAMPS]]
    df[voices.columns] = voices.div(voices.sum(axis=1), axis=0)
    for a in ACTORS:
        df[f"sent:{a}"] = np.where(rng.random(rows) < 0.6, rng.normal(0, 0.2, rows), np.nan)
    return df


def load(args) -> tuple[pd.DataFrame, ChartContext]:
    if args.db:
        from analysis.scoring import Analyser
        from analysis.store import Store

        analyser = Analyser.load()
        with Store(args.db) as store:
            df = store.scored_frame(analyser.version)
        return df, ChartContext.from_lexicon(analyser.lexicon, "none (all articles)", analyser.version)
    df = synthetic(args.rows, args.outlets)
    events = [("2017-12-29", "Contract signed"), ("2019-07-12", "First delivery"),
              ("2019-07-17", "F-35 expulsion"), ("2020-12-14", "CAATSA sanctions")]
    from analysis.lexicon import Lexicon

    return df, ChartContext(Lexicon.load().axis, FRAMES, CAMPS, ACTORS, events, "none (all articles)", "bench-synthetic")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="scored store to read instead of synthetic data")
    parser.add_argument("--rows", type=int, default=37_544)
    parser.add_argument("--outlets", type=int, default=491)
    parser.add_argument("--repeat", type=int, default=5, help="warm calls per chart and format")
    args = parser.parse_args()
    df, ctx = load(args)
    print(f"frame: {len(df)} articles, {df['outlet'].nunique()} outlets")

    print("\nfigure building (process_data + create_figure), median of 5:")
    figures = {}
    for chart_id, module in CHARTS.items():
        times = []
        for _ in range(5):
            t = time.perf_counter()
            data = module.process_data(df, ctx)
            figures[chart_id] = module.create_figure(data, ctx)
            times.append(time.perf_counter() - t)
        print(f"  {chart_id:20s} {ms(statistics.median(times))}  ({len(data)} rows)")

    print("\nstatic image export (export_chart, whole path):")
    t = time.perf_counter()
    export.export_chart("voices", "png", df, ctx)
    first = time.perf_counter() - t
    print(f"  first call (starts Chromium: {export._SERVER.start_seconds:.2f} s) {ms(first)}")
    for fmt in ("png", "svg"):
        for chart_id in CHARTS:
            times, size = [], 0
            for _ in range(args.repeat):
                t = time.perf_counter()
                size = len(export.export_chart(chart_id, fmt, df, ctx).content)
                times.append(time.perf_counter() - t)
            print(f"  {fmt} {chart_id:20s} median {ms(statistics.median(times))}  max {ms(max(times))}  "
                  f"{size / 1024:7.0f} KiB")
    for fmt in ("html", "csv"):
        t = time.perf_counter()
        size = len(export.export_chart("framing-by-outlet", fmt, df, ctx).content)
        print(f"  {fmt} framing-by-outlet       {ms(time.perf_counter() - t)}  {size / 1024:7.0f} KiB")
    t = time.perf_counter()
    size = len(export.export_bundle(df, ctx).content)
    print(f"\nexport_bundle (5 charts × 4 formats + article table): {time.perf_counter() - t:.2f} s, "
          f"{size / 1024 / 1024:.1f} MiB")
    export.stop_image_server()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
