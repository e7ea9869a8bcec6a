"""What a chart needs besides the data: the story's axis and labels, the filters, the analyser version."""
from __future__ import annotations

from dataclasses import dataclass, field

from analysis.axis import Axis


@dataclass(frozen=True)
class ChartContext:
    """Read-only inputs shared by every chart builder and by the export engine.

    `axis` is the story's axis (label names, pole colours); `frames`, `camps`, `actors` map lexicon
    ids to human labels; `events` are (ISO date, label)
    pairs (dates may be partial: "2019", "2019-07"); `filters_text` is a one-line human summary of
    the current filters, written into every figure's footnote and every exported file; `story` is the
    story's title (exports name it).
    """

    axis: Axis
    frames: dict[str, str] = field(default_factory=dict)
    camps: dict[str, str] = field(default_factory=dict)
    actors: dict[str, str] = field(default_factory=dict)
    events: list[tuple[str, str]] = field(default_factory=list)
    filters_text: str = ""
    analyser_version: str = ""
    story: str = ""

    @classmethod
    def from_lexicon(cls, lexicon, filters_text: str = "", version: str = "") -> "ChartContext":
        """Build from a Lexicon (its `axis`, `frames`, `camps`, `actors`, `events`)."""
        return cls(
            axis=lexicon.axis,
            frames=dict(getattr(lexicon, "frames", None) or {}),
            camps=dict(getattr(lexicon, "camps", None) or {}),
            actors=dict(getattr(lexicon, "actors", None) or {}),
            events=[(str(d), str(label)) for d, label in (getattr(lexicon, "events", None) or [])],
            filters_text=filters_text,
            analyser_version=version,
            story=str(getattr(lexicon, "title", "") or ""),
        )

    def label(self, kind: str, key: str) -> str:
        """Human label of a frame/camp/actor id; falls back to the id made readable."""
        names = {"frame": self.frames, "camp": self.camps, "actor": self.actors}[kind]
        return names.get(key) or key.replace("_", " ")
