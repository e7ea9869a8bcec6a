"""Article framing on the story's axis (+1 = the positive pole, e.g. pro-Ankara), learned end to end.

1. The article's scored sentences (`sentences.scored_sentences`: the headline the source gave,
   then the prose; never a title made from the address) each get P(label) from the stance model
   (`analysis.stance`), read in batches.
2. The article level (`analysis.article`) turns them, by position and voice, into calibrated
   P(label) over the story's labels (its `axis:` block): `label` is the most probable label,
   `confidence` its probability, and `framing` = P(positive) - P(negative).
3. `evidence` lists each sentence with its exact share of the decision (`contribution`, in
   calibrated log-odds of the positive over the negative side), the lexicon terms it names (for
   highlighting), its speaker and camp.
Frames (which lexicon frames the article talks about), voices (whose words fill it) and
sentiment (TextBlob polarity toward each actor group) are reported beside the score, never
inside it. docs/method.md documents the method and how each constant was chosen.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.article import FEATURE_NAMES, ArticleModel, SentenceReading, sentence_shares, sentence_terms
from analysis.axis import NEGATIVE, POSITIVE
from analysis.errors import FramingError
from analysis.lexicon import Lexicon, Scan
from analysis.models import Article, ArticleScore, Evidence
from analysis.sentences import Sentence, scored_sentences
from analysis.sentiment import actor_sentiment
from analysis.voices import Voice, sentence_voices, voice_shares

# Bump when this module's method changes: cached scores are keyed by it.
ANALYSER_CODE_VERSION = "2.0.0"
CLASSIFIER_BATCH = 4096


def version_string(lex: Lexicon, stance_version: str, article_digest: str | None = None) -> str:
    """Code + story file + stance model, and the digest of a store's own article model when it
    has one (analysis/store_model.py); the story's default article model follows from the rest."""
    return with_article_model(f"{ANALYSER_CODE_VERSION}+{lex.story}-{lex.version}.{lex.digest}+stance-{stance_version}",
                              article_digest)


def with_article_model(version: str, article_digest: str | None) -> str:
    """The version of the analyser `version` when it scores with a store's own article model."""
    return f"{version}+article-{article_digest}" if article_digest else version


def stance_version(lex: Lexicon) -> str:
    """Training data + model spec + lexicon: what the stance model and the article model depend on."""
    from analysis.training_data import data_version, lexicon_tag

    return f"{data_version(lex.training)}.{lexicon_tag(lex)}"


def reader(lexicon_path=None, store=None) -> tuple[Lexicon, str]:
    """The lexicon and the version of the analyser `Analyser.load(lexicon_path, store)` builds,
    without loading the models (nor scikit-learn): all that reading stored scores needs."""
    from analysis.store_model import active_digest

    lex = lexicon_path if isinstance(lexicon_path, Lexicon) else Lexicon.load(lexicon_path)
    return lex, version_string(lex, stance_version(lex), active_digest(store) if store is not None else None)


@dataclass
class _Prepared:
    article: Article
    sentences: list[Sentence]
    scans: list[Scan]
    voices: list[Voice]
    on_topic: bool
    in_core: bool | None  # in the story's core thread (None: the story names none)
    probs: np.ndarray  # (n_sentences, 3) in the story's label order


class SentenceReader:
    """The sentence half of the analyser: splits an article, finds voices, reads each sentence's
    P(label) with the stance model (in batches). Fitting the article model needs only this."""

    def __init__(self, lexicon: Lexicon, stance_model):
        classes = [str(c) for c in getattr(stance_model, "classes_", [])]
        if classes != list(lexicon.labels):
            raise FramingError(f"stance model classes {classes} are not the story's labels {list(lexicon.labels)}")
        from analysis.stance import share_lexicon  # scikit-learn: only where sentences are read

        self.lexicon = lexicon
        self.stance_model = share_lexicon(stance_model, lexicon)

    @classmethod
    def load(cls, lexicon_path=None) -> "SentenceReader":
        from analysis.stance import load_model

        lex = lexicon_path if isinstance(lexicon_path, Lexicon) else Lexicon.load(lexicon_path)
        return cls(lex, load_model(lex))

    def prepare(self, articles: list[Article]) -> list[_Prepared]:
        """Articles with their sentences, voices and P(label) per sentence. Sentences go to the
        stance model in batches of about CLASSIFIER_BATCH, right after they were scanned (so the
        model's marker finds their scans in the lexicon's cache)."""
        out: list[_Prepared] = []
        batch: list[_Prepared] = []
        pending = 0
        for article in articles:
            p = self._prepare(article)
            out.append(p)
            batch.append(p)
            pending += len(p.sentences)
            if pending >= CLASSIFIER_BATCH:
                self._classify(batch)
                batch, pending = [], 0
        self._classify(batch)
        return out

    def _classify(self, batch: list[_Prepared]) -> None:
        texts = [s.text for p in batch for s in p.sentences]
        if not texts:
            return
        probs = self.stance_model.predict_proba(texts)
        start = 0
        for p in batch:
            p.probs[:] = probs[start : start + len(p.sentences)]
            start += len(p.sentences)

    def _prepare(self, article: Article) -> _Prepared:
        lex = self.lexicon
        sentences = scored_sentences(article)
        scans = [lex.scan(s.text) for s in sentences]
        voices = sentence_voices(lex, scans, [s.paragraph for s in sentences])
        joint = sum(1 for sc in scans if lex.joint_mention(sc))
        named = (not lex.has_topic) or any(sc.of("topic") for sc in scans)
        on_topic = named or (bool(lex.relevance_parties) and joint >= lex.relevance_min_joint)
        in_core = any(sc.of("core") for sc in scans) if lex.core_name else None
        return _Prepared(article, sentences, scans, voices, on_topic, in_core,
                         np.zeros((len(sentences), len(lex.labels))))

    @staticmethod
    def readings(p: _Prepared) -> list[SentenceReading]:
        return [
            SentenceReading(s.index, s.position, tuple(float(x) for x in row))
            for s, row in zip(p.sentences, p.probs)
        ]

    def sentence_readings(self, articles: list[Article]) -> list[list[SentenceReading]]:
        """What the article level reads of each article (for fitting and evaluating it)."""
        return [self.readings(p) for p in self.prepare(articles)]


class Analyser:
    """Scores articles: the sentence reader (lexicon + stance model), then the article model.

    Deterministic and picklable, so Dask or multiprocessing can ship it to workers.
    """

    def __init__(self, reader: SentenceReader, article_model: ArticleModel, article_digest: str | None = None):
        """`article_digest` names a store's own article model; None for the story's default."""
        self.stance_version = stance_version(reader.lexicon)
        fitted_for = article_model.fitted_on.get("stance_version")
        if fitted_for != self.stance_version:
            which, command = ((f"the store's article model {article_digest}", "train --with-annotations --db STORE")
                              if article_digest else ("the article model", "train"))
            raise FramingError(f"{which} was fitted on stance model {fitted_for}, not on the current "
                               f"{self.stance_version}: run `python -m analysis {command}`")
        self.reader = reader
        self.lexicon = reader.lexicon
        self.article_model = article_model
        self.article_digest = article_digest

    @classmethod
    def load(cls, lexicon_path=None, store=None) -> "Analyser":
        """Analyser for a story file (default: the S-400 story), with the models it names, or with
        the article model of `store` when it holds one (analysis/store_model.py)."""
        reader = SentenceReader.load(lexicon_path)
        lex = reader.lexicon
        analyser = cls(reader, ArticleModel.load(lex.training.article_model, lex.labels))
        return analyser.for_store(store) if store is not None else analyser

    def for_store(self, store) -> "Analyser":
        """This analyser with the store's active article model (or the story's default when the
        store has none): itself when that is the model it holds already. Cheap (one small read),
        so a long-running worker asks between jobs and follows a retraining."""
        from analysis.store_model import active_digest, active_model

        digest = active_digest(store)
        if digest == self.article_digest:
            return self
        if digest is None:
            lex = self.lexicon
            return Analyser(self.reader, ArticleModel.load(lex.training.article_model, lex.labels))
        stored = active_model(store, self.lexicon.labels)
        return Analyser(self.reader, stored.model, stored.digest)

    @property
    def version(self) -> str:
        """Code version + lexicon story/version/content digest + stance model (data and spec) +
        the store's own article model, if any."""
        return version_string(self.lexicon, self.stance_version, self.article_digest)

    # --- scoring -------------------------------------------------------------------------
    def score_many(self, articles: list[Article]) -> list[ArticleScore]:
        """Score articles; the stance model reads all their sentences in batches."""
        return [self._score(p) for p in self.reader.prepare(articles)]

    def score(self, article: Article) -> ArticleScore:
        """Score one article."""
        return self.score_many([article])[0]

    def _score(self, p: _Prepared) -> ArticleScore:
        lex = self.lexicon
        readings = self.reader.readings(p)
        terms = sentence_terms(readings)
        x = terms.sum(axis=0)
        proba = self.article_model.predict_proba(x)[0]
        k = int(np.argmax(proba))
        contrib = self.article_model.contributions(terms, sentence_shares(readings))

        frames = {f: 0.0 for f in lex.frames}
        evidence: list[Evidence] = []
        for s, sc, v, c in zip(p.sentences, p.scans, p.voices, contrib):
            for t in sc.terms:
                frames[t.frame] += 1.0
            evidence.append(
                Evidence(
                    index=s.index,
                    sentence=s.text,
                    contribution=round(float(c), 6),
                    terms=[t.term + (" [negated]" if t.negated else "") + (" [hedged]" if t.hedged else "")
                           for t in sc.terms],
                    speaker=v.speaker,
                    side=v.camp,
                    frames=sorted({t.frame for t in sc.terms}),
                )
            )
        total = sum(frames.values())
        frames = {f: round(n / total, 4) if total else 0.0 for f, n in frames.items()}
        evidence.sort(key=lambda e: (-abs(e.contribution), e.index))
        shares = voice_shares(p.voices, [len(s.text) for s in p.sentences])
        sentiment, subjectivity = actor_sentiment(lex, [s.text for s in p.sentences], p.scans)
        components = {f"P({lab})": float(proba[j]) for j, lab in enumerate(lex.labels)}
        components.update({name: float(v) for name, v in zip(FEATURE_NAMES, x)})
        components["on_topic"] = 1.0 if p.on_topic else 0.0
        return ArticleScore(
            content_hash=p.article.content_hash,
            analyser_version=self.version,
            framing=round(float(proba[POSITIVE] - proba[NEGATIVE]), 4),
            label=lex.labels[k],
            confidence=round(float(proba[k]), 4),
            frames=frames,
            voices=shares,
            sentiment=sentiment,
            subjectivity=subjectivity,
            components={key: round(val, 6) for key, val in components.items()},
            evidence=evidence,
            n_sentences=len(p.sentences),
            core=p.in_core,
        )
