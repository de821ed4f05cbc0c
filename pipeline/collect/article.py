"""Article text by a vote of extractors.

trafilatura run three ways (precision, balanced, recall), readability-lxml and jusText each propose a text. The
recall run's lines are the candidates; a line is kept when most other extractors also found it (4-gram shingle
containment, or the exact word run for lines too short to shingle, such as headings and CJK sentences), which
drops comments, teasers and link lists that one extractor let through while keeping the lines that a precise
run alone would miss. When the vote keeps too little, the whole extraction that agrees most with the others is
taken instead. Last, the page title repeated at the top and a trailing "related / comments" block are cut, as
article-body ground truths leave them out.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import statistics
from collections.abc import Callable, Iterable

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
MIN_SHARE = 0.6  # the vote must keep at least this share of the median extraction's length
# Headings that open the end matter (teasers, comments) when they come after the middle of the text.
_TAIL = re.compile(
    r"^\W*(more (must-reads|stories|news)( from .{1,30})?|more from .{1,30}|you might also like"
    r"|related( articles| stories| videos| posts| coverage| content)?|recommended( for you| stories)?"
    r"|read (more|next)|comments?( \(\d+\))?|loading comments"
    r"|most (read|popular)|other .{0,30}columns|trending( now)?|latest (news|stories)|also on .{0,30}"
    r"|leave a (comment|reply)|join the (conversation|discussion)|see more (photos|pictures)"
    r"|coment(ar|arios?)|kommentare?|commentaires?|commenti)\W*$",
    re.I,
)
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# Short lines that open an extraction with a byline, a dateline or tags rather than the article.
_BYLINE = re.compile(
    r"^(by|por|von|par|di)\s|^(topics|tags|filed under|posted|published|updated)\b"
    rf"|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b|\b{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b",
    re.I,
)
WHOLE = ("precision", "balanced", "recall", "readability")  # extractors whose whole text may stand alone
_SECONDS = frozenset(("readability", "justext"))  # the voters that are not trafilatura runs


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


_STOPLISTS = ("English", "French", "Spanish", "German", "Portuguese", "Italian", "Dutch")


@functools.cache
def _stoplists() -> tuple[frozenset[str], ...]:
    """jusText's stoplists of ``_STOPLISTS``, read from its package files once."""
    import justext

    return tuple(justext.get_stoplist(lang) for lang in _STOPLISTS)


def _stoplist(tree: HtmlElement) -> frozenset[str]:
    """jusText's stoplist for the page's language: the one whose words are most frequent in its text."""
    words = [w.lower() for w in _tokens(tree.text_content()[:50_000])]
    return max(_stoplists(), key=lambda stop: sum(w in stop for w in words))


def _justext(tree: HtmlElement, url: str | None) -> str:
    import justext

    try:
        html = etree.tostring(tree, encoding="utf-8")
        paras = justext.justext(html, _stoplist(tree), encoding="utf-8")
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


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _grams(tokens: list[str], n: int = SHINGLE) -> set[tuple[str, ...]]:
    """Every run of ``n`` consecutive tokens (none when there are fewer)."""
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    tokens = _tokens(text)
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return _grams(tokens, n)


class _Voter:
    """One extraction, ready to say whether it contains a line: by shingles, or word for word when short."""

    def __init__(self, text: str) -> None:
        tokens = _tokens(text)
        self.shingles = _grams(tokens)
        self.joined = f" {' '.join(tokens)} "

    def contains(self, tokens: list[str]) -> bool:
        if len(tokens) < SHINGLE:  # headings, short lines, most CJK sentences: look for the exact word run
            return f" {' '.join(tokens)} " in self.joined
        own = _grams(tokens)
        return len(own & self.shingles) >= SUPPORT * len(own)


def agreement(a: str, b: str) -> float:
    """Shingle F1 between two extractions (1.0 when identical, 0.0 when disjoint or one is empty)."""
    sa, sb = shingles(a), shingles(b)
    return 2 * len(sa & sb) / (len(sa) + len(sb)) if sa and sb else 0.0


def consensus(candidates: dict[str, str]) -> str:
    """The whole extraction that agrees most with the others: a fallback that needs no majority per line."""
    texts = {name: text for name, text in candidates.items() if text.strip()}
    pool = [name for name in WHOLE if name in texts] or list(texts)
    if not pool:
        return ""
    best = max(pool, key=lambda n: sum(agreement(texts[n], texts[m]) for m in texts if m != n))
    return texts[best]


def vote(candidates: dict[str, str], *, titles: Iterable[str] = ()) -> str:
    """Keep the recall run's lines that a majority of the other extractions contain, minus title and tail.

    Outside the core (the first to the last line that readability or jusText also found), a line needs one of
    those two as well: there the trafilatura runs agree among themselves on footers and signatures."""
    base = candidates.get("recall") or candidates.get("balanced") or ""
    voters = {name: _Voter(text) for name, text in candidates.items() if text.strip() and name != "recall"}
    if len(voters) < 2:
        return candidates.get("balanced") or base
    need = (len(voters) + 1) // 2  # a majority of the other extractors (the recall run votes for itself)
    lines = base.split("\n")
    tokens = [_tokens(line) for line in lines]
    support = [{name for name, voter in voters.items() if toks and voter.contains(toks)} for toks in tokens]
    seconded = [bool(found & _SECONDS) for found in support]
    core = [i for i, ok in enumerate(seconded) if ok]
    outside = bool(_SECONDS & voters.keys()) and bool(core)  # without those voters there is no core to be outside
    kept = []
    for i, line in enumerate(lines):
        if not tokens[i] or (len(line) < 80 and _FURNITURE.match(line.strip())):
            continue
        if outside and not seconded[i] and not core[0] <= i <= core[-1]:
            continue
        if len(support[i]) >= need:
            kept.append(line)
    text = "\n".join(_without_repeated_runs(kept))
    # Too little kept means the extractors disagree on where the article is: take the most agreed-on whole.
    if len(text) < MIN_SHARE * statistics.median(len(t) for t in candidates.values() if t.strip()):
        text = consensus(candidates)
    return trim(text, titles=titles)


def _without_repeated_runs(lines: list[str], run: int = 4, min_words: int = 10) -> list[str]:
    """Drop a run of ``run`` or more lines that repeats, line for line, lines kept before it (a block an extractor
    emitted twice). Single repeated lines, such as code or table cells, stay."""
    keys = [" ".join(_tokens(line)).lower() for line in lines]
    out, i = [], 0
    while i < len(lines):
        for j in range(i - run + 1):
            n = 0
            while i + n < len(lines) and j + n < i and keys[j + n] and keys[j + n] == keys[i + n]:
                n += 1
            if n >= run and sum(len(k.split()) for k in keys[i : i + n]) >= min_words:
                i += n
                break
        else:
            out.append(lines[i])
            i += 1
    return out


def trim(text: str, *, titles: Iterable[str] = ()) -> str:
    """Drop leading title and byline lines, and everything from a late "related / comments" heading."""
    lines = text.split("\n")
    known = [" ".join(_tokens(t)).lower() for t in titles]
    words = [set(t.split()) for t in known]
    for _ in range(3):  # a headline split over short lines, or worded unlike the <title>: its words are a title's
        first = {w.lower() for w in _tokens(lines[0])}
        if len(lines) > 1 and len(lines[0]) < 100 and len(first) >= 2 and any(first <= w for w in words):
            lines.pop(0)
    while len(lines) > 1:
        head = " ".join(_tokens(lines[0])).lower()
        if not head or not any(head == t or (len(head) > 15 and head in t) for t in known):
            break
        lines.pop(0)
    for _ in range(3):
        if len(lines) > 1 and len(lines[0]) < 100 and _BYLINE.search(lines[0]):
            lines.pop(0)
    total, seen = sum(len(line) for line in lines), 0
    for i, line in enumerate(lines):
        seen += len(line)
        if seen > total / 2 and len(line) < 60 and _TAIL.match(line.strip()):
            return "\n".join(lines[:i])
    return "\n".join(lines)


def page_titles(tree: HtmlElement) -> list[str]:
    """The page's <title>, <h1> and og:title texts, which article bodies do not repeat."""
    texts = [" ".join(e.text_content().split()) for e in tree.xpath("//title|//h1")]
    texts += [str(t) for t in tree.xpath("//meta[@property='og:title']/@content")]
    return [t for t in texts if t]


def candidates(tree: HtmlElement, *, url: str | None = None, names: tuple[str, ...] | None = None) -> dict[str, str]:
    return {name: fn(tree, url) for name, fn in EXTRACTORS.items() if names is None or name in names}


def article_text(tree: HtmlElement, *, url: str | None = None) -> str | None:
    """The article's text, paragraphs separated by newlines; None when nothing was found."""
    text = vote(candidates(tree, url=url), titles=page_titles(tree))
    return text or None
