"""Article framing score on the lexicon's axis (+1 = positive side, e.g. pro-Ankara).

Each sentence gets a stance x (lexicon terms, plus the sentence classifier when it is sure),
weighted by whose voice it is in and where it stands; the article score is a diluted weighted
mean of those contributions plus a small voice-balance term, squashed into [-1, 1] with a
neutral dead zone. docs/method.md documents the formula; the constants below are its knobs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.errors import FramingError
from analysis.lexicon import Lexicon, Scan
from analysis.models import LABELS, Article, ArticleScore, Evidence
from analysis.sentences import Sentence, article_sentences
from analysis.sentiment import actor_sentiment
from analysis.voices import ATTRIBUTED, OWN, QUOTE, Voice, sentence_voices, voice_shares

# Bump when the formula or any constant below changes: cached scores are keyed by it.
ANALYSER_CODE_VERSION = "1.2.0"

VOICE_WEIGHT = {OWN: 1.0, ATTRIBUTED: 0.6, QUOTE: 0.35}
PARTISAN_DISCOUNT = 0.5  # a camp speaking for its own side is expected, so it says little
POSITION_WEIGHT = {"title": 2.0, "lead": 1.6}
BODY_DECAY = 0.4  # body sentences weigh 1.0 at the top down to 0.6 at the tail
FRAGMENT_WEIGHT = 0.3  # captions, link lists, tag lines
LAST_WORD_BONUS = 1.5  # the last sentence carrying evidence
LAST_WORD_MIN_BODY = 4  # ... in articles with at least this many prose sentences
LEX_SHARE, CLF_SHARE = 0.65, 0.35  # mix of lexicon and classifier when the classifier is sure
CLF_MIN_PROB = 0.65  # the classifier counts when P(one side) reaches this
NEUTRAL_DILUTION = 0.25  # sentences without evidence still weigh this much in the mean
PRIOR_WEIGHT = 2.0  # pseudo-weight of neutral evidence: a single term cannot make an article extreme
VOICE_BALANCE_WEIGHT = 0.06
OFF_TOPIC_FACTOR = 0.35  # articles that never touch the story's core are scored on it only faintly
DEAD_ZONE = 0.03
GAIN = 3.0
LABEL_THRESHOLD = 0.2
FRAME_MIN_SALIENCE = 0.3  # a zero-weight term still shows which frame is discussed
CLASSIFIER_BATCH = 4096


def position_weight(s: Sentence) -> float:
    """Weight of a sentence's place: title and lead above the body, the body fading to the tail."""
    if s.fragment and s.position != "title":
        return FRAGMENT_WEIGHT
    if s.position in POSITION_WEIGHT:
        return POSITION_WEIGHT[s.position]
    return 1.0 - BODY_DECAY * s.rel


def voice_weight(v: Voice, x: float, camp_side: float) -> float:
    """Weight of a sentence's voice: own > paraphrase > quote; distancing and partisanship lower it."""
    w = VOICE_WEIGHT[v.kind] * (1.0 - v.distancing)
    if v.kind != OWN and camp_side and x * camp_side > 0:
        w *= PARTISAN_DISCOUNT
    return w


def squash(raw: float) -> float:
    """Map the weighted mean onto [-1, 1]; |raw| below DEAD_ZONE is exactly neutral."""
    excess = max(0.0, abs(raw) - DEAD_ZONE)
    return math.copysign(math.tanh(GAIN * excess), raw) if excess else 0.0


def label_of(framing: float, lex: Lexicon | None = None) -> str:
    if framing >= LABEL_THRESHOLD:
        return LABELS[2]
    if framing <= -LABEL_THRESHOLD:
        return LABELS[0]
    return LABELS[1]


@dataclass
class _Prepared:
    article: Article
    sentences: list[Sentence]
    scans: list[Scan]
    voices: list[Voice]
    on_topic: bool
    core: bool  # names the story's core (a `topic` term): the classifier's training domain
    joint: int  # sentences naming both parties of the relationship
    probs: list[tuple[float, float] | None]  # (P(positive side), P(negative side)) per sentence


def _load_classifier(lex: Lexicon):
    """(model, data version) from analysis.classifier, or (None, 'none') when it is not there."""
    try:
        from analysis import classifier
    except ImportError:
        return None, "none"
    if not hasattr(classifier, "load_model") or not hasattr(classifier, "data_version"):
        return None, "none"
    return classifier.load_model(lex), str(classifier.data_version())


def version_string(lex: Lexicon, model_version: str) -> str:
    return f"{ANALYSER_CODE_VERSION}+{lex.story}-{lex.version}.{lex.digest}+clf-{model_version}"


def reader(lexicon_path=None) -> tuple[Lexicon, str]:
    """The lexicon and the version of the analyser `Analyser.load(lexicon_path)` builds, without
    loading the classifier (nor scikit-learn): all that reading stored scores needs."""
    from analysis.training_data import data_version

    lex = lexicon_path if isinstance(lexicon_path, Lexicon) else Lexicon.load(lexicon_path)
    return lex, version_string(lex, data_version())


class Analyser:
    """Scores articles with one lexicon (and the sentence classifier when available).

    Deterministic and picklable, so Dask or multiprocessing can ship it to workers.
    """

    def __init__(self, lexicon: Lexicon, model=None, model_version: str = "none"):
        self.lexicon = lexicon
        self.model = model
        self.model_version = model_version if model is not None else "none"
        self._classes = None
        if model is not None:
            classes = [str(c) for c in getattr(model, "classes_", [])]
            neg, pos = LABELS[0], LABELS[2]
            if neg not in classes or pos not in classes:
                raise FramingError(f"sentence classifier classes {classes} lack {neg!r} or {pos!r}")
            self._classes = (classes.index(pos), classes.index(neg))

    @classmethod
    def load(cls, lexicon_path=None, use_classifier: bool = True) -> "Analyser":
        """Analyser for a lexicon file (default: the S-400 lexicon), with the classifier if present."""
        lex = lexicon_path if isinstance(lexicon_path, Lexicon) else Lexicon.load(lexicon_path)
        model, version = _load_classifier(lex) if use_classifier else (None, "none")
        return cls(lex, model, version)

    @property
    def version(self) -> str:
        """Code version + lexicon story/version/content digest + classifier training-data hash."""
        return version_string(self.lexicon, self.model_version)

    # --- preparation ---------------------------------------------------------------------
    def _prepare(self, article: Article) -> _Prepared:
        lex = self.lexicon
        sentences = article_sentences(article.title, article.text)
        scans = [lex.scan(s.text) for s in sentences]
        voices = sentence_voices(lex, scans, [s.paragraph for s in sentences])
        joint = sum(1 for sc in scans if lex.joint_mention(sc))
        core = (not lex.has_topic) or any(sc.of("topic") for sc in scans)
        on_topic = core or (bool(lex.relevance_parties) and joint >= lex.relevance_min_joint)
        return _Prepared(article, sentences, scans, voices, on_topic, core, joint, [None] * len(sentences))

    @staticmethod
    def _eligible(p: _Prepared, i: int) -> bool:
        """Sentences the classifier reads: prose of articles on the story's core (its training
        domain; the wider quarrel is left to the lexicon) that names a party or holds a term."""
        s, sc = p.sentences[i], p.scans[i]
        if not p.core or (s.fragment and s.position != "title"):
            return False
        return bool(sc.terms or sc.of("actor") or sc.of("camp") or sc.of("subject"))

    def _classify(self, prepared: list[_Prepared]) -> None:
        if self.model is None:
            return
        todo = [(p, i) for p in prepared for i in range(len(p.sentences)) if self._eligible(p, i)]
        pos_col, neg_col = self._classes
        for start in range(0, len(todo), CLASSIFIER_BATCH):
            chunk = todo[start : start + CLASSIFIER_BATCH]
            probs = self.model.predict_proba([p.sentences[i].text for p, i in chunk])
            for (p, i), row in zip(chunk, probs):
                p.probs[i] = (float(row[pos_col]), float(row[neg_col]))

    # --- scoring -------------------------------------------------------------------------
    def score_many(self, articles: list[Article]) -> list[ArticleScore]:
        """Score articles; the classifier reads all their sentences in batches."""
        prepared = [self._prepare(a) for a in articles]
        self._classify(prepared)
        return [self._score(p) for p in prepared]

    def score(self, article: Article) -> ArticleScore:
        """Score one article."""
        return self.score_many([article])[0]

    def _score(self, p: _Prepared) -> ArticleScore:
        lex = self.lexicon
        sides = lex.camp_sides
        rows = []
        for i, (s, sc, v) in enumerate(zip(p.sentences, p.scans, p.voices)):
            lex_sum = sum(t.weight for t in sc.terms)
            e = math.tanh(lex_sum)
            c = None
            if p.probs[i] is not None:
                pa, pw = p.probs[i]
                if max(pa, pw) >= CLF_MIN_PROB:
                    c = pa - pw
            if c is None:
                x, lex_part, clf_part = e, e, 0.0
            else:
                lex_part, clf_part = LEX_SHARE * e, CLF_SHARE * c
                x = lex_part + clf_part
            side = sides.get(v.camp, 0.0) if v.camp else 0.0
            pw_ = position_weight(s)
            vw = voice_weight(v, x, side)
            rows.append([s, sc, v, x, lex_part, clf_part, pw_, vw, 1.0])

        # The last word: the last prose sentence that carries evidence.
        prose = [r for r in rows if r[0].position != "title" and not r[0].fragment]
        if len(prose) >= LAST_WORD_MIN_BODY:
            for r in reversed(prose):
                if abs(r[3]) > 1e-9:
                    r[8] = LAST_WORD_BONUS
                    break

        num = lex_num = clf_num = 0.0
        by_voice = {OWN: 0.0, ATTRIBUTED: 0.0, QUOTE: 0.0}
        top = last_extra = 0.0
        denom = PRIOR_WEIGHT
        mass = abs_sum = 0.0
        n_evidence = 0
        frames = {f: 0.0 for f in lex.frames}
        evidence: list[Evidence] = []
        for s, sc, v, x, lex_part, clf_part, pw_, vw, bonus in rows:
            w = pw_ * vw * bonus
            contrib = w * x
            for t in sc.terms:
                frames[t.frame] += max(abs(t.weight), FRAME_MIN_SALIENCE) * pw_ * VOICE_WEIGHT[v.kind]
            if abs(x) > 1e-9:
                n_evidence += 1
                denom += pw_ * bonus
                mass += pw_ * vw * abs(x)
            elif not s.fragment:
                denom += NEUTRAL_DILUTION * pw_
            num += contrib
            abs_sum += abs(contrib)
            lex_num += w * lex_part
            clf_num += w * clf_part
            by_voice[v.kind] += contrib
            if s.position in ("title", "lead"):
                top += contrib
            if bonus != 1.0:
                last_extra += contrib - contrib / bonus
            if abs(contrib) > 1e-9 or sc.terms:
                evidence.append(
                    Evidence(
                        index=s.index,
                        sentence=s.text,
                        contribution=round(contrib, 6),
                        terms=[t.term + (" [negated]" if t.negated else "") + (" [hedged]" if t.hedged else "")
                               for t in sc.terms],
                        speaker=v.speaker,
                        side=v.camp,
                        frames=sorted({t.frame for t in sc.terms}),
                    )
                )

        shares = voice_shares(p.voices, [len(s.text) for s in p.sentences])
        balance = sum(share * sides.get(c, 0.0) for c, share in shares.items())
        relevance = 1.0 if p.on_topic else OFF_TOPIC_FACTOR
        content = relevance * num / denom
        raw = content + relevance * VOICE_BALANCE_WEIGHT * balance
        framing = round(squash(raw), 4)
        label = label_of(framing)
        amount = 1.0 - math.exp(-mass / 1.5)
        agreement = abs(num) / abs_sum if abs_sum > 1e-12 else 0.0
        if label == LABELS[1]:
            confidence = (1.0 - abs(framing) / LABEL_THRESHOLD) * (0.5 + 0.5 * (1.0 - amount * agreement))
        else:
            confidence = amount * (0.5 + 0.5 * agreement)
        total_frames = sum(frames.values())
        frames = {f: round(v / total_frames, 4) if total_frames else 0.0 for f, v in frames.items()}
        evidence.sort(key=lambda e: (-abs(e.contribution), e.index))
        sentiment, subjectivity = actor_sentiment(lex, [s.text for s in p.sentences], p.scans)
        components = {
            "lexicon": lex_num * relevance / denom,
            "classifier": clf_num * relevance / denom,
            "own_voice": by_voice[OWN] * relevance / denom,
            "attributed": by_voice[ATTRIBUTED] * relevance / denom,
            "quoted": by_voice[QUOTE] * relevance / denom,
            "title_lead": top * relevance / denom,
            "last_word": last_extra * relevance / denom,
            "content": content,
            "voice_balance": relevance * VOICE_BALANCE_WEIGHT * balance,
            "relevance": relevance,
            "raw": raw,
            "weight": denom,
            "evidence_mass": mass,
            "agreement": agreement,
            "n_evidence": float(n_evidence),
            "on_topic": 1.0 if p.on_topic else 0.0,
            "joint_sentences": float(p.joint),
        }
        return ArticleScore(
            content_hash=p.article.content_hash,
            analyser_version=self.version,
            framing=framing,
            label=label,
            confidence=round(max(0.0, min(1.0, confidence)), 4),
            frames=frames,
            voices=shares,
            sentiment=sentiment,
            subjectivity=subjectivity,
            components={k: round(float(v), 6) for k, v in components.items()},
            evidence=evidence,
            n_sentences=len(p.sentences),
        )
