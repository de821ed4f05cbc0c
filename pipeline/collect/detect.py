"""What a response is: a feed, a sitemap, an HTML page or a PDF, decided from its content type and its first
bytes (never from the URL), and how its bytes decode to text when the declared charset lies."""

from __future__ import annotations

import codecs
import re
from typing import Literal

import charset_normalizer

Kind = Literal["feed", "sitemap", "html", "pdf", "gzip", "binary", "empty"]

# Types worth reading at all; anything else (images, video, archives, fonts) is refused before the body.
_TEXT_TYPES = ("text/", "application/xhtml", "application/xml", "application/rss", "application/atom",
               "application/rdf", "application/feed", "application/json")  # fmt: skip
_MAYBE_TYPES = ("application/pdf", "application/x-pdf", "application/octet-stream", "application/gzip",
                "application/x-gzip", "binary/octet-stream", "")  # fmt: skip

_FEED_ROOT = re.compile(rb"<(?:[a-z0-9]+:)?(rss|feed|rdf:RDF)[\s>]", re.I)
_SITEMAP_ROOT = re.compile(rb"<(?:[a-z0-9]+:)?(urlset|sitemapindex)[\s>]", re.I)
_HTML_MARK = re.compile(rb"<(!doctype\s+html|html|head|body|p|div|article|title)[\s>]", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_\-:.]+)""", re.I)
_BINARY_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF", b"RIFF", b"OggS",
                 b"\x00\x00\x00", b"ID3", b"BZh", b"7z\xbc\xaf", b"wOFF", b"wOF2")  # fmt: skip
_LEAN_CHARSETS = {"ascii", "us-ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"}


def content_type_allowed(content_type: str) -> bool:
    ctype = content_type.split(";")[0].strip().lower()
    return ctype.startswith(_TEXT_TYPES) or ctype in _MAYBE_TYPES or ctype.endswith("+xml")


def sniff(content_type: str, body: bytes) -> Kind:
    """Classify a response body. The bytes win over the header: a PDF served as text/html is a PDF."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.strip():
        return "empty"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(_BINARY_MAGIC) or _looks_binary(body[:4096]):
        return "binary"
    window = body[:4096]
    ctype = content_type.split(";")[0].strip().lower()
    is_xml = head.startswith(b"<?xml") or "xml" in ctype
    if _SITEMAP_ROOT.search(window) and (is_xml or not _HTML_MARK.search(window)):
        return "sitemap"
    if _FEED_ROOT.search(window) and (is_xml or not _HTML_MARK.search(window)):
        return "feed"
    if ctype in ("application/pdf", "application/x-pdf"):
        return "binary"  # declared a PDF but not one
    return "html"


def _looks_binary(sample: bytes) -> bool:
    """NUL bytes or many control characters: not text, whatever the header says (UTF-16 BOMs excepted)."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) * 0.05


def decode(body: bytes, declared: str | None) -> str:
    """Bytes to text: the declared charset (header, else <meta>) if the bytes really are in it, else detected.

    A header that says latin-1 over UTF-8 bytes is the common lie: valid multi-byte UTF-8 wins over it.
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace")
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", errors="replace")
    if not declared:
        meta = _META_CHARSET.search(body[:4096])
        declared = meta.group(1).decode("ascii", "ignore") if meta else None
    candidates = []
    if declared and declared.lower() in _LEAN_CHARSETS:
        candidates.append("utf-8")  # latin-1 decodes anything; UTF-8 first catches the lie
    if declared:
        candidates.append(declared)
    candidates.append("utf-8")
    for enc in candidates:
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode(_guess(body), errors="replace")


def _guess(body: bytes) -> str:
    """charset-normalizer's guess, but windows-1252 (the web's default) when it fits about as well."""
    matches = list(charset_normalizer.from_bytes(body[:200_000]))
    if not matches:
        return "cp1252"
    best = matches[0]
    for m in matches:
        if "cp1252" in m.could_be_from_charset and m.percent_chaos <= best.percent_chaos + 10.0:
            return "cp1252"
    return best.encoding
