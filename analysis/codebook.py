"""The coders' instructions: the story file's `codebook:` block, read and checked.

It says what each of the story's labels means, and what "off-topic" means, with short examples
written for the project (never article text). `/code` shows it beside every article, and each
code records the codebook's `tag` (its declared version and a digest of the block), so a code
can always be read against the instructions its coder saw. The block is instructions for
people, not part of the measure: the analyser's version leaves it out (analysis/lexicon.py), so
editing it never invalidates a score.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from analysis.errors import FramingError

OFF_TOPIC = "off-topic"  # the coders' label for an article the story's axis does not apply to
KEY = "codebook"
MAX_TEXT = 2000  # characters of one meaning, example or the instructions
MAX_EXAMPLES = 8


@dataclass(frozen=True)
class LabelGuide:
    label: str
    meaning: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Codebook:
    version: str
    digest: str  # of the block as written
    instructions: str
    guides: tuple[LabelGuide, ...]  # the story's labels in axis order, then off-topic

    @property
    def tag(self) -> str:
        """What each code records: the declared version and the block's digest."""
        return f"{self.version}.{self.digest}"

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(g.label for g in self.guides)

    @classmethod
    def parse(cls, data, labels: tuple[str, ...], where: str, raw: str = "") -> "Codebook":
        """Read a `codebook:` block for a story with `labels`; FramingError naming the field."""
        if not isinstance(data, dict):
            raise FramingError(f"{where}: codebook: must be a mapping with version, instructions and labels")
        version = str(data.get("version") or "").strip()
        if not version:
            raise FramingError(f"{where}: codebook.version: missing")
        instructions = _text(data.get("instructions"), f"{where}: codebook.instructions")
        entries = data.get("labels")
        wanted = (*labels, OFF_TOPIC)
        if not isinstance(entries, dict):
            raise FramingError(f"{where}: codebook.labels: must map each of {', '.join(wanted)} to its meaning")
        unknown = [str(k) for k in entries if k not in wanted]
        if unknown:
            raise FramingError(f"{where}: codebook.labels: {', '.join(unknown)} is not one of {', '.join(wanted)}")
        guides = []
        for label in wanted:
            entry = entries.get(label)
            field = f"{where}: codebook.labels.{label}"
            if not isinstance(entry, dict):
                raise FramingError(f"{field}: missing (needs meaning and examples)")
            examples = entry.get("examples") or []
            if not isinstance(examples, list) or len(examples) > MAX_EXAMPLES:
                raise FramingError(f"{field}.examples: must be a list of at most {MAX_EXAMPLES} texts")
            guides.append(LabelGuide(label, _text(entry.get("meaning"), f"{field}.meaning"),
                                     tuple(_text(e, f"{field}.examples") for e in examples)))
        digest = hashlib.sha256((raw or repr(data)).encode("utf-8")).hexdigest()[:8]
        return cls(version, digest, instructions, tuple(guides))


def _text(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FramingError(f"{where}: missing")
    text = " ".join(value.split())
    if len(text) > MAX_TEXT:
        raise FramingError(f"{where}: longer than {MAX_TEXT} characters")
    return text


def split_codebook(text: str) -> tuple[str, str]:
    """(the story file without its top-level `codebook:` entry, that entry), both exactly as
    written, so the measure's digest covers every other byte of the file."""
    import yaml

    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return text, ""
    if not isinstance(root, yaml.MappingNode):
        return text, ""
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == KEY:
            start, end = key.start_mark.index, value.end_mark.index
            return text[:start] + text[end:], text[start:end]
    return text, ""
