"""The codebook: the story file's instructions for coders, checked, versioned, and kept out of the
analyser's version (editing it never invalidates a score)."""
from __future__ import annotations

from pathlib import Path

import pytest

from analysis.codebook import OFF_TOPIC, split_codebook
from analysis.errors import FramingError
from analysis.lexicon import DEFAULT_LEXICON, Lexicon

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "river_dam" / "story.yaml"


def test_both_stories_carry_a_codebook_for_every_label_and_off_topic():
    for path in (DEFAULT_LEXICON, FIXTURE):
        lex = Lexicon.load(path)
        assert lex.codebook.labels == (*lex.labels, OFF_TOPIC)
        assert all(g.meaning and g.examples for g in lex.codebook.guides)


def test_the_codebook_is_left_out_of_the_measure_digest(tmp_path):
    raw = FIXTURE.read_text(encoding="utf-8")
    without, block = split_codebook(raw)
    assert block.startswith("codebook:") and "codebook:" not in without
    bare, edited = tmp_path / "bare.yaml", tmp_path / "edited.yaml"
    bare.write_text(without, encoding="utf-8")
    edited.write_text(raw.replace("is not about the dam dispute", "is about something else"), encoding="utf-8")
    original, plain, changed = Lexicon.load(FIXTURE), Lexicon.load(bare), Lexicon.load(edited)
    assert original.digest == plain.digest == changed.digest  # the scores stay valid
    assert plain.codebook is None
    assert changed.codebook.tag != original.codebook.tag  # but each code records which text its coder saw
    measured = tmp_path / "measured.yaml"
    measured.write_text(raw.replace("dam, river", "dam, rivers"), encoding="utf-8")
    assert Lexicon.load(measured).digest != original.digest


@pytest.mark.parametrize("old,new,message", [
    ("    pro-Sudria:\n      meaning:", "    sideways:\n      meaning:", "codebook.labels: sideways is not one of"),
    ('  version: "1"\n  instructions', "  instructions", "codebook.version: missing"),
    ("      meaning: The article is not about the dam dispute.\n", "", "codebook.labels.off-topic.meaning: missing"),
])
def test_a_bad_codebook_is_one_clear_error(tmp_path, old, new, message):
    raw = FIXTURE.read_text(encoding="utf-8")
    assert old in raw
    bad = tmp_path / "story.yaml"
    bad.write_text(raw.replace(old, new), encoding="utf-8")
    with pytest.raises(FramingError, match=message):
        Lexicon.load(bad)
