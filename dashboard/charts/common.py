"""Helpers shared by the chart builders: outlet selection and order, column families, intervals."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # Student-t quantiles; scipy.stats takes twice as long to import

from dashboard import theme
from dashboard.charts.context import ChartContext

MAX_OUTLETS = 25  # per-outlet charts stay readable on a laptop; the headline says what was left out
# Fewest articles for which an outlet's mean gets its 95% t-interval drawn; below, the mean is
# marked "too few". With n = 4 the interval is ±0.46 at the corpus' median within-outlet standard
# deviation (0.29, AllSides): half the −1..1 axis; with n = 5 ±0.36, and the sample SD itself is
# within 0.6–2.9× the true one (95%) against 0.57–3.7× at n = 4. docs/method.md has the table.
MIN_N_INTERVAL = 5
OUTLET_NAME = 32  # characters of an outlet's name in a tick label (full name on hover)
BASE_COLUMNS = ("id", "outlet", "title", "url", "date", "date_precision", "date_start", "framing",
                "label", "confidence", "n_sentences")


def ensure_columns(df: pd.DataFrame | None, columns=BASE_COLUMNS, families=()) -> pd.DataFrame:
    """Just the columns a chart reads: `columns` (added empty if missing, as an empty store may
    give a bare frame) plus every `<family>:<id>` column. Narrowing first keeps row filtering
    cheap on the large corpus (no copying of titles and texts)."""
    df = pd.DataFrame() if df is None else df
    heads = tuple(f + ":" for f in families)
    wanted = list(columns) + [c for c in df.columns if heads and isinstance(c, str) and c.startswith(heads)]
    missing = [c for c in columns if c not in df.columns]
    df = df[[c for c in wanted if c in df.columns]]
    if missing:
        df = df.assign(**{c: pd.Series(dtype="float64" if c in ("framing", "confidence") else object,
                                       index=df.index) for c in missing})
    return df


def family(df: pd.DataFrame, prefix: str) -> list[str]:
    """Ids of one column family, e.g. family(df, "frame") -> ["security", ...] for `frame:<id>`."""
    head = prefix + ":"
    return [c[len(head):] for c in df.columns if isinstance(c, str) and c.startswith(head)]


def factorize(values: pd.Series | np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`pd.factorize(values[mask])`: integer codes (-1 for missing) and the distinct values as an
    object array, in order of first appearance. A categorical column (the dashboard's outlets)
    is read from its codes, without touching its strings."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        codes = np.asarray(values.cat.codes.to_numpy(), dtype=np.int64)
        if mask is not None:
            codes = codes[mask]
        present, first = np.unique(codes, return_index=True)
        keep = first[present >= 0].argsort(kind="stable")
        present = present[present >= 0][keep]
        remap = np.full(len(values.cat.categories) + 1, -1, dtype=np.int64)  # last slot: code -1
        remap[present] = np.arange(len(present))
        return remap[codes], np.asarray(values.cat.categories, dtype=object)[present]
    if mask is not None:
        values = np.asarray(values, dtype=object)[mask]
    codes, names = pd.factorize(values)
    return codes, np.asarray(names, dtype=object)


def top_outlets(df: pd.DataFrame, ctx: ChartContext) -> tuple[pd.DataFrame, str]:
    """Rows of the MAX_OUTLETS outlets with the most articles (every outlet if `ctx.all_outlets`),
    and the headline saying what was left out ("" when nothing was)."""
    codes, names = factorize(df["outlet"])
    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    if ctx.all_outlets or len(names) <= MAX_OUTLETS:
        return df, ""
    ranked = sorted(range(len(names)), key=lambda i: (-counts[i], str(names[i])))
    keep = ranked[:MAX_OUTLETS]
    left = int(counts.sum() - counts[keep].sum())
    others = len(names) - MAX_OUTLETS
    headline = (f"{MAX_OUTLETS} of {len(names)} outlets shown — the ones with the most articles "
                f"({left} article{'s' if left != 1 else ''} from the other {others} not shown; "
                "pick outlets with the filter)")
    return df[np.isin(codes, keep)], headline


def outlet_tick(name: str, n: int) -> str:
    """An outlet's y-axis label: its name (cut at OUTLET_NAME characters) and its number of articles."""
    name = name if len(name) <= OUTLET_NAME else name[:OUTLET_NAME - 1] + "…"
    return f"{theme.escape(name)}  (n = {n})"


def label_room(labels) -> int:
    """Pixels the y-axis needs left of the plot for these tick labels (and the tick gap)."""
    return int(max((theme.text_width(label, theme.FONT["size"]) for label in labels), default=0)) + 14


def outlet_order(df: pd.DataFrame) -> list[str]:
    """Outlets from the most negative to the most positive mean framing (ties by name).

    Every per-outlet chart uses this order, so one outlet sits on the same row everywhere.
    """
    if df.empty:
        return []
    codes, names = factorize(df["outlet"])
    framing = df["framing"].to_numpy(dtype="float64", na_value=np.nan)
    known = (codes >= 0) & ~np.isnan(framing)
    with np.errstate(invalid="ignore", divide="ignore"):  # an outlet without a known framing: NaN, last
        means = (np.bincount(codes[known], weights=framing[known], minlength=len(names))
                 / np.bincount(codes[known], minlength=len(names)))
    return ordered_by_mean(pd.Series(means, index=names))


def ordered_by_mean(means: pd.Series) -> list[str]:
    """Index labels of `means` (outlet -> mean framing) in `outlet_order`'s order."""
    return [name for name, _ in sorted(means.items(), key=lambda kv: (_nan_last(kv[1]), str(kv[0])))]


def _nan_last(value: float) -> float:
    return math.inf if pd.isna(value) else float(value)


def t_half_width(std, n, level: float = 0.95) -> np.ndarray:
    """Half-widths of Student-t intervals for many groups at once; NaN where n < MIN_N_INTERVAL."""
    n = np.asarray(n, dtype="float64")
    std = np.asarray(std, dtype="float64")
    enough = n >= MIN_N_INTERVAL
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stdtrit(np.where(enough, n - 1, np.nan), 0.5 + level / 2)
        return np.where(enough, q * std / np.sqrt(n), np.nan)


def parse_partial_date(value) -> pd.Timestamp | None:
    """First day of an ISO date that may be partial ("2019", "2019-07", "2019-07-12"); None if bad."""
    text = str(value or "").strip()
    for length, fmt in ((10, "%Y-%m-%d"), (7, "%Y-%m"), (4, "%Y")):
        if len(text) >= length:
            try:
                return pd.Timestamp(pd.to_datetime(text[:length], format=fmt))
            except (ValueError, TypeError):
                continue
    return None


def add_note(data: pd.DataFrame, *notes: str, headline: str = "") -> pd.DataFrame:
    """Attach the chart's notes (what was left out and why) to the rows. The figure shows
    `headline` above the plot and the others in its footnote; the CSV's note has them all."""
    data.attrs["headline"] = headline
    data.attrs["notes"] = "; ".join(n for n in notes if n)
    return data


def headline_of(data: pd.DataFrame) -> str:
    return str(data.attrs.get("headline", "") or "")


def footnote_of(data: pd.DataFrame) -> str:
    return str(data.attrs.get("notes", "") or "")


def note_of(data: pd.DataFrame) -> str:
    """Every note of the rows, headline first (the CSV export's `note`)."""
    return "; ".join(n for n in (headline_of(data), footnote_of(data)) if n)


def family_shares(df: pd.DataFrame, prefix: str, labels: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """Per outlet, the mean over its articles of each category's share within the article.

    Each article with any weight in the family counts once (a long article does not outweigh a
    short one); negative weights count by magnitude. Returns rows `outlet, <prefix>, <prefix>_label,
    share, n_articles` (shares of an outlet sum to 1) and the number of articles without any weight.
    """
    keys = family(df, prefix)
    columns = ["outlet", prefix, f"{prefix}_label", "share", "n_articles"]
    if df.empty or not keys:
        return pd.DataFrame(columns=columns), int(len(df))
    weights = df[[f"{prefix}:{k}" for k in keys]].to_numpy(dtype="float64", na_value=np.nan)
    weights = np.nan_to_num(np.abs(weights), nan=0.0)
    totals = weights.sum(axis=1)
    has = totals > 0
    # Per-outlet sums on integer codes (outlets in order of first appearance).
    codes, outlets = factorize(df["outlet"], None if has.all() else has)
    shares = weights[has] / totals[has, None]
    counts = np.bincount(codes, minlength=len(outlets))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.column_stack([np.bincount(codes, weights=shares[:, j], minlength=len(outlets))
                                for j in range(len(keys))]) / counts[:, None]
    labels_of = [labels.get(k) or k.replace("_", " ") for k in keys]
    rows = pd.DataFrame({
        "outlet": np.tile(outlets, len(keys)),
        prefix: np.repeat(np.asarray(keys, dtype=object), len(outlets)),
        f"{prefix}_label": np.repeat(np.asarray(labels_of, dtype=object), len(outlets)),
        "share": mean.ravel(order="F"),
        "n_articles": np.tile(counts.astype("int64"), len(keys)),
    })
    return rows[columns], int((~has).sum())
