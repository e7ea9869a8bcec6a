"""Another story needs only another file: a made-up dispute (tests/fixtures/river_dam) is trained,
scored and shown with its own labels, poles and colours, and nothing of the S-400 story leaks in."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.__main__ import main
from analysis.axis import Axis
from analysis.errors import FramingError
from analysis.lexicon import Lexicon

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "river_dam"

# Written for this test (in none of the story's files).
UNSEEN = {
    "pro-Norland": ("Norland's right to the river\n\nNorland is right to finish the dam. It has every right to "
                    "clean energy for its people. Sudria's claims of a coming drought are exaggerated."),
    "balanced": ("Dam talks adjourned\n\nThe water ministers of Norland and Sudria met on Wednesday. They discussed "
                 "the filling schedule. Another meeting is planned for next month."),
    "pro-Sudria": ("Sudria's river in danger\n\nNorland filled the reservoir without an agreement, ignoring every "
                   "warning. The river is drying up, an existential threat to Sudria's farmers."),
}


@pytest.fixture(scope="module")
def story(river_dam_story):
    return river_dam_story


def test_the_story_file_holds_the_axis():
    lex = Lexicon.load(FIXTURE / "story.yaml")
    assert lex.labels == ("pro-Sudria", "balanced", "pro-Norland")
    assert (lex.axis.negative.name, lex.axis.positive.name) == ("Sudria", "Norland")
    assert lex.axis.title == "← pro-Sudria · framing · pro-Norland →"
    assert lex.training.article_model == (FIXTURE / "article_model.json").resolve()
    assert lex.training.sentences == ((FIXTURE / "sentences.csv").resolve(),)


@pytest.mark.parametrize("field,value,message", [
    ("colour", "blue", "axis.positive.colour: 'blue' is not a #RRGGBB colour"),
    ("label", "", "axis.positive.label: missing"),
    ("label", "pro-Sudria", "the three labels must differ"),
])
def test_a_bad_axis_is_one_clear_error(field, value, message):
    axis = {"negative": {"label": "pro-Sudria", "name": "Sudria", "colour": "#117733"},
            "neutral": {"label": "balanced", "name": "neither", "colour": "#BBBBBB"},
            "positive": {"label": "pro-Norland", "name": "Norland", "colour": "#AA3377"}}
    axis["positive"][field] = value
    with pytest.raises(FramingError, match=message):
        Axis.parse(axis, "story.yaml")


def test_training_writes_the_article_model_the_story_names(story):
    model = json.loads((story.parent / "article_model.json").read_text())
    assert model["classes"] == ["pro-Sudria", "balanced", "pro-Norland"]
    assert model["fitted_on"]["articles"] == {"articles": 18}


def test_scores_use_the_story_labels_and_order_unseen_texts(story, tmp_path, capsys):
    for label, text in UNSEEN.items():
        (tmp_path / f"{label}.txt").write_text(text, encoding="utf-8")
    assert main(["score", str(tmp_path), "--db", str(tmp_path / "s.db"), "--lexicon", str(story),
                 "--format", "jsonl"]) == 0
    records = {r["id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    framing = {label: next(r for i, r in records.items() if label in i)["framing"] for label in UNSEEN}
    assert all(r["label"] in ("pro-Sudria", "balanced", "pro-Norland") for r in records.values())
    assert framing["pro-Norland"] > framing["balanced"] > framing["pro-Sudria"], framing
    assert "river_dam" in next(iter(records.values()))["analyser_version"]


def test_the_dashboard_shows_the_story_labels_and_colours(story, tmp_path):
    from dashboard.app import create_app

    app = create_app(tmp_path / "empty.db", lexicon_path=story)
    layout = app.server.test_client().get("/_dash-layout").get_data(as_text=True)
    assert "pro-Norland" in layout and "pro-Sudria" in layout and "#AA3377" in layout
    assert "Norland's dam on the shared river" in layout  # the story's title and what the axis measures
    assert "a sovereign right to clean energy" in layout
    assert "pro-Ankara" not in layout and "Washington" not in layout
