"""Article scores: fixture texts written for these tests, and the five real samples."""
import pickle
from pathlib import Path

import pytest

from analysis.models import Article
from analysis.scoring import ANALYSER_CODE_VERSION, Analyser

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "s400"

EDITORIAL_ANKARA = Article(
    "ed-a", "Fixture Opinion", "Turkey's sovereign right to defend its skies",
    "Turkey has every right to choose the air defence that protects its cities. For years Washington "
    "refused to share the technology and offered the Patriot only on terms no country would accept.\n\n"
    "The threats of sanctions are bullying, pure and simple, and they show a double standard: other "
    "allies bought Russian weapons without a word of protest.\n\n"
    "A standalone battery that is not integrated into allied networks poses no threat to NATO.\n\n"
    "Ankara's decision is a sovereign choice, and the unfair pressure from Washington will not change it.",
)
EDITORIAL_WASHINGTON = Article(
    "ed-w", "Fixture Opinion", "Ankara's Russian missiles are a threat to NATO",
    "By buying the S-400, Turkey has chosen defiance over its obligations as a NATO ally. The system is "
    "incompatible with NATO defences and would compromise the F-35.\n\n"
    "Its radar could collect data on the F-35 and hand it to Moscow, and the money rewards Russia at "
    "a time of Russian aggression in Ukraine.\n\n"
    "This is a Russian wedge driven into the alliance, and sanctions under the law are the consequence "
    "Ankara chose.",
)
WIRE_NEUTRAL = Article(
    "wire", "Fixture Wire", "US imposes sanctions on Turkish defence agency",
    "The United States on Monday imposed sanctions on Turkey's defence procurement agency over its "
    "purchase of the S-400 system, the Treasury said.\n\n"
    "The sanctions target the agency's head and three officials. Turkey is a NATO member and hosts "
    "NATO radar sites.\n\n"
    "NATO foreign ministers meet in Brussels next week. The F-35 programme and the sanctions are "
    "expected to be discussed there.\n\n"
    "Turkey received the first S-400 batteries in July 2019.",
)
RELAY_OFFICIAL = Article(
    "relay", "Fixture Wire", "Turkish minister speaks on S-400",
    "Turkish Foreign Minister Mevlut Cavusoglu said on Tuesday that Turkey has every right to choose "
    "the air defence that protects its cities.\n\n"
    "He said Washington refused to share the technology and that the threats of sanctions were bullying "
    "and showed a double standard.\n\n"
    "He added that the unfair pressure from Washington would not change a sovereign choice.\n\n"
    "The ministry published the remarks on its website.",
)
EDITORIAL_SAME_CLAIMS = Article(
    "ed-same", "Fixture Opinion", "Turkish minister speaks on S-400",
    "Turkey has every right to choose the air defence that protects its cities.\n\n"
    "Washington refused to share the technology, and the threats of sanctions are bullying and show "
    "a double standard.\n\n"
    "The unfair pressure from Washington will not change a sovereign choice.\n\n"
    "The ministry published the remarks on its website.",
)


@pytest.fixture(scope="module")
def analyser():
    return Analyser.load()


def test_the_three_plain_fixtures_read_as_a_reader_would(analyser):
    assert analyser.score(EDITORIAL_ANKARA).label == "pro-Ankara"
    assert analyser.score(EDITORIAL_WASHINGTON).label == "pro-Washington"
    assert analyser.score(EDITORIAL_ANKARA).framing > 0 > analyser.score(EDITORIAL_WASHINGTON).framing


def test_label_confidence_and_framing_come_from_one_calibrated_distribution(analyser):
    for art in (EDITORIAL_ANKARA, WIRE_NEUTRAL, EDITORIAL_WASHINGTON):
        s = analyser.score(art)
        p = {lab: s.components[f"P({lab})"] for lab in ("pro-Washington", "neutral", "pro-Ankara")}
        assert sum(p.values()) == pytest.approx(1, abs=1e-5)
        assert s.label == max(p, key=p.get) and s.confidence == pytest.approx(p[s.label], abs=1e-4)
        assert s.framing == pytest.approx(p["pro-Ankara"] - p["pro-Washington"], abs=1e-4)


def test_evidence_adds_up_to_the_decision(analyser):
    """Each sentence's contribution is its exact share of log P(pro-Ankara)/P(pro-Washington),
    measured from the average training article."""
    import math

    from analysis.article import FEATURE_NAMES

    model = analyser.article_model
    baseline = model.logits(model.mean)[0]
    for art in (EDITORIAL_ANKARA, EDITORIAL_WASHINGTON, WIRE_NEUTRAL):
        s = analyser.score(art)
        log_odds = math.log(s.components["P(pro-Ankara)"] / s.components["P(pro-Washington)"])
        assert sum(e.contribution for e in s.evidence) == pytest.approx(log_odds - (baseline[2] - baseline[0]), abs=1e-3)
        assert {e.index for e in s.evidence} == set(range(s.n_sentences))
        assert set(FEATURE_NAMES) <= set(s.components)
    top = analyser.score(EDITORIAL_WASHINGTON).evidence[0]
    assert top.contribution < 0  # the strongest sentence of a pro-Washington piece pushes that way


def test_the_address_never_feeds_the_score(analyser):
    """A title built from the address's slug is shown, never scored: the same body scores the
    same whatever the slug says."""
    from analysis.corpus import make_article

    body = WIRE_NEUTRAL.text
    a, _ = make_article({"url": "https://news.example/erdogan-humiliates-bullying-washington-sovereign-victory"},
                        body, "a.txt", "a")
    b, _ = make_article({"url": "https://news.example/reckless-turkey-betrays-nato-gift-to-putin"}, body, "b.txt", "b")
    assert a.title_source == b.title_source == "address" and a.title != b.title
    assert a.content_hash == b.content_hash
    sa, sb = analyser.score(a), analyser.score(b)
    assert sa.framing == sb.framing and sa.label == sb.label
    assert all(e.index != 0 for e in sa.evidence)  # no title sentence was read


def test_result_shape_and_evidence(analyser):
    s = analyser.score(EDITORIAL_ANKARA)
    assert s.analyser_version == analyser.version and ANALYSER_CODE_VERSION in s.analyser_version
    assert "s400-" in s.analyser_version
    assert -1 <= s.framing <= 1 and 0 <= s.confidence <= 1
    assert set(s.frames) == set(analyser.lexicon.frames)
    assert abs(sum(s.frames.values()) - 1) < 1e-3
    contributions = [abs(e.contribution) for e in s.evidence]
    assert contributions == sorted(contributions, reverse=True)
    assert any(e.terms and e.frames for e in s.evidence)  # lexicon terms are highlighted
    assert s.n_sentences == 1 + 5  # title + five body sentences
    assert "turkey" in s.sentiment and "turkey" in s.subjectivity


def test_deterministic_batched_and_picklable(analyser):
    arts = [EDITORIAL_ANKARA, WIRE_NEUTRAL, EDITORIAL_WASHINGTON]
    many = analyser.score_many(arts)
    assert [s.to_dict() for s in many] == [analyser.score(a).to_dict() for a in arts]
    clone = pickle.loads(pickle.dumps(analyser))
    assert [s.to_dict() for s in clone.score_many(arts)] == [s.to_dict() for s in many]


def test_empty_article_has_no_evidence(analyser):
    s = analyser.score(Article("e", "X", "", ""))
    assert s.evidence == [] and s.n_sentences == 0 and s.frames == dict.fromkeys(analyser.lexicon.frames, 0.0)


def test_another_story_without_its_own_models_is_one_clear_error():
    from analysis.errors import FramingError

    with pytest.raises(FramingError, match="no fitted article model; run `python -m analysis train`"):
        Analyser.load(FIXTURES / "river_dam" / "story.yaml")


# ------------------------------------------------------------------ the five real samples

# My reading of the samples (the tests assert directions and order, not numbers):
# 000 Times of Islamabad: relays the Turkish presidential spokesman's case at length (technology
#     transfer, "no threat to the alliance"), US concerns only at the end -> leans pro-Ankara.
# 001 Defense World: US officials' voices throughout, the Patriot offer "to block" the sale,
#     "incompatible with NATO", Russia's "least good behavior" -> leans pro-Washington.
# 002 Sputnik: a Turkish analyst argues NATO's shield leaves Turkey exposed and the S-400 poses
#     no threat; Erdogan calls the concerns unreasonable -> clearly pro-Ankara, the strongest.
# 003 SpecialEurasia: own-voice analysis of Russia as the more reliable partner, Washington cut
#     Ankara off -> pro-Ankara.
# 004 EurAsian Times: Russian denial against a Bloomberg report, the Turkish minister's "100%
#     control" against Washington's "threat to NATO" and Pompeo's warning -> mixed, near neutral.


@pytest.fixture(scope="module")
def samples():
    if not SAMPLES.exists():
        pytest.skip("../shared/corpus/s400 not available")
    from analysis.corpus import read_paths

    arts = sorted((a for a in read_paths([SAMPLES]) if isinstance(a, Article)), key=lambda a: a.id)
    assert len(arts) == 5
    full = Analyser.load()
    return {a.id[:3]: s for a, s in zip(arts, full.score_many(arts))}


SAMPLES_GOAL_MISSED = pytest.mark.xfail(
    strict=True, reason="goal not met by analyser 2.0.0: 001 (Defense World) reads pro-Ankara (README, closing note)")


@SAMPLES_GOAL_MISSED
def test_samples_directions(samples):
    assert samples["000"].framing > 0
    assert samples["001"].framing < 0
    assert samples["002"].label == "pro-Ankara"
    assert samples["003"].framing > 0
    assert abs(samples["004"].framing) < 0.2 and samples["004"].label == "neutral"


@SAMPLES_GOAL_MISSED
def test_samples_order(samples):
    f = {k: s.framing for k, s in samples.items()}
    assert f["002"] > f["000"] > f["001"]
    assert f["002"] > f["004"] > f["001"]
    assert f["003"] > f["004"]


def test_samples_evidence_is_auditable(samples):
    s = samples["002"]
    assert any("unreasonable" in t for e in s.evidence for t in e.terms)
    assert s.voices.get("analysts", 0) > s.voices.get("us_gov", 0)
    assert samples["001"].voices.get("us_gov", 0) > 0.5


# ------------------------------------------------------------------ the wider Turkey-US quarrel

SYRIA_EDITORIAL = Article(
    "syr", "Fixture Opinion", "Ankara's invasion betrays Washington's partners",
    "Turkey's invasion of northern Syria is an assault on US-allied Kurdish fighters who bore the "
    "brunt of the war on ISIS.\n\n"
    "The United States trained those units, and Washington now watches as Turkish jets bomb them.\n\n"
    "Reports of atrocities by Turkish-backed militias grow by the day, and the Pentagon says the "
    "offensive has freed ISIS prisoners.",
)
DOMESTIC_ONLY = Article(
    "dom", "Fixture Wire", "Turkish referendum widens presidential power",
    "Voters in Turkey narrowly approved a new constitution that hands the president sweeping powers.\n\n"
    "Opposition parties in Ankara called it a step toward one-man rule after months of crackdown "
    "and purges.\n\n"
    "The government says the system will bring stability to the country.",
)


def test_the_wider_quarrel_is_on_the_axis(analyser):
    s = analyser.score(SYRIA_EDITORIAL)
    assert s.components["on_topic"] == 1
    assert s.frames["syria_kurds"] > 0.5


@pytest.mark.xfail(strict=True, reason="analyser 2.0.0 reads this Syria editorial as neutral (README: known gaps)")
def test_the_syria_editorial_reads_pro_washington(analyser):
    assert analyser.score(SYRIA_EDITORIAL).label == "pro-Washington"


def test_a_turkish_story_without_the_us_or_nato_stays_neutral(analyser):
    s = analyser.score(DOMESTIC_ONLY)
    assert s.components["on_topic"] == 0
    assert s.label == "neutral"
    assert s.frames["rule_of_law"] > 0  # the loaded words are still visible as a frame


def test_the_core_thread_is_recorded_from_the_text(analyser):
    """The story file's `core:` terms mark articles of the S-400 thread itself; the wider quarrel
    (a Syria editorial) is on the axis but not in the core."""
    assert analyser.score(RELAY_OFFICIAL).core is True  # "S-400" in a scored headline
    assert analyser.score(SYRIA_EDITORIAL).core is False
    assert analyser.score(Article("f35", "Wire", "Jets", "Ankara was removed from the F-35 programme.")).core is True


def test_a_story_without_a_core_block_records_none(tmp_path):
    import yaml

    from analysis.errors import FramingError
    from analysis.lexicon import Lexicon

    story = Path(__file__).resolve().parents[1] / "analysis" / "lexicons" / "s400.yaml"
    data = yaml.safe_load(story.read_text())
    del data["core"]
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(data))
    assert Lexicon.load(plain).core_name is None
    data["core"] = {"name": "", "terms": ["s-400"]}
    plain.write_text(yaml.safe_dump(data))
    with pytest.raises(FramingError, match=r"core\.name"):
        Lexicon.load(plain)
