import csv
import pickle
import re
from pathlib import Path

import pytest

from analysis.errors import FramingError
from analysis.lexicon import DEFAULT_LEXICON, Lexicon, fold

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture(scope="module")
def lex():
    return Lexicon.load()


def net(lex, sentence):
    return sum(m.weight for m in lex.match(sentence))


def test_contract_attributes(lex):
    assert lex.story == "s400" and lex.version
    assert {"security_sovereignty", "alliance_cohesion", "sanctions_pressure", "technology_industry",
            "partner_reliability", "russia_threat"} <= set(lex.frames)
    assert {"turkey_gov", "us_gov", "nato", "russia_gov", "analysts", "other"} <= set(lex.camps)
    assert lex.camp_sides["turkey_gov"] > 0 > lex.camp_sides["us_gov"]
    assert lex.camp_sides["nato"] < 0 < lex.camp_sides["russia_gov"] and lex.camp_sides["analysts"] == 0
    assert set(lex.actors) == {"turkey", "united_states", "nato", "russia"}
    assert all(isinstance(d, str) and isinstance(label, str) for d, label in lex.events)


def test_events_follow_the_shared_event_dates(lex):
    path = CORPUS / "s400-events.csv"
    if not path.exists():
        pytest.skip("../shared/corpus not available")
    with path.open(encoding="utf-8") as f:
        dates = [row["date"] for row in csv.DictReader(f)]
    assert [d for d, _ in lex.events] == dates


def test_sides_of_terms(lex):
    assert net(lex, "Buying air defence is Turkey's sovereign right.") > 0.5
    assert net(lex, "Washington calls the system incompatible with NATO.") < -0.5
    assert net(lex, "The sanctions amount to bullying by an ally.") > 0.5
    assert net(lex, "The radar could collect data on the F-35.") < 0


def test_neutral_mentions_carry_no_weight(lex):
    s = "The US imposed sanctions on Turkey, a NATO member, over the F-35 and the Patriot talks."
    matches = lex.match(s)
    assert matches, "neutral terms are still matched, for the frames"
    assert abs(sum(m.weight for m in matches)) <= 0.2


def test_negation_flips(lex):
    plain = lex.match("The S-400 is a threat to NATO.")
    negated = lex.match("The S-400 poses no threat to NATO.")
    assert plain[0].weight < 0 and not plain[0].negated
    assert negated[0].weight > 0 and negated[0].negated
    assert net(lex, "It will not pose a threat to the alliance.") > 0
    assert net(lex, "Ankara rejected claims that the deal undermines the alliance.") > 0


def test_negation_stops_at_clause_and_ignores_not_only(lex):
    assert net(lex, "It is not only a threat to the alliance, it is reckless.") < 0
    assert net(lex, "Officials did not comment, but the system is a threat to NATO.") < 0


def test_hedges_damp(lex):
    firm = lex.match("The purchase undermines the alliance.")[0]
    soft = lex.match("The purchase could undermine the alliance.")[0]
    assert soft.hedged and not firm.hedged
    assert firm.weight < soft.weight < 0


def test_longest_match_and_surface_text(lex):
    ms = lex.match("They called it incompatible with NATO systems.")
    assert len(ms) == 1 and ms[0].term == "incompatible with NATO"
    s = "Erdogan defended Turkey’s sovereign right."
    m = lex.match(s)[0]
    assert s[m.start : m.end] == m.term == "sovereign right"


def test_accents_and_dotless_i_are_folded(lex):
    s = "İbrahim Kalın and Mevlüt Çavuşoğlu spoke."
    assert len(fold(s)) == len(s)
    camps = [(s[h.start : h.end], h.payload) for h in lex.scan(s).of("camp")]
    assert ("Kalın", "turkey_gov") in camps and ("Çavuşoğlu", "turkey_gov") in camps


def test_us_is_case_sensitive(lex):
    assert lex.mentions("The US sent a delegation.") == {"united_states"}
    assert lex.mentions("He told us about the talks.") == set()


def test_another_story_needs_only_another_file():
    dam = Lexicon.load(FIXTURES / "river_dam" / "story.yaml")
    assert dam.story == "river_dam" and set(dam.frames) == {"development", "water_rights"}
    assert sum(m.weight for m in dam.match("The dam brings clean energy.")) > 0
    assert sum(m.weight for m in dam.match("The river is drying up, an existential threat.")) < 0
    assert sum(m.weight for m in dam.match("The dam is not an existential threat.")) > 0


def test_wider_dispute_vocabulary_has_sides(lex):
    # the outlet's words for the Syria offensive and Turkey's rule of law, both ways
    assert net(lex, "Turkey pressed its invasion and its assault on US-allied Kurdish fighters.") < -0.5
    assert net(lex, "Critics speak of ethnic cleansing and of a crackdown that jailed journalists.") < -0.5
    assert net(lex, "The army hit the terrorist YPG to stop a terror corridor on its border.") > 0.5
    assert net(lex, "Washington keeps arming terrorists and harboring the coup plotters.") > 0.5
    # neutral register moves nothing: the frame shows, the score does not
    for s in ("Turkish troops began the offensive after the US withdrawal.",
              "The military operation continued despite the cease-fire talks on Syria.",
              "The Gulenist movement and the coup attempt were discussed."):
        assert net(lex, s) == 0, s
    # Erdogan rejecting the word is not the outlet using it
    assert net(lex, "Erdogan warned Europe not to call the incursion into northern Syria an invasion.") > 0


def test_joint_mentions_need_both_parties(lex):
    both = lex.scan("Turkey and the United States argued over the Kurds.")
    one = lex.scan("Turkey held a referendum on presidential powers.")
    assert lex.joint_mention(both) and not lex.joint_mention(one)
    assert lex.relevance_min_joint >= 2


def test_lexicon_pickles(lex):
    back = pickle.loads(pickle.dumps(lex))
    s = "The S-400 poses no threat to NATO, said Erdogan."
    assert back.match(s) == lex.match(s)


def _write(tmp_path, text):
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD = DEFAULT_LEXICON.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda t: t.replace("story: s400", ""), "story"),
        (lambda t: re.sub(r'(?m)^version: "[^"]*"', "version:", t), "version"),
        (lambda t: t.replace("parties: [[turkey], [united_states, nato]]", "parties: [[turkey], [usa]]"), "relevance.parties[1]"),
        (lambda t: t.replace("parties: [[turkey], [united_states, nato]]", "parties: [[turkey]]"), "relevance.parties"),
        (lambda t: t.replace("min_joint_sentences: 2", "min_joint_sentences: 0"), "relevance.min_joint_sentences"),
        (lambda t: t.replace("  sanctions_pressure:\n    - ", "  sanctionz:\n    - ", 1), "terms.sanctionz"),
        (lambda t: t.replace('["sovereign right*", 1.0]', '["sovereign right*", 7]'), "terms.security_sovereignty[0]"),
        (lambda t: t.replace('["sovereign right*", 1.0]', '["so*", 1.0]'), "terms.security_sovereignty[0]"),
        (lambda t: t.replace("    side: -1\n", "    side: left\n", 1), "camps.us_gov.side"),
        (lambda t: t.replace('date: "2017-09-12"', 'date: "12/09/2017"'), "events[0].date"),
    ],
)
def test_bad_lexicon_names_file_and_field(tmp_path, edit, field):
    p = _write(tmp_path, edit(GOOD))
    with pytest.raises(FramingError) as err:
        Lexicon.load(p)
    msg = str(err.value)
    assert str(p) in msg and field in msg
    assert "\n" not in msg


def test_unreadable_and_non_yaml(tmp_path):
    with pytest.raises(FramingError, match="cannot read lexicon"):
        Lexicon.load(tmp_path / "missing.yaml")
    with pytest.raises(FramingError, match="not valid YAML"):
        Lexicon.load(_write(tmp_path, "story: [unclosed"))
    with pytest.raises(FramingError, match="must be a mapping"):
        Lexicon.load(_write(tmp_path, "- a\n- b\n"))
