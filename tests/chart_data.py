"""A synthetic scored frame with the documented `Store.scored_frame` columns (made up, no article text)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.axis import Axis, Pole
from dashboard.charts.context import ChartContext

# A made-up story's axis: the charts must take every label, title and colour from it.
AXIS = Axis(Pole("pro-North", "North", "#117733"), Pole("balanced", "neither", "#BBBBBB"),
            Pole("pro-South", "South", "#AA3377"), "North against South.")

FRAMES = {"security": "Security & defence", "sovereignty": "Sovereignty", "economy": "Economy & jobs"}
CAMPS = {"turkey_gov": "Turkish government", "us_gov": "US government", "analysts": "Analysts"}
ACTORS = {"turkey": "Turkey", "united_states": "United States", "russia": "Russia"}
EVENTS = [("2017-12", "Contract signed"), ("2019-07-12", "First delivery"), ("2020-12-14", "CAATSA sanctions")]


def context(filters_text: str = "outlet: Alpha, Beta", version: str = "test-1.0") -> ChartContext:
    return ChartContext(axis=AXIS, frames=FRAMES, camps=CAMPS, actors=ACTORS, events=list(EVENTS),
                        filters_text=filters_text, analyser_version=version)


def scored_frame(spec: dict[str, int] | None = None, seed: int = 0) -> pd.DataFrame:
    """`spec` maps outlet -> number of articles; scores are random but reproducible."""
    spec = spec or {"Alpha": 6, "Beta": 4, "Gamma": 1}
    rng = np.random.default_rng(seed)
    rows = []
    for outlet, n in spec.items():
        centre = rng.uniform(-0.6, 0.6)
        for i in range(n):
            month = 1 + (i % 12)
            year = 2018 + (i % 3)
            precision = "day" if i % 5 else "month"
            date = f"{year}-{month:02d}-15" if precision == "day" else f"{year}-{month:02d}"
            framing = float(np.clip(centre + rng.normal(0, 0.25), -1, 1))
            row = {
                "id": f"{outlet[:3].lower()}-{i}", "outlet": outlet, "title": f"{outlet} story {i}",
                "url": f"https://example.org/{outlet}/{i}", "date": date, "date_precision": precision,
                "date_start": pd.Timestamp(f"{year}-{month:02d}-{15 if precision == 'day' else 1:02d}"),
                "text": "Made-up text.", "framing": framing,
                "label": "pro-Ankara" if framing > 0.2 else "pro-Washington" if framing < -0.2 else "neutral",
                "confidence": float(rng.uniform(0.3, 1)), "n_sentences": int(rng.integers(3, 40)),
            }
            for k in FRAMES:
                row[f"frame:{k}"] = float(rng.integers(0, 4))
            voices = rng.dirichlet(np.ones(len(CAMPS))) if i % 4 else np.zeros(len(CAMPS))
            for k, v in zip(CAMPS, voices):
                row[f"voice:{k}"] = float(v)
            for k in ACTORS:
                row[f"sent:{k}"] = float(rng.uniform(-0.5, 0.5)) if rng.random() < 0.7 else np.nan
            rows.append(row)
    return pd.DataFrame(rows)
