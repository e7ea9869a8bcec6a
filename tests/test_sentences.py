from analysis.sentences import article_sentences, paragraphs, split_sentences


def test_news_abbreviations_do_not_end_sentences():
    text = (
        "The U.S. Army sent Lt. Col. Ann Ray to Ankara on Dec. 2, 2019. "
        "Gen. Tod Wolters met Rep. Jim Banks there. The talks ended."
    )
    assert split_sentences(text) == [
        "The U.S. Army sent Lt. Col. Ann Ray to Ankara on Dec. 2, 2019.",
        "Gen. Tod Wolters met Rep. Jim Banks there.",
        "The talks ended.",
    ]


def test_sentence_ending_in_us_and_lowercase_no():
    assert split_sentences("Turkey bought the jets from the U.S. The deal collapsed.") == [
        "Turkey bought the jets from the U.S.",
        "The deal collapsed.",
    ]
    # sentencex reads "no." as the abbreviation of "number"; a lowercase "no." ends a sentence.
    assert split_sentences("Sen. Jo Park (R-Ind.) said no. Rep. Eli Grant agreed.") == [
        "Sen. Jo Park (R-Ind.) said no.",
        "Rep. Eli Grant agreed.",
    ]


def test_quotation_with_two_sentences_stays_whole():
    out = split_sentences('The minister said: "We will not back down. This is our right." He left.')
    assert out == ['The minister said: "We will not back down. This is our right."', "He left."]


def test_paragraphs_rejoin_hard_wrapped_lines():
    text = "The talks went on for\nmonths without a result.\n\nA second paragraph.\nA new line here."
    assert paragraphs(text) == [
        "The talks went on for months without a result.",
        "A second paragraph.",
        "A new line here.",
    ]


def test_positions_title_lead_body_and_fragments():
    text = (
        "Ankara says deal is final\n\n"  # the page repeats the title
        "Listen Live\n\n"
        "Turkey will go ahead with the purchase. Officials confirmed it on Monday.\n\n"
        "The first batteries arrive next year. Training has started. Critics object."
    )
    sents = article_sentences("Ankara says deal is final", text)
    assert [s.index for s in sents] == list(range(len(sents)))
    assert sents[0].position == "title" and sents[0].text == "Ankara says deal is final"
    texts = [s.text for s in sents]
    assert texts.count("Ankara says deal is final") == 1
    frag = next(s for s in sents if s.text == "Listen Live")
    assert frag.fragment and frag.position == "body"
    lead = [s.text for s in sents if s.position == "lead"]
    assert lead == ["Turkey will go ahead with the purchase.", "Officials confirmed it on Monday."]
    body = [s for s in sents if s.position != "title"]
    rels = [s.rel for s in body]
    assert rels == sorted(rels) and rels[0] == 0.0 and rels[-1] == 1.0
    assert body[-1].paragraph > body[1].paragraph


def test_article_without_title_has_no_title_sentence():
    sents = article_sentences("", "The first sentence is here. Another one is over there.")
    assert [s.position for s in sents] == ["lead", "lead"]
    assert sents[0].index == 1
