"""Article text by a vote of extractors.

trafilatura run three ways (precision, balanced, recall), readability-lxml and jusText each propose a text
(``extractors.py``). The recall run's lines, with any line of the balanced run it lacks, are the candidates; a
line is kept when most extractors also found it (4-gram shingle containment, or the exact word run for lines too
short to shingle, such as headings and CJK sentences), which drops comments, teasers and link lists that one
extractor let through while keeping the lines that a precise run alone would miss. A line holding several
sentences (a whole layout-table cell) is voted sentence by sentence; a line that, of the trafilatura runs, only
the recall run found needs one vote more (gallery captions); a line between two kept lines needs two extractors
only. Where trafilatura stopped early (readability's lines run on well past the last one the balanced run has,
and jusText found that tail too), the tail is added. When the vote keeps too little, the whole extraction that
agrees most with the others is taken instead.
Last, the page title and standfirst repeated at the top, a dateline, a trailing "related / comments / tags"
block and the cut-off excerpts of other posts listed after the article are cut, as article-body ground truths
leave them out.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable

from lxml.html import HtmlElement

from pipeline.collect.extractors import EXTRACTORS, candidates, page_deks, page_titles
from pipeline.collect.extractors import tokens as _tokens

__all__ = ["EXTRACTORS", "article_text", "candidates", "consensus", "page_deks", "page_titles", "trim", "vote"]
SHINGLE = 4
SUPPORT = 0.5  # share of a paragraph's shingles another extraction must contain to count as a vote
# Short lines that are site furniture whichever extractor let them through.
_FURNITURE = re.compile(
    r"^\W*(advertisement|sponsored( content)?|share( this)?( article| story| on \w+)?|read more\W*|related"
    r"( articles| stories| coverage)?|(sign up|subscribe)\b.{0,90}|follow us\b.{0,40}|click here\b.{0,40}"
    r"|filed under\s*:.{0,60}|\d+\s*min(ute)?s?\.? read"
    r"|(reading time|tempo de leitura|tiempo de lectura|temps de lecture|lesezeit)\s*:?\s*\d+\s*\w*"
    r"|((read|see) also|related posts?|leggi anche|lesen sie auch|lire aussi|lea también|l[eê]ia também"
    r"|veja também)( \w+)?\s*:.{3,})"
    r"\W*$",
    re.I,
)
# A line that is one unrendered WordPress shortcode, "[button link=...]Send us YOUR review[/button]".
_SHORTCODE = re.compile(r"^\[(\w+)\b[^\]]*\].*\[/\1\]$")
# The end of a teaser excerpt: a post cut off with an ellipsis, "…", "[…]" or " ...".
_CUT_OFF = re.compile(r"(\s…|\s\.\.\.|\[…\]|\[\.\.\.\])\s*$")
TEASER_WORDS = 40  # a cut-off line this long is a teaser excerpt of another post, not a sentence trailing off
# Where a line is cut into sentences for the vote: after a sentence end, at a table-cell bar or a run of spaces.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+(?=\S)|\s+\|\s+|\s{2,}")
GAP_WORDS = 8  # a line filling a gap between kept lines has at least this many words
LONG_LINE = 3  # a line of this many sentences or more is voted sentence by sentence
LOST_TAIL = 0.5  # a tail of readability's lines this long against the trafilatura run's words was cut off
MIN_SHARE = 0.6  # the vote must keep at least this share of the median extraction's length
# Headings that open the end matter (teasers, comments) when they come after the middle of the text.
_TAIL = re.compile(
    r"^\W*(more( great| top)?( \w+)? (must-reads|stories|news)( from .{1,30})?|more from .{1,30}"
    r"|you (might|may) also like|related( articles| stories| videos| posts| coverage| content)?"
    r"|recommended( for you| stories)?"
    r"|read (more|next)|comments?( \(\d+\))?|loading comments"
    r"|most (read|popular)|other .{0,30}columns|trending( now)?|latest (news|stories)|also on .{0,30}"
    r"|leave a (comment|reply)|join the (conversation|discussion)|tell us what you think|have your say"
    r"|see more (photos|pictures)|tags|tagged( with)?"
    r"|coment(ar|arios?)|kommentare?|commentaires?|commenti)\W*$",
    re.I,
)
# Wire-service trailer lines that end syndicated stories: the reporting credit and the agency's own links.
_TRAILER = re.compile(
    r"\bcontributed (to this (report|story|article)|reporting)\b|^(follow|read) (ap|reuters)'s .{0,100}\bcoverage\b"
    r"|^(reach|follow|more)\b.{0,120}https?://(www\.)?(twitter\.com|apnews\.com)",
    re.I,
)
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# Short lines that open an extraction with a byline, a dateline or tags rather than the article.
_BYLINE = re.compile(
    r"^(by|por|von|par|di)\s|^(topics|tags|filed under|posted|published|updated)\b"
    r"|\b(19|20)\d\d\b.*\b\d{1,2}:\d\d\b|\b\d{1,2}:\d\d\b.*\b(19|20)\d\d\b"  # a year and a clock time, any language
    rf"|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b|\b{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b",
    re.I,
)
WHOLE = ("precision", "balanced", "recall", "readability")  # extractors whose whole text may stand alone
_SECONDS = frozenset(("readability", "justext"))  # the voters that are not trafilatura runs
_TIGHT = frozenset(("precision", "balanced"))  # the trafilatura runs stricter than the recall run


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


def vote(candidates: dict[str, str], *, titles: Iterable[str] = (), deks: Iterable[str] = ()) -> str:
    """Keep the lines of the recall and balanced trafilatura runs that most extractions contain, minus title and
    tail.

    Outside the core (the first to the last line that readability or jusText also found), a line needs one of
    those two as well: there the trafilatura runs agree among themselves on footers and signatures."""
    base = candidates.get("recall") or candidates.get("balanced") or ""
    voters = {name: _Voter(text) for name, text in candidates.items() if text.strip()}
    if len(voters) < 3:
        return candidates.get("balanced") or base
    lines = _merged(base.split("\n"), candidates.get("balanced", "").split("\n"))
    kept = [line for line in _vote_lines(lines, voters) if line] + _lost_tail(candidates, voters)
    text = "\n".join(_without_repeated_runs(kept))
    # Too little kept means the extractors disagree on where the article is: take the most agreed-on whole.
    if len(text) < MIN_SHARE * statistics.median(len(t) for t in candidates.values() if t.strip()):
        text = consensus(candidates)
    return trim(text, titles=titles, deks=deks)


def _furniture(line: str) -> bool:
    """A short line of site furniture ("Advertisement", "Subscribe to ..."), or a shortcode left unrendered."""
    line = line.strip()
    return (len(line) < 110 and _FURNITURE.match(line) is not None) or _SHORTCODE.match(line) is not None


def _lost_tail(candidates: dict[str, str], voters: dict[str, _Voter]) -> list[str]:
    """readability's lines after the last one the balanced trafilatura run also has, when trafilatura stopped
    early: that tail is long (half the run's length or more), holds most of what readability found beyond the run,
    and jusText found it too on its own. Empty otherwise."""
    tight, other = voters.get("balanced"), voters.get("justext")
    if tight is None or other is None:  # an empty run: nothing to have stopped early, or no second to the tail
        return []
    loose = candidates.get("readability", "").split("\n")
    words = [_tokens(line) for line in loose]
    shared = [i for i, toks in enumerate(words) if toks and tight.contains(toks)]
    if not shared:
        return []
    tail = loose[shared[-1] + 1 :]
    tail_words = sum(len(toks) for toks in words[shared[-1] + 1 :])
    known = set(shared)
    extra_words = sum(len(toks) for i, toks in enumerate(words) if i not in known)
    long = tail_words >= LOST_TAIL * len(_tokens(candidates.get("balanced", "")))
    seconded = sum(len(toks) for toks in words[shared[-1] + 1 :] if toks and other.contains(toks))
    found = long and tail_words >= 0.6 * extra_words and seconded >= 0.7 * tail_words
    return [line for line in tail if not _furniture(line)] if found else []


def _merged(lines: list[str], extra: list[str]) -> list[str]:
    """``lines`` with the lines of ``extra`` that they lack, each placed after the line it follows in ``extra``:
    the recall run sometimes drops a paragraph that the balanced run keeps."""
    found = [_Voter(line) for line in lines]
    same: dict[str, list[int]] = {}  # the runs mostly agree line for line: find those without a scan
    for j, line in enumerate(lines):
        same.setdefault(line.strip(), []).append(j)
    out, pos = [], 0
    for line in extra:
        toks = _tokens(line)
        at = next((j for j in same.get(line.strip(), ()) if j >= pos), None)
        if at is None:
            at = next((j for j in range(pos, len(lines)) if toks and found[j].contains(toks)), None)
        if at is None:
            if toks and not any(voter.contains(toks) for voter in found):
                out.append(line)
            continue
        out.extend(lines[pos : at + 1])
        pos = at + 1
    return out + lines[pos:]


def _vote_lines(lines: list[str], voters: dict[str, _Voter]) -> list[str]:
    """Each line as the vote keeps it: whole, cut to its voted sentences, or "" when dropped."""
    need = len(voters) // 2 + 1  # a majority of the extractors

    def enough(found: set[str]) -> bool:  # what only the loosest trafilatura run found needs one vote more
        return len(found) >= need + (len(voters) > 3 and not found & _TIGHT)

    tokens = [_tokens(line) for line in lines]
    support = [{name for name, voter in voters.items() if toks and voter.contains(toks)} for toks in tokens]
    seconded = [bool(found & _SECONDS) for found in support]
    core = [i for i, ok in enumerate(seconded) if ok]
    outside = bool(_SECONDS & voters.keys()) and bool(core)  # without those voters there is no core to be outside
    out, eligible = [""] * len(lines), []
    for i, line in enumerate(lines):
        if not tokens[i] or _furniture(line):
            continue
        if outside and not seconded[i] and not core[0] <= i <= core[-1]:
            continue
        eligible.append(i)
        parts = _SENTENCE_BREAK.split(line)
        if len(parts) >= LONG_LINE:  # a whole table cell or block as one line: vote on its sentences
            out[i] = " ".join(p for p in parts if enough({n for n, v in voters.items() if v.contains(_tokens(p))}))
        elif enough(support[i]):
            out[i] = line
    # A sentence between two kept lines needs two extractors only: precise runs drop a paragraph for its links.
    gaps = [i for i in eligible if not out[i] and len(support[i]) >= 2 and len(tokens[i]) >= GAP_WORDS]
    for i in [i for i in gaps if 0 < i < len(lines) - 1 and out[i - 1] and out[i + 1]]:
        out[i] = lines[i]
    return out


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


def trim(text: str, *, titles: Iterable[str] = (), deks: Iterable[str] = ()) -> str:
    """Drop leading title, standfirst (one of ``deks``, word for word) and byline lines, and everything from a
    listing of teaser excerpts (two or more long lines cut off with an ellipsis) or a late "related / comments"
    heading."""
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
    standfirsts = {" ".join(_tokens(d)).lower() for d in deks}
    for _ in range(3):
        byline = len(lines[0]) < 100 and _BYLINE.search(lines[0])
        if len(lines) > 1 and (byline or " ".join(_tokens(lines[0])).lower() in standfirsts):
            lines.pop(0)
    return "\n".join(_cut_end(lines))


def _cut_end(lines: list[str]) -> list[str]:
    """Without a listing of teaser excerpts after the article, or what follows a late tail heading; then without
    the wire-service trailer lines at the very end (credits, "Follow AP's coverage at ...")."""
    teasers = [i for i, line in enumerate(lines) if len(_tokens(line)) >= TEASER_WORDS and _CUT_OFF.search(line)]
    if len(teasers) >= 2 and teasers[0] > 0:  # a listing of other posts after the article, not one line trailing off
        lines = lines[: teasers[0]]
    total, seen = sum(len(line) for line in lines), 0
    for i, line in enumerate(lines):
        seen += len(line)
        if seen > total / 2 and len(line) < 60 and _TAIL.match(line.strip()):
            lines = lines[:i]
            break
    while len(lines) > 1 and len(lines[-1]) < 300 and _TRAILER.search(lines[-1].strip()):
        lines = lines[:-1]
    return lines


def article_text(tree: HtmlElement, *, url: str | None = None) -> str | None:
    """The article's text, paragraphs separated by newlines; None when nothing was found."""
    text = vote(candidates(tree, url=url), titles=page_titles(tree), deks=page_deks(tree))
    return text or None
