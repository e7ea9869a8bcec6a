"""A story's axis as data: its three labels, the two poles' names and colours, and what it measures.

Every label list, colour and axis title in the analysis and the dashboard comes from here, read
from the story file's `axis:` block, so that another dispute needs only another file. Labels are
always kept in the order (negative, neutral, positive): model columns, confusion matrices and
the framing score (P(positive) - P(negative), so + is the positive pole) follow it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.errors import FramingError

NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2  # positions of the labels in Axis.labels and model columns
ROLES = ("negative", "neutral", "positive")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Pole:
    """One label of the axis. `name` is the party (e.g. "Ankara"); `case` the side's case in words."""

    label: str
    name: str
    colour: str
    case: str = ""


@dataclass(frozen=True)
class Axis:
    negative: Pole
    neutral: Pole
    positive: Pole
    description: str = ""

    @property
    def poles(self) -> tuple[Pole, Pole, Pole]:
        return (self.negative, self.neutral, self.positive)

    @property
    def labels(self) -> tuple[str, str, str]:
        """The label names in (negative, neutral, positive) order."""
        return tuple(p.label for p in self.poles)

    @property
    def title(self) -> str:
        """The framing axis's title on charts: "← pro-Washington · framing · pro-Ankara →"."""
        return f"← {self.negative.label} · framing · {self.positive.label} →"

    def colour_of(self, label: str) -> str:
        return self.poles[self.labels.index(label)].colour

    @classmethod
    def parse(cls, data, where: str) -> "Axis":
        """Read an `axis:` block; FramingError naming the field when it is incomplete."""
        if not isinstance(data, dict):
            raise FramingError(f"{where}: axis: must be a mapping with negative, neutral and positive")
        poles = []
        for role in ROLES:
            block = data.get(role)
            if not isinstance(block, dict):
                raise FramingError(f"{where}: axis.{role}: must be a mapping with label, name and colour")
            values = {}
            for key in ("label", "name", "colour"):
                value = block.get(key)
                if not isinstance(value, str) or not value.strip():
                    raise FramingError(f"{where}: axis.{role}.{key}: missing")
                values[key] = value.strip()
            if not _COLOUR.match(values["colour"]):
                raise FramingError(f"{where}: axis.{role}.colour: {values['colour']!r} is not a #RRGGBB colour")
            poles.append(Pole(values["label"], values["name"], values["colour"], str(block.get("case") or "").strip()))
        labels = [p.label for p in poles]
        if len(set(labels)) != 3:
            raise FramingError(f"{where}: axis: the three labels must differ (got {', '.join(labels)})")
        return cls(*poles, description=" ".join(str(data.get("description") or "").split()))
