"""Plain records passed between the layers: files -> Article -> ArticleScore."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

# Where an article's title came from. Only a title the source gave (a field, a manifest, the page's
# metadata) or the headline found at the top of the page is read as the article's headline; one
# built from the address's slug or from the first sentence is shown but never scored.
TITLE_SOURCES = ("given", "headline", "address", "text")
SCORED_TITLE_SOURCES = ("given", "headline")


def content_hash(title: str, text: str) -> str:
    """Stable hash of what the analysis reads: the scored title (see Article.scored_title) and the
    cleaned text."""
    return hashlib.sha256(f"{title}\n\n{text}".encode("utf-8")).hexdigest()


@dataclass
class Article:
    """One cleaned article. `date` is ISO and may be partial ("2020", "2021-06") or None."""

    id: str
    outlet: str
    title: str
    text: str
    url: str = ""
    date: str | None = None
    date_precision: str = "unknown"
    byline: str = ""
    source: str = ""
    content_hash: str = ""
    title_source: str = "given"  # one of TITLE_SOURCES

    def __post_init__(self) -> None:
        if self.title_source not in TITLE_SOURCES:
            raise ValueError(f"title_source {self.title_source!r} is not one of {', '.join(TITLE_SOURCES)}")
        if not self.content_hash:
            self.content_hash = content_hash(self.scored_title, self.text)

    @property
    def scored_title(self) -> str:
        """The title as the analysis reads it: empty when it was inferred (address or text)."""
        return self.title if self.title_source in SCORED_TITLE_SOURCES else ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class IngestError:
    """A file or row that could not be ingested; `line` is set for JSONL/CSV rows."""

    source: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.reason}"


@dataclass
class Evidence:
    """One sentence that moved the article score."""

    index: int  # position of the sentence in the article (0 = title)
    sentence: str
    contribution: float  # signed: + pushes toward the story's positive pole (pro-Ankara), - the negative
    terms: list[str] = field(default_factory=list)
    speaker: str | None = None  # who is quoted, if anyone
    side: str | None = None  # the speaker's camp id from the lexicon (e.g. turkey_gov), not an actor group
    frames: list[str] = field(default_factory=list)


@dataclass
class ArticleScore:
    """The framing result of one article, as cached in the store and printed by `score`."""

    content_hash: str
    analyser_version: str
    framing: float  # -1 (the negative pole, e.g. pro-Washington) .. +1 (the positive, e.g. pro-Ankara)
    label: str  # one of the story's labels (analysis/axis.py)
    confidence: float  # 0..1
    frames: dict[str, float] = field(default_factory=dict)  # frame category -> weight
    voices: dict[str, float] = field(default_factory=dict)  # camp -> share of attributed text
    sentiment: dict[str, float] = field(default_factory=dict)  # actor group -> polarity
    subjectivity: dict[str, float] = field(default_factory=dict)  # actor group -> subjectivity
    components: dict[str, float] = field(default_factory=dict)  # score breakdown, named parts
    evidence: list[Evidence] = field(default_factory=list)  # every scored sentence, strongest first
    n_sentences: int = 0
    core: bool | None = None  # names the story's core thread (e.g. the S-400 itself); None: no core defined

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ArticleScore":
        d = dict(d)
        d["evidence"] = [Evidence(**e) for e in d.get("evidence", [])]
        return cls(**d)
