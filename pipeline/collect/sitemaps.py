"""Sitemaps (index or urlset, gzipped or not), parsed with defusedxml: no DTDs, no entities, no external
references. A malformed or unsafe sitemap is rejected with its reason."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from pipeline.errors import InputRejected

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Sitemap:
    is_index: bool
    urls: list[str]  # child sitemaps for an index, pages for a urlset
    lastmod: dict[str, str]  # url -> lastmod, where given


def safe_xml(body: bytes, *, what: str) -> Element:
    """Parse XML refusing DTDs and entity declarations (no XXE, no billion laughs)."""
    try:
        return safe_et.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise InputRejected(f"unsafe XML in {what} ({type(err).__name__}): not parsed", code="unsafe_xml") from err
    except ParseError as err:
        raise InputRejected(f"malformed {what}: {err}", code="malformed") from err


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def parse_sitemap(body: bytes) -> Sitemap:
    root = safe_xml(body, what="sitemap")
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise InputRejected(f"malformed sitemap: root element <{kind}>", code="malformed")
    urls: list[str] = []
    lastmod: dict[str, str] = {}
    for entry in root:
        loc = mod = None
        for child in entry:
            name = _local(child.tag)
            if name == "loc" and child.text:
                loc = child.text.strip()
            elif name == "lastmod" and child.text:
                mod = child.text.strip()
        if loc and loc.startswith(("http://", "https://")):
            urls.append(loc)
            if mod:
                lastmod[loc] = mod
    logger.debug("sitemap (%s) with %d URLs", kind, len(urls))
    return Sitemap(kind == "sitemapindex", urls, lastmod)
