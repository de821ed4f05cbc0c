"""Article text by a vote of extractors.

trafilatura run three ways (precision, balanced, recall), readability-lxml and jusText each propose a text. The
recall run's paragraphs are the candidates; a paragraph is kept when most extractors also found it (measured by
4-gram shingle containment), which drops comments, teasers and link lists that one extractor let through
while keeping the paragraphs that a precise run alone would miss. Guards fall back to trafilatura's balanced
output when the vote looks wrong (too little kept, or too few extractors answered).
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4
SUPPORT = 0.5  # share of a paragraph's shingles another extraction must contain to count as a vote
# Short lines that are site furniture whichever extractor let them through.
_FURNITURE = re.compile(
    r"^\W*(advertisement|sponsored( content)?|share( this)?( article| story| on \w+)?|read more\W*|related"
    r"( articles| stories| coverage)?|(sign up|subscribe)\b.{0,60}|follow us\b.{0,40}|click here\b.{0,40})\W*$",
    re.I,
)
MIN_SHARE = 0.6  # the vote must keep at least this share of the balanced extraction's length


Extractor = Callable[[HtmlElement, str | None], str]


def _trafilatura(*, favor_precision: bool = False, favor_recall: bool = False) -> Extractor:
    def run(tree: HtmlElement, url: str | None) -> str:
        text = trafilatura.extract(
            copy.deepcopy(tree), url=url, include_comments=False, include_tables=True,
            favor_precision=favor_precision, favor_recall=favor_recall,
        )  # fmt: skip
        return text or ""

    return run


def _readability(tree: HtmlElement, url: str | None) -> str:
    from readability import Document as Readable

    try:
        summary = Readable(etree.tostring(tree, encoding="unicode"), url=url).summary(html_partial=True)
    except Exception as err:  # readability raises bare Exceptions on odd pages  # noqa: BLE001
        logger.debug("readability failed on %s: %s", url, err)
        return ""
    try:
        root = lxml.html.fromstring(summary)
    except (etree.ParserError, ValueError):
        return ""
    blocks = root.xpath("//p|//h2|//h3|//h4|//li|//blockquote|//pre|//td")
    lines = [" ".join(b.text_content().split()) for b in blocks if not b.xpath(".//p")]
    return "\n".join(line for line in lines if line)


def _justext(tree: HtmlElement, url: str | None) -> str:
    import justext

    try:
        html = etree.tostring(tree, encoding="utf-8")
        paras = justext.justext(html, justext.get_stoplist("English"), encoding="utf-8")
    except Exception as err:  # noqa: BLE001 - jusText fails on some trees; it is one voter of five
        logger.debug("justext failed on %s: %s", url, err)
        return ""
    return "\n".join(p.text for p in paras if not p.is_boilerplate)


EXTRACTORS: dict[str, Extractor] = {
    "precision": _trafilatura(favor_precision=True),
    "balanced": _trafilatura(),
    "recall": _trafilatura(favor_recall=True),
    "readability": _readability,
    "justext": _justext,
}


def shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def vote(candidates: dict[str, str]) -> str:
    """Keep the recall run's paragraphs that a majority of the extractions contain."""
    base = candidates.get("recall") or candidates.get("balanced") or ""
    voters = {name: shingles(text) for name, text in candidates.items() if text.strip() and name != "recall"}
    if len(voters) < 2:
        return candidates.get("balanced") or base
    need = (len(voters) + 1) // 2  # a majority of the other extractors (the recall run votes for itself)
    kept = []
    for para in base.split("\n"):
        own = shingles(para)
        if not own or (len(para) < 80 and _FURNITURE.match(para.strip())):
            continue
        votes = sum(len(own & other) >= SUPPORT * len(own) for other in voters.values())
        if votes >= need:
            kept.append(para)
    text = "\n".join(kept)
    balanced = candidates.get("balanced", "")
    if len(text) < MIN_SHARE * len(balanced):
        return balanced
    return text


def candidates(tree: HtmlElement, *, url: str | None = None, names: tuple[str, ...] | None = None) -> dict[str, str]:
    return {name: fn(tree, url) for name, fn in EXTRACTORS.items() if names is None or name in names}


def article_text(tree: HtmlElement, *, url: str | None = None) -> str | None:
    """The article's text, paragraphs separated by newlines; None when nothing was found."""
    text = vote(candidates(tree, url=url))
    return text or None
