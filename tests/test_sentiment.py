import pytest
from textblob import TextBlob

import analysis.sentiment as sentiment_mod
from analysis.lexicon import Lexicon
from analysis.sentiment import actor_sentiment, sentence_sentiment


@pytest.fixture(scope="module")
def lex():
    return Lexicon.load()


@pytest.mark.parametrize(
    "text",
    ["Turkey made an excellent and wise decision.", "The terrible sanctions hurt everyone badly.", "The meeting is on Monday."],
)
def test_sentence_sentiment_is_textblobs(text):
    tb = TextBlob(text).sentiment
    assert sentence_sentiment(text) == pytest.approx((tb.polarity, tb.subjectivity))


def test_actor_sentiment_per_group(lex):
    sentences = [
        "Turkey made an excellent and wise decision.",
        "Washington's threats were terrible and stupid.",
        "The weather in the capital was mild.",
    ]
    pol, subj = actor_sentiment(lex, sentences)
    assert set(pol) == {"turkey", "united_states"} == set(subj)
    assert pol["turkey"] > 0 > pol["united_states"]
    assert 0 <= subj["turkey"] <= 1


def test_sentences_without_actors_are_not_analysed(lex, monkeypatch):
    calls = []
    real = sentiment_mod.sentence_sentiment
    monkeypatch.setattr(sentiment_mod, "sentence_sentiment", lambda t: calls.append(t) or real(t))
    actor_sentiment(lex, ["A quiet day in the markets.", "NATO met in Brussels and Russia objected."])
    assert calls == ["NATO met in Brussels and Russia objected."]


def test_mean_over_mentioning_sentences(lex):
    s1, s2 = "Russia is a great partner.", "Russia is a terrible partner."
    pol, _ = actor_sentiment(lex, [s1, s2])
    assert pol["russia"] == pytest.approx((sentence_sentiment(s1)[0] + sentence_sentiment(s2)[0]) / 2, abs=1e-4)
