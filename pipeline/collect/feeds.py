"""RSS/Atom feeds: checked for safety with defusedxml first (an XXE or entity-expansion feed is refused),
then read with feedparser for the entry links."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import feedparser

from pipeline.collect.sitemaps import safe_xml
from pipeline.errors import InputRejected

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str
    title: str | None
    published: str | None  # YYYY-MM-DD when the feed says


def parse_feed(body: bytes, *, base_url: str) -> list[FeedEntry]:
    safe_xml(body, what="feed")  # raises on DTD/entities/external references and on malformed XML
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    if parsed.get("bozo") and not parsed.entries:
        raise InputRejected(f"malformed feed: {parsed.get('bozo_exception')}", code="malformed")
    entries = []
    for item in parsed.entries:
        link = item.get("link") or next((lk.get("href") for lk in item.get("links", []) if lk.get("href")), None)
        if not link or not link.startswith(("http://", "https://")):
            continue
        stamp = item.get("published_parsed") or item.get("updated_parsed")
        published = f"{stamp.tm_year:04d}-{stamp.tm_mon:02d}-{stamp.tm_mday:02d}" if stamp else None
        entries.append(FeedEntry(link, item.get("title"), published))
    logger.debug("feed %s with %d entries", base_url, len(entries))
    return entries
