"""Bytes to a :class:`~pipeline.document.Document`: HTML through trafilatura (text by :mod:`.article`), dates
through htmldate when the page's metadata has none, PDFs through pypdf. No network, no files, no store."""

from __future__ import annotations

import io
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import htmldate
import trafilatura
from lxml.html import HtmlElement

from pipeline.collect.article import article_text
from pipeline.collect.detect import decode, sniff
from pipeline.collect.extractors import ld_article_body
from pipeline.document import Document, title_from_text
from pipeline.errors import InputRejected
from pipeline.ingest.language import sure_language

logger = logging.getLogger(__name__)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_URL_DATE = re.compile(r"/(\d{4})[/-](\d{2})[/-](\d{2})(?:/|[^\d])")
_LANG = re.compile(r"^[a-z]{2,3}\b", re.I)
_WWW = re.compile(r"^(?:www|w[0-9]+)\.", re.I)
_ENOUGH_TO_DETECT = 200  # characters of text from which its language is read rather than the page's declaration


def extract(
    body: bytes, *, content_type: str, charset: str | None, url: str, min_chars: int = 40, **meta: Any
) -> Document:
    """Dispatch on what the bytes are (HTML or PDF); anything else is rejected with its reason. The document's
    ``language`` is what its text is written in (the caller decides what another language means)."""
    kind = sniff(content_type, body)
    if kind == "pdf":
        doc = extract_pdf(body, url=url, min_chars=min_chars, **meta)
    elif kind == "html":
        doc = extract_html(decode(body, charset), url=url, min_chars=min_chars, **meta)
    elif kind == "empty":
        raise InputRejected("empty response", code="empty")
    else:
        raise InputRejected(f"not a page or a PDF ({kind}, declared {content_type or 'no type'})", code="content_type")
    return doc


def extract_html(html: str, *, url: str, min_chars: int = 40, published: str | None = None, **meta: Any) -> Document:
    """An HTML page to a Document; ``published`` is a fallback date (from a feed entry, say)."""
    tree = trafilatura.load_html(html)
    if tree is None:
        raise InputRejected("HTML that cannot be parsed", code="unparseable")
    text = article_text(tree, url=url)  # the extractors work on copies: the tree keeps its scripts
    if not text or len(text.strip()) < min_chars:
        text = ld_article_body(tree)  # the page's own JSON-LD copy of the article, when its HTML shows none
    if len(text.strip()) < min_chars:
        raise InputRejected(f"no article text (fewer than {min_chars} characters)", code="empty")
    info = trafilatura.extract_metadata(tree, default_url=url)
    date, date_source = _find_date(tree, url, info.date if info else None)
    if date is None and published:
        date, date_source = published, "metadata"
    extra = {"canonical_url": info.url} if info and info.url and info.url != url else {}
    return Document.create(  # which cleans title, author and site (``document.known``)
        text, url=url, title=info.title if info else None, author=info.author if info else None,
        site=_site(info.sitename if info else None, info.url if info else None, url), published=date,
        date_source=date_source, language=_language(tree, text), extra=extra, **meta,
    )  # fmt: skip


def extract_pdf(body: bytes, *, url: str, min_chars: int = 40, published: str | None = None, **meta: Any) -> Document:
    """Text per page (pages separated by a blank line); a PDF that will not parse is a clear rejection."""
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        info: Any = reader.metadata or {}
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as err:
        raise InputRejected(f"PDF that will not parse: {err}", code="unparseable") from err
    text = "\n\n".join(p for p in pages if p)
    if len(text) < min_chars:
        raise InputRejected("PDF without extractable text (scanned images?)", code="empty")
    date = _pdf_date(str(info.get("/CreationDate") or ""))
    return Document.create(
        text, url=url, title=info.get("/Title") or title_from_text(text), author=info.get("/Author"), site=_host(url),
        published=date or published, date_source="metadata" if date or published else "unknown",
        language=_language(None, text), **meta,
    )  # fmt: skip


def _find_date(tree: HtmlElement, url: str, meta_date: str | None) -> tuple[str | None, str]:
    """Metadata first (trafilatura, then htmldate's quick search), then the URL, then the text itself."""
    if meta_date and _ISO.match(meta_date):
        return meta_date[:10], "metadata"
    try:
        quick = htmldate.find_date(tree, extensive_search=False, original_date=True)
        if quick:
            return quick[:10], "metadata"
        m = _URL_DATE.search(url)
        if m and 1990 < int(m.group(1)) < 2100 and 0 < int(m.group(2)) < 13 and 0 < int(m.group(3)) < 32:
            return f"{m.group(1)}-{m.group(2)}-{m.group(3)}", "url"
        deep = htmldate.find_date(tree, extensive_search=True, original_date=True)
        if deep:
            return deep[:10], "in_text"
    except (ValueError, TypeError, AttributeError) as err:  # htmldate is defensive, but pages are wild
        logger.debug("date search failed on %s: %s", url, err)
    return None, "unknown"


def _language(tree: HtmlElement | None, text: str) -> str | None:
    """What the text itself is in when there is enough of it (templates often declare ``lang="en"`` whatever the
    page holds) and the detector is sure, else what the page declares, else unknown (None: a guess would reject
    pages)."""
    declared = _LANG.match(((tree.get("lang") or tree.get("xml:lang") or "") if tree is not None else "").strip())
    found = sure_language(text) if len(text) >= _ENOUGH_TO_DETECT else None
    return found or (declared.group(0).lower() if declared else None)


def _site(sitename: str | None, page_url: str | None, url: str) -> str | None:
    """The site a page names (og:site_name, publisher), else its host as for a PDF. trafilatura's own fallback, the
    netloc of the page's URL less ``www.`` (port included), is no site name: the host replaces it."""
    netlocs = {_WWW.sub("", urlsplit(u).netloc).lower() for u in (page_url, url) if u}
    if not sitename or sitename.lower() in netlocs:
        return _host(url)
    return sitename


def _host(url: str) -> str | None:
    """The site of a page or PDF that names none: its host, without port (as for every collected document)."""
    return urlsplit(url).hostname or None


def _pdf_date(value: str) -> str | None:
    m = re.match(r"D:(\d{4})(\d{2})(\d{2})", value)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None
