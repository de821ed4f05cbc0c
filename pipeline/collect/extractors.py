"""The five extractors that propose an article text for the vote (``article.py``): trafilatura run three ways
(precision, balanced, recall), readability-lxml and jusText. Each takes a parsed page and returns plain text, one
paragraph per line, or "" when it finds nothing or fails."""

from __future__ import annotations

import copy
import functools
import json
import logging
import re
from collections.abc import Callable

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+", re.UNICODE)
_BLOCK_END = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/blockquote)\b[^>]*>", re.I)
_DEK = re.compile(r"(?:^|[\s_-])(?:dek|deck|standfirst|sub-head|subtitle)(?:$|[\s_-])", re.I)


def tokens(text: str) -> list[str]:
    """The words of ``text`` (runs of word characters), as the shingle measures count them."""
    return _TOKEN.findall(text)


Extractor = Callable[[HtmlElement, str | None], str]


def _lead_text_after_break(tree: HtmlElement) -> HtmlElement:
    """A copy where a block's own leading text, before <br>-separated lines, follows a <br> too: trafilatura
    drops a div's text that precedes its children, often the first paragraph of a <br>-laid-out article."""
    tree = copy.deepcopy(tree)
    for block in tree.iter("div", "td", "section", "article"):
        if block.text and block.text.strip() and block.find("br") is not None:
            br = block.makeelement("br", {})
            br.tail, block.text = block.text, None
            block.insert(0, br)
    return tree


def _trafilatura(*, favor_precision: bool = False, favor_recall: bool = False) -> Extractor:
    def run(tree: HtmlElement, url: str | None) -> str:
        text = trafilatura.extract(
            _lead_text_after_break(tree), url=url, include_comments=False, include_tables=True,
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
    words = [w.lower() for w in tokens(tree.text_content()[:50_000])]
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


def page_titles(tree: HtmlElement) -> list[str]:
    """The page's <title>, <h1> and og:title texts, which article bodies do not repeat."""
    texts = [" ".join(e.text_content().split()) for e in tree.xpath("//title|//h1")]
    texts += [str(t) for t in tree.xpath("//meta[@property='og:title']/@content")]
    return [t for t in texts if t]


def page_deks(tree: HtmlElement) -> list[str]:
    """Standfirsts: the summary under a headline, marked as schema.org ``description`` on a page element or by a
    dek / standfirst / sub-head / subtitle class. Article-body ground truths leave it out."""
    texts = []
    for el in tree.xpath("//body//*[@itemprop='description' or @class]"):
        if el.get("itemprop") == "description" or _DEK.search(el.get("class") or ""):
            text = " ".join(el.text_content().split())
            if 20 <= len(text) <= 600:
                texts.append(text)
    return texts


def _ld_objects(data: object) -> list[dict]:
    """Every JSON object inside a JSON-LD value (``@graph`` lists and nested objects included)."""
    found, stack = [], [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack += list(item.values())
        elif isinstance(item, list):
            stack += item
    return found


def ld_article_body(tree: HtmlElement) -> str:
    """The longest schema.org ``articleBody`` in the page's JSON-LD, as plain text ("" when none). Pages that
    render their article with JavaScript often carry it only there."""
    bodies = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content())
        except ValueError:
            continue
        bodies += [o["articleBody"] for o in _ld_objects(data) if isinstance(o.get("articleBody"), str)]
    body = max(bodies, key=len, default="")
    if "<" in body:  # some publishers put markup in it: block ends become line ends
        body = lxml.html.fromstring(f"<div>{_BLOCK_END.sub(chr(10), body)}</div>").text_content()
    return "\n".join(" ".join(line.split()) for line in body.splitlines() if line.strip())


_TWEET = "//blockquote[contains(@class, 'twitter-tweet')]"


def _wrappers(el: HtmlElement) -> list[HtmlElement]:
    """``el`` and the divs, figures and sections around it that hold nothing else (scripts aside): the embed's own
    wrappers."""
    chain = [el]
    parent = el.getparent()
    while parent is not None and parent.tag in ("div", "figure", "section"):
        others = [c for c in parent if c is not chain[-1] and c.tag != "script"]
        if others or (parent.text or "").strip():
            break
        chain.append(parent)
        parent = parent.getparent()
    return chain


def _embeds_unmarked(tree: HtmlElement) -> HtmlElement:
    """A copy where embedded tweets (``blockquote.twitter-tweet``, and the wrappers holding only it) lose the class
    and id that make every extractor drop them as social-media furniture: in a news article the quoted post is
    part of the story, and article-body ground truths keep it."""
    if not tree.xpath(_TWEET):
        return tree
    tree = copy.deepcopy(tree)
    for quote in tree.xpath(_TWEET):
        for el in _wrappers(quote):
            el.attrib.pop("class", None)
            el.attrib.pop("id", None)
    return tree


def candidates(tree: HtmlElement, *, url: str | None = None, names: tuple[str, ...] | None = None) -> dict[str, str]:
    tree = _embeds_unmarked(tree)
    return {name: fn(tree, url) for name, fn in EXTRACTORS.items() if names is None or name in names}
