"""What an entity mention names: the catalogue actor its surface canonicalises to, or a clean unknown name.

Plain functions over strings and spaCy spans, used by the entities stage (:mod:`pipeline.stages.entities`).
"""

from __future__ import annotations

import re

from spacy.tokens import Span

from pipeline.stages.attribution import words
from pipeline.stages.catalogue import QUOTES, SPACE, Catalogue, surface_key

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
_EVENT = re.compile(r"\b(Summit|Conference|Week|Day|Awards?|Challenge|Expo|Festival)$")
_CONNECTORS = frozenset(["of", "for", "and", "the", "de", "on", "in", "&", "at"])
_DEFINED = re.compile(r"\([\"'“‘]?([A-Z][A-Z&]{1,7})[\"'”’]?\)")  # "Connected Health Initiative (CHI)", (“NAM”)


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


def trim_span(span: Span) -> Span | None:
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


def in_headline(span: Span, text: str) -> bool:
    """Whether the line holding ``span`` is in headline case (unknown names there are mostly noise).

    ``text`` is ``span.doc.text``, passed in because spaCy rebuilds it from the tokens on every access.
    """
    start, end = text.rfind("\n", 0, span.start_char) + 1, text.find("\n", span.end_char)
    words = [w for w in re.findall(r"[A-Za-z]{4,}", text[start : end if end >= 0 else len(text)])]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def unknown_name(span: Span) -> str | None:
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
