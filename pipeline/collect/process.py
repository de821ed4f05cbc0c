"""One URL's work, run in a worker thread: fetch, archive, classify, then parse (feed, sitemap) or extract
(page, PDF). It returns an :class:`Outcome`; only the crawl loop writes to the store."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura

from pipeline.collect.archive import archive_raw, load_head, load_raw
from pipeline.collect.dedup import canonical_url
from pipeline.collect.detect import Kind, sniff
from pipeline.collect.extract import extract
from pipeline.collect.feeds import parse_feed
from pipeline.collect.fetch import Fetcher, Response, inflate
from pipeline.collect.sitemaps import parse_sitemap
from pipeline.document import Document
from pipeline.errors import InputRejected
from pipeline.ingest.language import EVERY_LANGUAGE, LanguagePolicy

logger = logging.getLogger(__name__)

_NOT_A_PAGE = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|css|js|json|zip|gz|tgz|mp[34]|m4a|avi|mov|woff2?|ttf|exe|dmg|docx?|xlsx?)$"
    r"|/(?:login|signin|signup|register|cart|search|tag|tags|author|share)(?:/|$)",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Task:
    url: str
    source: str | None
    kind: str | None
    depth: int
    etag: str | None = None
    last_modified: str | None = None
    last_sha256: str | None = None  # raw hash of the last successful fetch
    discover: bool = False  # follow same-host links from this page
    published: str | None = None  # a fallback date from the feed that listed it


@dataclass(slots=True)
class Outcome:
    task: Task
    status: str  # document | listing | not_modified | unchanged | failed
    response: Response | None = None
    raw_sha256: str | None = None
    what: str | None = None  # feed | sitemap | html | pdf
    document: Document | None = None
    notice: str | None = None  # why a stored document is left out of analysis (its language)
    children: list[str] = field(default_factory=list)  # URLs found (articles, sub-sitemaps, links)
    child_dates: dict[str, str] = field(default_factory=dict)
    error: InputRejected | None = None


def process(
    task: Task, fetcher: Fetcher, *, raw_dir: Path, min_chars: int, languages: LanguagePolicy = EVERY_LANGUAGE
) -> Outcome:
    try:
        resp = fetcher.fetch(task.url, etag=task.etag, last_modified=task.last_modified)
    except InputRejected as err:
        return Outcome(task, "failed", error=err)
    if resp.status == 304:
        return _not_modified(task, resp, raw_dir=raw_dir, max_bytes=fetcher.options.max_bytes)
    try:
        return _handle(task, resp, raw_dir=raw_dir, min_chars=min_chars, languages=languages,
                       max_bytes=fetcher.options.max_bytes)  # fmt: skip
    except InputRejected as err:
        return Outcome(task, "failed", response=resp, error=err)
    except Exception as err:  # a parser bug on one wild page must not stop the crawl
        logger.exception("unexpected error on %s", task.url)
        return Outcome(task, "failed", response=resp, error=InputRejected(f"internal error: {err!r}", code="error"))


def _handle(
    task: Task, resp: Response, *, raw_dir: Path, min_chars: int, languages: LanguagePolicy, max_bytes: int
) -> Outcome:
    what, body = _classify(resp.content_type, resp.body, max_bytes)
    if what in ("binary", "empty", "gzip"):
        reason = "empty response" if what == "empty" else f"binary content served as {resp.content_type!r}"
        raise InputRejected(reason, code=what if what == "empty" else "binary")
    sha = archive_raw(raw_dir, resp.body)
    unchanged = sha == task.last_sha256
    if what in ("feed", "sitemap"):  # read even when unchanged: re-checking a listing re-checks what it lists
        return _listing(task, "unchanged" if unchanged else "listing", resp, sha, what, body)
    links = _links(body, resp.final_url) if task.discover and what == "html" else []
    if unchanged:  # an unchanged hub page still leads to its links, which may have changed
        return Outcome(task, "unchanged", response=resp, raw_sha256=sha, what=what, children=links)
    meta: dict[str, Any] = {"source": task.source, "kind": task.kind, "raw_sha256": sha}
    doc = extract(body, content_type=resp.content_type, charset=resp.charset, url=task.url,
                  min_chars=min_chars, published=task.published, **meta)  # fmt: skip
    notice = languages.notice(doc.language)
    return Outcome(task, "document", resp, sha, what, document=doc, children=links, notice=notice)


def _not_modified(task: Task, resp: Response, *, raw_dir: Path, max_bytes: int) -> Outcome:
    """A 304. A feed or sitemap (or a page whose links are followed) is read again from its archived snapshot,
    so that re-checking it re-checks the pages it lists; a snapshot that is gone or no longer parses only costs
    those children."""
    out = Outcome(task, "not_modified", response=resp)
    if task.last_sha256 is None:
        return out
    try:
        head = sniff("", load_head(raw_dir, task.last_sha256))
        if head == "html" and task.discover:
            links = _links(load_raw(raw_dir, task.last_sha256), resp.final_url)
            return Outcome(task, "not_modified", resp, task.last_sha256, "html", children=links)
        if head not in ("feed", "sitemap", "gzip"):
            return out
        what, body = _classify("", load_raw(raw_dir, task.last_sha256), max_bytes)
        if what not in ("feed", "sitemap"):
            return out
        return _listing(task, "not_modified", resp, task.last_sha256, what, body)
    except (OSError, EOFError, InputRejected) as err:
        logger.warning("%s: archived snapshot %s unreadable (%s); its entries are not re-checked",
                       task.url, task.last_sha256, err)  # fmt: skip
        return out


def _classify(content_type: str, body: bytes, max_bytes: int) -> tuple[Kind, bytes]:
    """What the body is, and the body itself (inflated when it is a gzipped file served as such)."""
    what = sniff(content_type, body)
    if what == "gzip":  # a .xml.gz sitemap (or any gzipped file) served without Content-Encoding
        body = inflate(body, max_bytes)
        what = sniff("application/xml", body)
    return what, body


def _listing(task: Task, status: str, resp: Response, sha: str, what: str, body: bytes) -> Outcome:
    """A feed or sitemap: the URLs it lists become the outcome's children."""
    if what == "feed":
        entries = parse_feed(body, base_url=resp.final_url)
        dates = {e.url: e.published for e in entries if e.published}
        return Outcome(task, status, resp, sha, what, children=[e.url for e in entries], child_dates=dates)
    sitemap = parse_sitemap(body)
    return Outcome(task, status, resp, sha, "sitemap-index" if sitemap.is_index else what, children=sitemap.urls)


def _links(body: bytes, base: str) -> list[str]:
    """Same-host links from the page body (not its menus) to pages that look like documents."""
    tree = trafilatura.load_html(body)
    if tree is None:
        return []
    for chrome in tree.xpath("//nav|//header|//footer|//aside|//*[@role='navigation']"):
        chrome.drop_tree()  # site chrome links to section fronts, not documents
    host = urlsplit(base).netloc
    found: dict[str, None] = {}
    for href in tree.xpath("//a/@href"):
        url = urljoin(base, str(href).strip())
        if urlsplit(url).netloc != host or not url.startswith(("http://", "https://")):
            continue
        if _NOT_A_PAGE.search(urlsplit(url).path):
            continue
        found[canonical_url(url)] = None
    return list(found)
