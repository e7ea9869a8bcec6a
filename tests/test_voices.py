import pytest

from analysis.lexicon import Lexicon
from analysis.sentences import article_sentences
from analysis.voices import ATTRIBUTED, OWN, QUOTE, sentence_voices, voice_shares


@pytest.fixture(scope="module")
def lex():
    return Lexicon.load()


def voices_of(lex, text, title=""):
    sents = article_sentences(title, text)
    scans = [lex.scan(s.text) for s in sents]
    vs = sentence_voices(lex, scans, [s.paragraph for s in sents])
    return sents, vs


def test_own_voice_paraphrase_and_quote(lex):
    text = (
        "Turkey took delivery of the first batteries in July.\n\n"
        "Foreign Minister Mevlut Cavusoglu said the purchase was a settled matter.\n\n"
        '"Nobody can tell us which weapons to buy for our own defence," Cavusoglu told reporters.'
    )
    sents, vs = voices_of(lex, text)
    assert vs[0].kind == OWN and vs[0].camp is None
    assert vs[1].kind == ATTRIBUTED and vs[1].camp == "turkey_gov"
    assert vs[2].kind == QUOTE and vs[2].camp == "turkey_gov" and vs[2].quote_share > 0.5


def test_pronoun_carries_the_last_named_speaker(lex):
    text = (
        "Secretary of State Mike Pompeo spoke in Brussels on Tuesday.\n\n"
        "He said the alliance could not accept a Russian radar inside its network."
    )
    _, vs = voices_of(lex, text)
    assert vs[1].kind == ATTRIBUTED and vs[1].camp == "us_gov"


def test_according_to_and_inverted_said(lex):
    _, vs = voices_of(lex, "The deal was final, according to a Kremlin spokesman.\n\n"
                           '"We keep our word," said the Russian ambassador in Ankara.')
    assert [v.camp for v in vs] == ["russia_gov", "russia_gov"]


def test_role_introduces_a_name_for_the_whole_article(lex):
    text = (
        "Defence analyst Selin Arkan has followed the talks for years.\n\n"
        "Arkan said both capitals misread each other."
    )
    _, vs = voices_of(lex, text)
    assert vs[1].camp == "analysts" and vs[1].speaker == "Arkan"


def test_appositive_speaker_before_the_verb(lex):
    _, vs = voices_of(lex, "Dana Price, a professor at a university in Ohio, told the committee that sanctions work.")
    assert vs[0].kind == ATTRIBUTED and vs[0].camp == "analysts"


def test_told_is_followed_by_the_listener_not_the_speaker(lex):
    _, vs = voices_of(lex, "The figures are correct, a defence source told Reuters on Friday.")
    assert vs[0].kind == ATTRIBUTED and vs[0].speaker != "Reuters"


def test_distancing_verbs_and_scare_quotes(lex):
    _, vs = voices_of(lex, "Turkish officials said the radar will stay separate.\n\n"
                           "Turkish officials claimed the radar will stay separate.\n\n"
                           "The 'sovereign choice' was made in a hurry last year.")
    assert vs[0].distancing == 0.0
    assert vs[1].distancing >= 0.5
    assert vs[2].kind == OWN and vs[2].distancing > 0


def test_quote_running_over_two_sentences_keeps_the_speaker(lex):
    text = 'Defence Minister Hulusi Akar said: "The system is ours. It will be switched on when we decide.'
    sents, vs = voices_of(lex, text + '"')
    assert all(v.camp == "turkey_gov" for v in vs)
    assert vs[-1].kind == QUOTE


def test_shares_sum_to_one_over_attributed_text(lex):
    text = (
        "The system arrived in July.\n\n"
        "Erdogan said the deal was done.\n\n"
        "A Pentagon spokesman said the jets were at risk."
    )
    sents, vs = voices_of(lex, text)
    shares = voice_shares(vs, [len(s.text) for s in sents])
    assert set(shares) == {"turkey_gov", "us_gov"}
    assert abs(sum(shares.values()) - 1.0) < 1e-3


def test_no_attribution_gives_empty_shares(lex):
    sents, vs = voices_of(lex, "The system arrived in July. Training began at once.")
    assert voice_shares(vs, [len(s.text) for s in sents]) == {}
    assert all(v.kind == OWN for v in vs)


def test_verb_inside_a_name_is_not_attribution(lex):
    _, vs = voices_of(lex, "Relations between the United States and Turkey cooled over the purchase.")
    assert vs[0].kind == OWN
