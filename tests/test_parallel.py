"""Scoring on Dask: a two-worker LocalCluster reached by its tcp:// address must give exactly the
single-process results, through `score_articles` and through the command line."""
from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.errors import FramingError
from analysis.models import Article, ArticleScore, Evidence
from analysis.parallel import iter_scored, partition_size, partitions, score_articles, score_parquet

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
TURKEY_NATO = CORPUS / "turkey-nato.jsonl"

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.filterwarnings("ignore:Port .* is already in use")


class DigestAnalyser:
    """Stand-in analyser: cheap, deterministic, and sensitive to every article it is given, so
    a lost, duplicated or reordered article shows up as a mismatch."""

    version = "digest-1"

    def score_many(self, articles):
        out = []
        for a in articles:
            h = int(hashlib.sha256(a.content_hash.encode()).hexdigest()[:12], 16)
            framing = (h % 20001) / 10000 - 1
            out.append(
                ArticleScore(
                    content_hash=a.content_hash,
                    analyser_version=self.version,
                    framing=framing,
                    label="neutral",
                    confidence=(h % 97) / 96,
                    frames={"f": framing},
                    evidence=[Evidence(index=0, sentence=a.title, contribution=framing)],
                    n_sentences=len(a.text.split(".")),
                )
            )
        return out


def _made_up_articles(n: int) -> list[Article]:
    return [Article(id=f"a{i}", outlet=f"Outlet {i % 7}", title=f"Title {i}", text=f"Body {i}. " * (i % 5 + 1)) for i in range(n)]


def _real_articles(limit: int = 200) -> list[Article]:
    if not TURKEY_NATO.exists():
        pytest.skip(f"{TURKEY_NATO} not available")
    from analysis.corpus import read_paths

    arts = [a for a in read_paths([TURKEY_NATO]) if isinstance(a, Article)]
    return arts[:limit]


@pytest.fixture(scope="module")
def cluster_address():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=40
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_partitions_cover_everything_in_order():
    items = list(range(1234))
    for size in (1, 7, 500, 5000):
        parts = partitions(items, size)
        assert [x for p in parts for x in p] == items
        assert all(len(p) <= size for p in parts)
    # small inputs still spread over the workers, large ones are capped
    assert partition_size(300, 2) < 300
    assert partition_size(10_000_000, 2) == 500


def test_stand_in_on_cluster_equals_single_process(cluster_address):
    arts = _made_up_articles(1203)
    analyser = DigestAnalyser()
    assert score_articles(analyser, arts, cluster_address) == analyser.score_many(arts)
    assert score_articles(analyser, [], cluster_address) == []


def test_streaming_from_a_generator_keeps_order_and_pairs(cluster_address):
    arts = _made_up_articles(1050)
    analyser = DigestAnalyser()
    pairs = list(iter_scored(analyser, (a for a in arts), cluster_address, size=100))
    assert [len(p) for p, _ in pairs] == [100] * 10 + [50]
    assert [a for p, _ in pairs for a in p] == arts
    assert [s for _, sc in pairs for s in sc] == analyser.score_many(arts)


def test_real_analyser_on_cluster_equals_single_process(cluster_address):
    from analysis.scoring import Analyser

    arts = _real_articles()
    assert len(arts) >= 200
    analyser = Analyser.load()
    local = analyser.score_many(arts)
    remote = score_articles(analyser, arts, cluster_address)
    assert [s.content_hash for s in remote] == [a.content_hash for a in arts]
    assert remote == local  # exact: every float, every evidence sentence


def _cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_cli_scheduler_output_equals_single_process(cluster_address, tmp_path):
    if not TURKEY_NATO.exists():
        pytest.skip(f"{TURKEY_NATO} not available")
    # The first 220 real articles (a temporary file outside the repository).
    sample = tmp_path / "sample.jsonl"
    with TURKEY_NATO.open(encoding="utf-8") as fh:
        sample.write_text("".join(line for _, line in zip(range(220), fh)), encoding="utf-8")
    single = _cli("score", str(sample), "--db", str(tmp_path / "one.db"), "--format", "jsonl")
    assert single.returncode == 0, single.stderr
    dask_run = _cli(
        "score", str(sample), "--db", str(tmp_path / "two.db"), "--format", "jsonl", "--scheduler", cluster_address
    )
    assert dask_run.returncode == 0, dask_run.stderr
    a = [json.loads(line) for line in single.stdout.splitlines() if line.strip()]
    b = [json.loads(line) for line in dask_run.stdout.splitlines() if line.strip()]
    assert len(a) >= 200
    assert a == b
    assert all(-1 <= r["framing"] <= 1 and r["analyser_version"] for r in b)


def test_cli_unreachable_scheduler_is_one_clear_line(tmp_path):
    if not TURKEY_NATO.exists():
        pytest.skip(f"{TURKEY_NATO} not available")
    address = f"tcp://127.0.0.1:{_closed_port()}"
    start = time.monotonic()
    run = _cli("score", str(TURKEY_NATO), "--db", str(tmp_path / "x.db"), "--format", "jsonl", "--scheduler", address, timeout=120)
    elapsed = time.monotonic() - start
    assert run.returncode != 0
    assert elapsed < 60
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    assert address in lines[0] and "cannot reach" in lines[0]


def test_unreachable_or_malformed_scheduler_raises_framing_error():
    arts = _made_up_articles(3)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    start = time.monotonic()
    with pytest.raises(FramingError, match="cannot reach Dask scheduler at tcp://127.0.0.1"):
        score_articles(DigestAnalyser(), arts, address)
    assert time.monotonic() - start < 30
    for bad in ("127.0.0.1:8786", "udp://x:1", "tcp://nohostport"):
        with pytest.raises(FramingError, match="scheduler"):
            score_articles(DigestAnalyser(), arts, bad)


def test_score_parquet_partitions_in_and_out(cluster_address, tmp_path):
    pd = pytest.importorskip("pandas")
    arts = _made_up_articles(250)
    src = tmp_path / "in"
    src.mkdir()
    frame = pd.DataFrame([a.to_dict() for a in arts])
    for i in range(3):
        frame.iloc[i * 100 : (i + 1) * 100].to_parquet(src / f"part-{i}.parquet")
    out = tmp_path / "out"
    assert score_parquet(src, out, DigestAnalyser(), cluster_address) == 250
    assert len(list(out.glob("*.parquet"))) == 3
    got = pd.read_parquet(out).set_index("id")
    expected = {a.id: s for a, s in zip(arts, DigestAnalyser().score_many(arts))}
    assert set(got.index) == set(expected)
    for aid, sc in expected.items():
        assert got.at[aid, "framing"] == sc.framing
        assert got.at[aid, "content_hash"] == sc.content_hash
        assert json.loads(got.at[aid, "evidence"])[0]["sentence"] == sc.evidence[0].sentence
    # a folder holding something else is refused, not overwritten
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    with pytest.raises(FramingError, match="other than Parquet"):
        score_parquet(src, tmp_path / "busy", DigestAnalyser(), cluster_address)
    assert (tmp_path / "busy" / "notes.txt").read_text() == "keep me"


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores to mean anything")
def test_local_scheduler_uses_a_throwaway_cluster():
    arts = _made_up_articles(120)
    analyser = DigestAnalyser()
    assert score_articles(analyser, arts, "local") == analyser.score_many(arts)


def test_code_changed_since_start_is_refused(cluster_address, monkeypatch):
    import analysis.parallel as parallel

    # As if the analysis files had been edited after this process imported them: fresh workers
    # would import the new code and disagree with this process, so the run stops with one line.
    monkeypatch.setattr(parallel, "_IMPORTED_CODE", "not-the-code-on-disk")
    with pytest.raises(FramingError, match="changed on disk"):
        score_articles(DigestAnalyser(), _made_up_articles(5), cluster_address)
